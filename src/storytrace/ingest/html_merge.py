"""Choose between two independent main-text candidates of one page.

`main` comes from trafilatura in precision mode: few false paragraphs, but now and then it keeps
only one block of an article split by embeds, or returns a stub. `alt` comes from Readability,
which scores whole containers: it rarely loses article paragraphs but keeps more furniture.
Measured on real pages, putting single `alt` paragraphs back into `main` costs more precision than
it gains recall, so `alt` is used only in two clear cases:
- it contains nearly all of `main` and is far longer (trafilatura took one part of the article);
- `main` is a stub (a few dozen words) and `alt` is several times longer prose.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\u2026\"\u201d\u2019')\]\u3002\uff01\uff1f\u300d]\s*$")
# Scripts written without spaces (CJK, Thai): count characters, not \w+ runs.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

# alt replaces main when this share of main's 4-grams is in alt and alt has this many times as many.
SUPERSET_COVER, SUPERSET_RATIO = 0.95, 2.0
# main is a stub below this many words; alt then replaces it if it is STUB_RATIO times longer prose.
STUB_WORDS, STUB_RATIO = 60, 3.0


def word_count(lines: list[str]) -> int:
    n = 0
    for ln in lines:
        k = len(_TOKEN.findall(ln))
        if _UNSPACED.search(ln):
            k = max(k, len(_UNSPACED.findall(ln)) // 2)
        n += k
    return n


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = _TOKEN.findall(text.lower())
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def prose_like(lines: list[str]) -> bool:
    """True when the lines hold a sentence-like paragraph or enough words (not only links/labels)."""
    total = 0
    for ln in lines:
        n = word_count([ln[:2000]])   # thresholds are small: a capped count decides them
        if n >= 12 and _SENTENCE_END.search(ln):
            return True
        if n >= 5:
            total += n
            if total >= 60:
                return True
    return False


def needs_second_opinion(main: list[str], page_paragraph_words: int) -> bool:
    """Cheap test whether `alt` could change the choice: main is a stub, or the page's <p> text
    is more than twice what main kept (a long article main may have cut)."""
    n = word_count(main)
    return n < STUB_WORDS or not prose_like(main) or page_paragraph_words > SUPERSET_RATIO * n


def choose(main: list[str], alt: list[str]) -> tuple[list[str], str]:
    """The lines to keep and a label naming where they came from."""
    n_main, n_alt = word_count(main), word_count(alt)
    if not alt or not prose_like(alt):
        return main, "trafilatura"
    if not main or (n_main < STUB_WORDS and n_alt >= STUB_RATIO * max(n_main, 1)) or not prose_like(main):
        return alt, "readability (trafilatura found a stub)"
    g_main = set().union(*(_grams(ln) for ln in main))
    g_alt = set().union(*(_grams(ln) for ln in alt))
    cover = len(g_main & g_alt) / max(len(g_main), 1)
    if cover >= SUPERSET_COVER and len(g_alt) >= SUPERSET_RATIO * len(g_main):
        return alt, "readability (holds trafilatura's text and more)"
    return main, "trafilatura"
