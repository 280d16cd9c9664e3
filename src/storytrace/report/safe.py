"""Making article-derived strings safe to put in HTML and SVG.

Every string that comes from an article (title, outlet, URL, text, a claim) is hostile until
escaped: text goes through `markupsafe.escape` (or jinja2 autoescape), URLs through `safe_url`,
which keeps only http(s) links so `javascript:`/`data:` URLs can never become clickable.
"""
from __future__ import annotations

import hashlib
import base64
import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

__all__ = ["Markup", "escape", "safe_url", "json_for_script", "csp_hash", "clip"]

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_url(url: object) -> str | None:
    """The URL if it is a plain http(s) link, else None (so the caller shows it as text)."""
    if not isinstance(url, str):
        return None
    u = _CTRL.sub("", url).strip()
    # Browsers ignore tabs/newlines inside a scheme ("java\tscript:"), so judge the stripped form.
    u_compact = re.sub(r"\s", "", u)
    try:
        parts = urlsplit(u_compact)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return u_compact


def json_for_script(obj: object) -> Markup:
    """JSON that is safe inside <script type="application/json">: no `</script>`, no `<!--`."""
    import json
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    s = s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    s = s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(s)


def csp_hash(script: str) -> str:
    """The CSP source expression ('sha256-...') that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def clip(text: object, n: int) -> str:
    """`text` as a one-line string of at most `n` characters (ellipsis when cut)."""
    s = " ".join(str(text or "").split())
    return s if len(s) <= n else s[: max(0, n - 1)].rstrip() + "\u2026"
