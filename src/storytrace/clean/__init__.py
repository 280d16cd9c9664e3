"""Clean text: the article body without furniture, with what was removed listed.

`clean_text` runs on every reader's output (plain text, JSONL bodies, feed items, extracted
HTML), so all later spans index into one kind of text. It is conservative: a paragraph that no
rule touches keeps its exact characters and paragraph breaks, so offsets from an input that was
already clean (e.g. annotated corpora) still hold.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from storytrace.clean import layout
from storytrace.clean.patterns import (BYLINE, INLINE_RULES, LINE_ANY, ORG_SUFFIX, POSTED, TAIL,
                                       TRUNCATION_HINTS, TRUNCATION_MARKERS, WIRE_RULES)
from storytrace.dates import parse_published

__all__ = ["Cleaned", "clean_text"]

_TERMINAL = re.compile(r"""[.!?\u2026]["'\u201d\u2019)\]]*$""")
_QUOTED = re.compile(r"""^["\u201c\u201e'\u2018](.+)["\u201d\u2019']$""")
_ELLIPSIS_END = re.compile(r"(\.\.\.|\u2026)\s*$")
MAX_TITLE = 200


@dataclass
class Cleaned:
    text: str
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None
    truncated: bool = False
    boilerplate_removed: list[str] = field(default_factory=list)


def _title_like(line: str, next_line: str | None, wrapped: bool) -> bool:
    s = line.strip()
    if not s or len(s) > MAX_TITLE or next_line is None:
        return False
    if _QUOTED.match(s):
        return True
    if _TERMINAL.search(s):
        return False
    if not wrapped:
        return True
    # In hard-wrapped text most lines end mid-sentence; ask for more than that.
    words = s.split()
    caps = sum(1 for w in words if w[:1].isupper())
    return caps >= 0.6 * len(words) or s.isupper()


def _split_byline(m: re.Match[str]) -> tuple[str, str | None]:
    name = " ".join(m["name"].split())
    org = m["org"]
    if org:
        org = ORG_SUFFIX.sub("", " ".join(org.split())).strip() or None
    return name, org


def _header(lines: list[str], wrapped: bool, out: Cleaned) -> int:
    """Take title, dek, byline and date lines off the top; return the index of the body start."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    if not idx:
        return 0
    first = idx[0]
    nxt = lines[idx[1]] if len(idx) > 1 else None
    # A byline or date line first (no title) is still header.
    if not (_title_like(lines[first], nxt, wrapped) or BYLINE.match(lines[first].strip())
            or POSTED.match(lines[first].strip())):
        return 0
    pos = first
    for k, i in enumerate(idx[:10]):
        s = lines[i].strip()
        if m := BYLINE.match(s):
            out.byline, org = _split_byline(m)
            out.outlet = out.outlet or org
        elif (m := POSTED.match(s)) and (d := parse_published(m["date"])):
            out.published = d
        elif k == 0 and _title_like(s, nxt, wrapped):
            q = _QUOTED.match(s)
            out.title = (q[1] if q else s).strip()
        elif LINE_ANY.match(s):
            out.boilerplate_removed.append(s)
        elif len(s) <= MAX_TITLE and not _TERMINAL.search(s) and not wrapped:
            out.boilerplate_removed.append(s)  # dek / kicker / secondary headline
        else:
            break
        pos = i + 1
    return pos


def clean_text(raw: str, *, parse_header: bool = True) -> Cleaned:
    """Clean one article's raw text. `parse_header` reads title/byline/date lines off the top
    (plain-text inputs); bodies that come with their own metadata skip it."""
    out = Cleaned(text="")
    text = layout.strip_controls(raw)
    lines = text.split("\n")
    lines, wire = layout.wire_line_ends(lines)
    if wire or any(rx.match(ln.strip()) for name, rx in WIRE_RULES[:2] for ln in lines[:12]):
        kept = []
        for ln in lines:
            s = ln.strip()
            if s and any(rx.match(s) for _, rx in WIRE_RULES):
                out.boilerplate_removed.append(s)
            else:
                kept.append(ln)
        lines = kept
    wrapped = wire or layout.is_hard_wrapped(lines)
    if parse_header:
        lines = lines[_header(lines, wrapped, out):]
    paras = layout.join_wrapped(lines, force=wire) if wrapped else [ln.rstrip() for ln in lines]

    kept_paras: list[str] = []
    # A "Read more" marker means the text was cut only where nothing follows it; in mid-text it
    # is a link to another story. Bracketed "[Continue reading...]" markers always mean a cut.
    last_cut = -1
    for p in paras:
        s = p.strip()
        if not s:
            kept_paras.append("")
            continue
        off = max(0, len(s) - TAIL)
        tail = s[off:].lower()
        m = TRUNCATION_MARKERS.search(s, off) if any(h in tail for h in TRUNCATION_HINTS) else None
        if m:
            out.boilerplate_removed.append(m.group().strip())
            if m.start() > 0 or m.group().lstrip().startswith(("[", "(")):
                out.truncated = True
            cut = s[: m.start()].strip()
            last_cut = len(kept_paras) + (1 if cut else 0)  # where paragraphs after the marker start
            if not cut:
                continue
            p = s = cut
        if LINE_ANY.match(s):
            out.boilerplate_removed.append(s)
            continue
        for _, rx, hint in INLINE_RULES:
            m = rx.search(p, max(0, len(p) - TAIL)) if hint in p[-TAIL:].lower() else None
            if m:
                out.boilerplate_removed.append(m.group().strip())
                p = p[: m.start()] + p[m.end():]
        kept_paras.append(p.rstrip())
    if last_cut >= 0 and not any(x.strip() for x in kept_paras[last_cut:]):
        out.truncated = True

    body = "\n".join(kept_paras)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    if body and _ELLIPSIS_END.search(body.rsplit("\n", 1)[-1]):
        out.truncated = True
    out.text = body
    return out
