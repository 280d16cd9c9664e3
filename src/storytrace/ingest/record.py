"""From a reader's raw record to an Article: one place where cleaning and metadata meet."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from storytrace.clean import clean_text
from storytrace.dates import parse_published
from storytrace.ingest.html_lang import guess_language
from storytrace.ingest.limits import Limits
from storytrace.model import Article, Rejection

_TAG = re.compile(r"<(p|div|br|span|a|html|body|article|section|h[1-6]|strong|em|img|li)\b[^>]*>", re.I)


@dataclass
class Record:
    """What a reader found for one article, before cleaning. `html` or `text` is the body."""
    path: str
    text: str | None = None
    html: str | bytes | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published: Any = None
    external_id: str | None = None
    language: str | None = None
    charset: str | None = None  # an encoding the transport declared (HTTP Content-Type)
    # Plain-text files carry their header (title, byline, date) inside the text.
    parse_header: bool = False
    extra_removed: list[str] = field(default_factory=list)


def fingerprint(rec: Record) -> str:
    """Hash of everything a record carries except where it came from: the same input read again
    has the same fingerprint, so re-adding a corpus can skip cleaning and hashing its text."""
    h = hashlib.blake2b(digest_size=12)
    body = rec.html if rec.html is not None else rec.text or ""
    h.update(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    for v in (rec.title, rec.url, rec.outlet, rec.byline, rec.published, rec.external_id, rec.language,
              rec.parse_header, rec.html is not None):
        h.update(b"\x1f" + str(v).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def looks_like_html(s: str) -> bool:
    return len(_TAG.findall(s[:20000])) >= 3


def _extract(rec: Record) -> tuple[str, dict[str, Any]]:
    from storytrace.ingest.html import extract_html

    ex = extract_html(rec.html if rec.html is not None else rec.text or "", url=rec.url, charset=rec.charset)
    meta = {"title": ex.title, "url": ex.url, "outlet": ex.outlet, "byline": ex.byline,
            "published": ex.published, "language": ex.language, "truncated": ex.truncated,
            "removed": list(ex.boilerplate_removed)}
    return ex.text, meta


_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
# Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan: written without spaces between words.
_NO_SPACES_SCRIPT = re.compile("[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def to_article(rec: Record, limits: Limits) -> Article | Rejection:
    """Clean a record into an Article, or say why not. Never raises: an unexpected failure in
    cleaning or extraction rejects this input only, and the batch goes on."""
    try:
        return _to_article(rec, limits)
    except Exception as e:  # noqa: BLE001 - one bad input must not stop a batch
        return Rejection(rec.path, f"could not be read: {type(e).__name__}: {str(e)[:200]}")


def _to_article(rec: Record, limits: Limits) -> Article | Rejection:
    meta: dict[str, Any] = {}
    try:
        if rec.html is not None or (rec.text and looks_like_html(rec.text)):
            body, meta = _extract(rec)
        else:
            body = rec.text or ""
    except ValueError as e:
        return Rejection(rec.path, f"no article text in HTML: {e}")
    if not body.strip():
        return Rejection(rec.path, "empty: no article text")
    c = clean_text(body, parse_header=rec.parse_header)
    if len(c.text) < limits.min_text_chars:
        why = "only boilerplate" if c.boilerplate_removed else "too short"
        return Rejection(rec.path, f"{why}: {len(c.text)} characters of text left after cleaning")
    if len(c.text) < 400 and not _NO_SPACES_SCRIPT.search(c.text):
        n = len(_LETTER_WORD.findall(c.text))
        if n < limits.min_text_words:
            return Rejection(rec.path, f"too short: {n} word{'s' if n != 1 else ''} of text left after cleaning")

    def pick(*vals: Any) -> Any:
        for v in vals:
            if isinstance(v, str):
                v = " ".join(v.split())
            if v:
                return v
        return None

    published = parse_published(rec.published) or meta.get("published") or c.published
    return Article(
        text=c.text,
        path=rec.path,
        external_id=str(rec.external_id) if rec.external_id not in (None, "") else None,
        url=pick(rec.url, meta.get("url")),
        title=pick(rec.title, meta.get("title"), c.title),
        outlet=pick(rec.outlet, meta.get("outlet"), c.outlet),
        byline=pick(rec.byline, meta.get("byline"), c.byline),
        published=published,
        language=pick(rec.language, meta.get("language")) or guess_language(c.text),
        truncated=bool(c.truncated or meta.get("truncated")),
        boilerplate_removed=rec.extra_removed + meta.get("removed", []) + c.boilerplate_removed,
    )
