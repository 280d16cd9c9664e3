"""Article -> sparse, L2-normalised term vector for event similarity (the fast, model-free path).

Why a fixed background IDF: the weight of a word must not depend on which other articles are in
the store, or adding one article would change every similarity and incremental placement could
never equal batch clustering. A general English word-frequency table (the `wordfreq` package, shipped
offline) stands in for document frequency: "said" weighs little, "drone" more, a name most.

Features:
- content words of title and text, sublinear tf x background idf; the title counts three times and the
  lead (first sentences) once more, because news puts the happening first;
- names: runs of two or more capitalised words ("Jane Doe", "Supreme Court of Appeal") as one
  feature, so look-alike events with other actors or places part;
- numbers ("6.1", "33", "2,000") as features, so two earthquakes of other magnitudes or tolls part.
"""
from __future__ import annotations

import heapq
import math
import re
from collections import Counter

from ..model import Article
from ..text import WORD, sentence_spans, word_cache
from ..text import word_frequencies as _freqs

# Floor for words the table does not know (names, rare words): about one in 10^7.5 words.
_FLOOR = 10 ** -7.5
# Words at least this frequent are function words: dropped.
_STOP_FREQ = 5e-4
TITLE_REPEAT = 3
LEAD_SENTENCES = 3
NAME_WEIGHT = 1.3
NUMBER_WEIGHT = 1.0
MAX_CHARS = 0  # 0: whole text
TOP_K = 100  # the strongest terms only: long texts and short ones then compare on a like footing

_NAME = re.compile(r"\b[A-Z][\w'\u2019\-]*[a-z][\w'\u2019\-]*(?:[ \t]+(?:(?:of|de|del|la|van|von|al|bin|the)[ \t]+)?[A-Z][\w'\u2019\-]*[a-z][\w'\u2019\-]*)+")
_NUM = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


def idf(word: str) -> float:
    f = _freqs().get(word)
    return -math.log(max(f, _FLOOR) if f else _FLOOR)


MAX_IDF = -math.log(_FLOOR)


def is_stop(word: str) -> bool:
    f = _freqs().get(word)
    return f is not None and f >= _STOP_FREQ


@word_cache(200_000)
def _keep(token: str) -> str | None:
    """The lower-cased content word of a token, or None for function words, digits, 1-letter."""
    w = token.lower()
    if w.endswith(("'s", "\u2019s")):  # possessive: "Iran's" is "iran"
        w = w[:-2]
    if len(w) < 2 or not w[0].isalpha() or is_stop(w):
        return None
    return w


def _content_words(text: str) -> list[str]:
    keep = _keep
    return [w for w in (keep(t) for t in WORD.findall(text)) if w is not None]


def _names(text: str) -> list[str]:
    return [" ".join(m.group().lower().split()) for m in _NAME.finditer(text)]


def _numbers(text: str) -> list[str]:
    out = []
    for m in _NUM.finditer(text):
        n = m.group().replace(",", "")
        # Single digits and round small numbers are everywhere ("two", "10 years"): skip.
        if len(n.replace(".", "")) < 2:
            continue
        out.append(n)
    return out


def lead(text: str, n: int = LEAD_SENTENCES) -> str:
    spans = sentence_spans(text[:3000])
    if not spans:
        return ""
    return text[spans[0][0]: spans[min(n, len(spans)) - 1][1]]


def article_terms(article: Article) -> Counter:
    """Raw weighted term counts (before idf) of an article."""
    title = article.title or ""
    text = article.text or ""
    if MAX_CHARS:
        text = text[:MAX_CHARS]
    weighted = [(title, TITLE_REPEAT), (lead(text), 1), (text, 1)]
    # Count raw tokens in C over every part, then map each distinct token once (most repeat).
    raw: Counter = Counter()
    extra: Counter = Counter()
    for part, rep in weighted:
        if not part or rep <= 0:
            continue
        toks = Counter(WORD.findall(part))
        if rep == 1:
            raw.update(toks)
        else:
            for tok, k in toks.items():
                raw[tok] += k * rep
        for nm in _names(part):
            extra["n:" + nm] += rep
        for num in _numbers(part):
            extra["#" + num] += rep
    c: Counter = Counter()
    keep = _keep
    for tok, k in raw.items():
        w = keep(tok)
        if w is not None:
            c[w] += k
    c.update(extra)
    return c


@word_cache(200_000)
def term_weight(term: str) -> float:
    if term.startswith("n:"):
        parts = term[2:].split()
        return NAME_WEIGHT * min(MAX_IDF, sum(idf(p) for p in parts) / len(parts) + 2.0)
    if term.startswith("#"):
        return NUMBER_WEIGHT * (MAX_IDF * 0.6)
    return idf(term)


def vectorize(article: Article, top_k: int | None = None) -> dict[str, float]:
    """Sparse L2-normalised vector: (1 + ln tf) x idf of the `top_k` strongest terms (0: all)."""
    return vectorize_many(article, (TOP_K if top_k is None else top_k,))[0]


_TF = [0.0] + [1.0 + math.log(n) for n in range(1, 256)]  # sublinear tf, precomputed


def vectorize_many(article: Article, sizes: tuple[int, ...]) -> list[dict[str, float]]:
    """One vector per size in `sizes` (its strongest terms; 0: all), from one pass over the text."""
    c = article_terms(article)
    weight = term_weight
    log = math.log
    tf = _TF
    # (-score, term): plain tuples order strongest first, ties by term, without a key function.
    scored = [(-(tf[n] if n < 256 else 1.0 + log(n)) * weight(t), t) for t, n in c.items()]
    if all(sizes) and len(scored) > max(sizes):
        # Only the strongest terms are kept: partial selection instead of a full sort.
        scored = heapq.nsmallest(max(sizes), scored)
    ranked = sorted(scored)
    out = []
    for k in sizes:
        v = ranked[:k] if k else ranked
        norm = math.sqrt(sum(x * x for x, _ in v))
        out.append({t: -x / norm for x, t in v} if norm else {})
    return out
