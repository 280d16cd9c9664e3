"""Lexical text units with character offsets: words and sentences.

The one place for tokenising and sentence splitting on the fast (model-free) path, so every
stage agrees on units and every span indexes into `Article.text`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Callable, TypeVar

Span = tuple[int, int]
F = TypeVar("F", bound=Callable)

# Per-word memos (stems, terms, weights), registered by `word_cache` so the pipeline can empty
# them between stages (`clear_word_caches`).
_WORD_CACHES: list = []


def word_cache(maxsize: int) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)` for a pure function of one word or name, registered for
    `clear_word_caches`. Why: at 37k articles each stage's memos fill to their cap (about a million
    entries in all, ~300 MB with the memory pools they pin), and a memo that stays to the end of a
    run only serves the stage that filled it; emptied, it costs a recount on its next use."""
    def wrap(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _WORD_CACHES.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def clear_word_caches() -> None:
    """Empty every `word_cache` memo (results are unchanged: the functions are pure)."""
    for f in _WORD_CACHES:
        f.cache_clear()

WORD = re.compile(r"\w+(?:[''\u2019.\-]\w+)*", re.UNICODE)

# Titles written before a person's name ("Sen.", "Rep.", "Dr."), lower case without the period:
# part of how a name is written, not of who it is (sources read names; claims tell parties apart).
HONORIFICS = frozenset("mr mrs ms miss dr prof sen rep gov gen lt col sgt capt cmdr adm rev hon".split())

# Abbreviations after which a period does not end a sentence (titles, months, initials, etc.).
_ABBREV = frozenset("""mr mrs ms dr prof sen sens rep reps gov gen lt col sgt capt cmdr adm st jr sr vs etc inc corp co ltd
u.s u.k u.n e.g i.e no nos jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave blvd dept est approx fig al
pres rev hon gov't sen. rep.""".split())

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) then whitespace and
# an opening capital/quote/digit, or at a line break.
_BOUNDARY = re.compile(r"""([.!?\u2026]+["'\u201d\u2019)\]]*)(\s+)(?=["'\u201c\u2018(\[]?[A-Z0-9])|\n+""")


def word_spans(text: str) -> list[Span]:
    return [m.span() for m in WORD.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-cased word tokens (runs of word characters, inner apostrophes/periods/hyphens kept)."""
    return [m.group().lower() for m in WORD.finditer(text)]


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period ending at `end` belongs to an abbreviation or an initial."""
    i = end - 1
    while i >= 0 and text[i] == ".":
        i -= 1
    j = i
    while j >= 0 and (text[j].isalpha() or text[j] == "."):
        j -= 1
    token = text[j + 1: i + 1].lower()
    if not token:
        return False
    if token in _ABBREV or token.rstrip(".") in _ABBREV:
        return True
    # Single capital initial ("John F. Kennedy") or dotted acronym ("U.S.").
    return len(token) == 1 or ("." in token and all(len(p) <= 2 for p in token.split(".")))


# Every match of _BOUNDARY opens with one of these characters.
_BOUNDARY_FIRST = re.compile(r"[.!?\u2026\n]")


def finditer_from(rx: re.Pattern, first: re.Pattern, text: str) -> Iterator[re.Match]:
    """The matches of `rx.finditer(text)`, found faster when `rx` opens with something the regex
    engine cannot skip ahead on (an alternation of groups, a boundary, an optional group).

    `first` must match at every position where `rx` can match (what a match opens with): the engine
    skips to those positions and `rx` is tried only there. Matches are the same, in the same order
    (leftmost, not overlapping, the search going on from each match's end), for a pattern `rx` that
    never matches the empty string.
    """
    pos = 0
    search, match = first.search, rx.match
    while True:
        c = search(text, pos)
        if c is None:
            return
        p = c.start()
        m = match(text, p)
        if m is None:
            pos = p + 1
            continue
        yield m
        pos = m.end() if m.end() > p else p + 1


def occurrences(text: str, needles: Iterable[str]) -> list[int]:
    """Sorted start offsets of every occurrence of each of `needles` in `text` (overlaps kept):
    `str.find` in a loop, far cheaper than a regex when only the positions of a few fixed words
    are wanted."""
    out = []
    for w in needles:
        i = text.find(w)
        while i >= 0:
            out.append(i)
            i = text.find(w, i + 1)
    out.sort()
    return out


def trie_pattern(words: Iterable[str], *, word_start: bool = False) -> str:
    r"""A regex (no capturing group) matching exactly the given literal words, longest branch first,
    written as a tree of shared prefixes ("sa(?:id|ys|ying)").

    Python's `re` tries the branches of an alternation one by one at every position; many words
    that share beginnings scan several times faster as a prefix tree. Same matches.
    `word_start=True` puts `(?<!\w.)` after each first letter: the pattern then only starts at a
    word start (what a leading `\b` says), written where the engine skips straight to the first
    letters (~5x faster than `\b(...)` for the speech verbs run on every sentence)."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_node(tree, word_start) or "(?!)"


def _trie_node(node: dict, word_start: bool = False) -> str:
    end = "" in node
    branches = [re.escape(ch) + (r"(?<!\w.)" if word_start else "") + _trie_node(sub)
                for ch, sub in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        # Optional: the word may stop here. Greedy `?` tries the longer words first, like a
        # longest-first alternation.
        return ("(?:" + body + ")?") if len(branches) == 1 and len(body) > 1 else body + "?"
    return body


def sentence_spans(text: str) -> list[Span]:
    """Sentence spans of `text` (stripped of surrounding whitespace), in order."""
    spans: list[Span] = []
    start = 0
    for m in finditer_from(_BOUNDARY, _BOUNDARY_FIRST, text):
        if m.group().startswith("\n"):
            end = m.start()
        else:
            end = m.end(1)
            if text[m.start(1)] == "." and _is_abbreviation(text, m.start(1) + 1) and not m.group(1).endswith(('"', "\u201d")):
                continue
        _push(text, start, end, spans)
        start = m.end()
    _push(text, start, len(text), spans)
    return spans


def _push(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@lru_cache(maxsize=1)
def word_frequencies() -> dict[str, float]:
    """English word frequencies from wordfreq (a core dependency): fixed background weights, so a
    score built on them depends on the texts compared, never on what else the store holds."""
    try:
        import wordfreq
    except ImportError:  # pragma: no cover - wordfreq is a core dependency
        return {}
    return wordfreq.get_frequency_dict("en")
