"""Line-level clean-up of text extracted from a news page.

Extractors keep some page furniture that sits inside the article container: the headline repeated
as the first line, share/follow lines, newsletter and app promos, "Read more"/"See also" teasers,
photo captions and credits, tag lists, comment counters, WordPress shortcodes. Each rule is
generic (no outlet names) and only fires on short lines, so a real paragraph that happens to
mention a newsletter stays. What is dropped is returned so the caller can list it in
`boilerplate_removed`. The rules themselves live with every other line pattern in
`storytrace.clean.patterns` (PAGE_LINE_RULES).
"""
from __future__ import annotations

import re

from storytrace.clean.patterns import PAGE_LINE_RULES as LINE_RULES
from storytrace.clean.patterns import PAGE_READ_MORE_TAIL as _READ_MORE_TAIL
from storytrace.clean.patterns import PAGE_TRUNCATION as TRUNCATION

_I = re.IGNORECASE
_WORD = re.compile(r"\w+")

# Switch for the benches' ablations. (Cutting a trailing run of short non-sentence lines, the
# related-headline block, was tried and dropped: articles that end in lists lost more recall.)
DATELINES = True
_SENT_END = re.compile(r"[.!?:;\u2026\"\u201d\u2019')\]\u3002\uff01\uff1f]\s*$")
_DATE_BITS = re.compile(r"\b(19|20)\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_TIME = re.compile(r"\b\d{1,2}[:h]\d{2}\b|\b(am|pm|a\.m\.|p\.m\.)\b", _I)


def _is_dateline(line: str, nw: int) -> bool:
    """A short line that is a publication date/time stamp, possibly with a byline or category."""
    return nw <= 14 and not line.rstrip().endswith(".") and bool(_DATE_BITS.search(line)) and \
        (bool(_TIME.search(line)) or nw <= 6 or bool(re.search(r"\b(published|posted|updated|publicado|publié|"
                                                                 r"veröffentlicht|pubblicato)\b", line, _I)))


def norm_words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def clean_lines(lines: list[str], *, title: str | None = None) -> tuple[list[str], list[str], bool]:
    """Drop furniture lines; returns (kept lines, removed lines, truncated?).

    The headline is dropped only as one of the first lines (it is metadata, kept in `title`).
    """
    kept: list[str] = []
    removed: list[str] = []
    truncated = False
    t = norm_words(title) if title else ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        nw = len(_WORD.findall(line[:2000]))  # every rule below fires only under 80 words
        if t and len(kept) < 2 and len(line) < 2000 and norm_words(line) == t:
            removed.append(line)
            continue
        if nw <= 40 and TRUNCATION.search(line):
            truncated = truncated or i >= len(lines) - 3 or bool(kept)
            removed.append(line)
            continue
        label = next((lab for lab, rx, maxw in LINE_RULES if nw <= maxw and rx.search(line)), None)
        if label is None and DATELINES and (len(kept) < 3 or i >= len(lines) - 3) and _is_dateline(line, nw):
            label = "dateline"
        if label:
            removed.append(line)
            continue
        off = max(len(line) - 200, 0)
        m = _READ_MORE_TAIL.search(line, off)
        if m and nw > 3:
            removed.append(line[m.start():].strip())
            line = line[:m.start()].rstrip()
            if i >= len(lines) - 2:
                truncated = True
        kept.append(line)
    return kept, removed, truncated
