"""Layout repair: control characters, wire line endings, hard-wrapped lines -> paragraphs."""
from __future__ import annotations

import re
import statistics

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SENT_END = re.compile(r"""[.!?:\u2026]["'\u201d\u2019)\]]*$""")


def strip_controls(text: str) -> str:
    """Drop control characters (wire feeds mark paragraphs with them) and normalise newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def wire_line_ends(lines: list[str]) -> tuple[list[str], bool]:
    """Agency copy ends each paragraph with '<'. Returns lines with the marker turned into a
    paragraph break, and whether the convention was seen (then other line ends are wraps)."""
    marked = sum(1 for ln in lines if ln.rstrip().endswith("<"))
    if marked < 2 or marked < 0.2 * sum(1 for ln in lines if ln.strip()):
        return lines, False
    out: list[str] = []
    for ln in lines:
        s = ln.rstrip()
        if s.endswith("<"):
            out.append(s[:-1].rstrip())
            out.append("")
        else:
            out.append(s)
    return out, True


def is_hard_wrapped(lines: list[str]) -> bool:
    """A text is hard-wrapped when most non-empty lines are of similar, bounded length and many
    end mid-sentence (a paragraph per line is not)."""
    body = [ln.rstrip() for ln in lines if ln.strip()]
    if len(body) < 4:
        return False
    lengths = [len(ln) for ln in body]
    width = max(lengths)
    if width > 120:
        return False
    mid = sum(1 for ln in body if not _SENT_END.search(ln))
    return mid >= 0.4 * len(body)


def join_wrapped(lines: list[str], *, force: bool = False) -> list[str]:
    """Join hard-wrapped lines into paragraphs. A line ends a paragraph when it is followed by a
    blank line, or ends a sentence while clearly shorter than the wrap width."""
    if not force and not is_hard_wrapped(lines):
        return [ln.strip() for ln in lines]
    body = [len(ln.rstrip()) for ln in lines if ln.strip()]
    width = statistics.quantiles(body, n=10)[-1] if len(body) >= 10 else max(body, default=0)
    paras: list[str] = []
    cur: list[str] = []
    for ln in lines:
        s = ln.strip()
        if not s:
            if cur:
                paras.append(" ".join(cur))
                cur = []
            paras.append("")
            continue
        cur.append(s)
        if _SENT_END.search(s) and len(ln.rstrip()) < 0.8 * width:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return paras
