"""Direct quotes: find them with offsets, whatever quote marks the text uses.

News text mixes curly and straight double quotes, leaves quotes open, and runs one quote over
several paragraphs (each continuing paragraph reopens with a quote mark and only the last one
closes it); a quoted post or letter set line by line runs over paragraphs without reopening marks
until its closing curly mark. `find_quotes` pairs marks paragraph by paragraph under those
conventions and never fails: an unclosed quote ends at its paragraph's end and is flagged `closed=False`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPEN = "\u201c\u201e\u00ab"      # “ „ «
CLOSE = "\u201d\u00bb"           # ” »
STRAIGHT = '"'
ALL = OPEN + CLOSE + STRAIGHT
_ANY_QUOTE = re.compile("[" + re.escape(OPEN + CLOSE + STRAIGHT) + "]")
_MARKS = re.compile("[\n`'" + re.escape(ALL) + "]")
_NON_SPACE = re.compile(r"\S")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Quote:
    start: int          # offset of the opening mark
    end: int            # offset just past the closing mark (or paragraph end when unclosed)
    inner_start: int    # first quoted character
    inner_end: int      # just past the last quoted character
    closed: bool
    paragraphs: int     # 1, or more for a quote carried over paragraphs


def _is_opening_straight(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else " "
    prev = text[i - 1] if i > 0 else " "
    if nxt.isspace():
        return False
    return prev.isspace() or prev in "([{\u2014\u2013-/:" or i == 0


def find_quotes(text: str) -> list[Quote]:
    """All double-quoted stretches of `text`, in order, with carried-over paragraphs merged."""
    quotes: list[Quote] = []
    n = len(text)
    open_at: int | None = None
    paras = 1
    i = 0
    while i < n:
        # Jump to the next character that matters (a mark or a line break): most text is neither.
        m = _MARKS.search(text, i)
        if m is None:
            break
        i = m.start()
        c = text[i]
        if c == "\n":
            if open_at is not None:
                # Paragraph ends inside a quote: does the next paragraph reopen it?
                j = i
                while j < n and text[j].isspace():
                    j += 1
                if j < n and (text[j] in OPEN or (text[j] == STRAIGHT and _is_opening_straight(text, j))):
                    paras += 1
                    i = j + 1
                    continue
                if text[open_at] in OPEN and _closes_later(text, j):
                    # A curly quote whose lines are set as paragraphs (a post, a letter): the next
                    # quote mark within four paragraphs closes it.
                    paras += 1
                    i = j
                    continue
                end = i
                while end > open_at + 1 and text[end - 1].isspace():
                    end -= 1
                _push(quotes, text, open_at, end, False, paras)
                open_at, paras = None, 1
            i += 1
            continue
        if c == "`" and text.startswith("``", i):
            # TeX-style ``quote'' as in some wire feeds.
            if open_at is None:
                open_at = i + 1
            i += 2
            continue
        if c == "'" and text.startswith("''", i) and open_at is not None and text[open_at] == "`":
            _push(quotes, text, open_at, i + 1, True, paras)
            open_at, paras = None, 1
            i += 2
            continue
        if c in OPEN:
            if open_at is None:
                open_at = i
        elif c in CLOSE:
            if open_at is not None:
                _push(quotes, text, open_at, i + 1, True, paras)
                open_at, paras = None, 1
        elif c == STRAIGHT:
            if open_at is None:
                if _is_opening_straight(text, i):
                    open_at = i
            else:
                _push(quotes, text, open_at, i + 1, True, paras)
                open_at, paras = None, 1
        i += 1
    if open_at is not None:
        end = n
        while end > open_at + 1 and text[end - 1].isspace():
            end -= 1
        _push(quotes, text, open_at, end, False, paras)
    return quotes


def _closes_later(text: str, j: int) -> bool:
    """The first quote mark after j, within four paragraphs and 600 characters, is a closing curly mark."""
    m = _ANY_QUOTE.search(text, j, min(len(text), j + 600))
    return m is not None and m.group() in CLOSE and text.count("\n\n", j, m.start()) <= 3 and text.count("\n", j, m.start()) <= 7


def _push(quotes: list[Quote], text: str, start: int, end: int, closed: bool, paras: int) -> None:
    s = start + 1
    e = end - 1 if closed else end
    # Trim the punctuation the quote carries at its end (",", "." inside the marks stay quoted
    # words in news style, but leading/trailing spaces do not).
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e <= s:
        return
    quotes.append(Quote(start, end, s, e, closed, paras))


def mask_quotes(text: str, quotes: list[Quote]) -> str:
    """`text` with every quoted stretch replaced by same-length filler.

    Offsets stay valid, while verbs, names and sentence ends inside quotes no longer look like
    attribution cues, and a quote (even one spanning paragraphs) sits inside one sentence.
    """
    if all(a.inner_end <= b.inner_start for a, b in zip(quotes, quotes[1:])) and all(q.inner_end > q.inner_start for q in quotes):
        return _mask_ordered(text, quotes)
    chars = list(text)
    for q in quotes:
        # (whitespace -> " ", anything else -> "x": two regex passes per quote, not a Python loop per
        # character; `\s` / `\S` are exactly `isspace()` / `not isspace()` on str)
        chars[q.inner_start:q.inner_end] = _NON_SPACE.sub("x", _SPACE.sub(" ", text[q.inner_start:q.inner_end]))
        # Keep what sentence splitting needs: a capital first letter, the final punctuation.
        if text[q.inner_start].isupper():
            chars[q.inner_start] = "X"
        if text[q.inner_end - 1] in ".!?,;:":
            chars[q.inner_end - 1] = text[q.inner_end - 1]
    return "".join(chars)


def _mask_ordered(text: str, quotes: list[Quote]) -> str:
    """`mask_quotes` for quotes in order that do not overlap (what `find_quotes` gives): the text is
    copied in slices instead of character by character, with the same result."""
    parts = []
    cur = 0
    for q in quotes:
        s, e = q.inner_start, q.inner_end
        parts.append(text[cur:s])
        inner = _NON_SPACE.sub("x", _SPACE.sub(" ", text[s:e]))
        first = "X" if text[s].isupper() else inner[0]
        if e - s == 1:
            inner = text[s] if text[s] in ".!?,;:" else first
        else:
            inner = first + inner[1:-1] + (text[e - 1] if text[e - 1] in ".!?,;:" else inner[-1])
        parts.append(inner)
        cur = e
    parts.append(text[cur:])
    return "".join(parts)


def quote_text(text: str, q: Quote) -> str:
    """The quoted words, with carried-over paragraph breaks and their reopening marks folded."""
    raw = text[q.inner_start:q.inner_end]
    if q.paragraphs == 1:
        return raw
    out = []
    for part in raw.split("\n"):
        part = part.strip()
        if not part:
            continue
        if part[0] in OPEN + STRAIGHT:
            part = part[1:]
        out.append(part)
    return " ".join(out)
