"""Paraphrase (rewrite) stage: which sentences of article B restate sentences of article A.

A sentence pair is scored by a small logistic model over three features, so the score reads as
"probability that B restates A" and one threshold serves both modes:

- `lexical_similarity`: Dice overlap of stemmed words, all and content words only (what a
  rewrite keeps: names, nouns, verbs), which works without any model;
- the cosine of all-MiniLM-L6-v2 sentence embeddings (`embed.py`), when the optional model is
  installed: it sees synonyms and reordering that word overlap misses;
- `numbers_conflict`: both sentences carry numbers and each has one the other lacks ("sold in
  1998 for $2.5 billion" vs "bought in 1995 for $693 million"). Such pairs talk about the same
  thing but are not the same statement, so a conflict pushes the score below the threshold.

The weights and `PARAPHRASE_THRESHOLD` were fitted/chosen on the training pairs of a public paraphrase corpus (news
sentences from different outlets about one story), never on the sample articles; see
the paraphrase benchmark (bench/results/paraphrase.md), which refits them and reports cross-validated accuracy.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from storytrace.text import WORD, sentence_spans

Span = tuple[int, int]

# Logistic weights (intercept, lexical[, cosine]) fitted on the paraphrase corpus' training
# pairs by the paraphrase benchmark's `--fit`. The lexical-only model has its own weights so that both
# modes output a comparable probability and share one threshold.
W_COMBINED = (-5.5, 4.8, 4.0)
W_LEXICAL = (-3.9, 7.1)
# A number conflict multiplies the score by this: even a word-for-word match with a changed
# number ends below the threshold. (That corpus' annotators accepted some changed figures, so this
# costs about one point of its accuracy; see bench/results/paraphrase.md.)
CONFLICT_FACTOR = 0.4
# Score at or above which a pair counts as a paraphrase (chosen on the paraphrase training pairs for best accuracy).
PARAPHRASE_THRESHOLD = 0.45

# Sentences shorter than this (in words) are headlines, credits or furniture, not statements.
MIN_SENTENCE_WORDS = 5

_STOP = frozenset("""a an the of to in on at for by with from and or but nor is are was were be been being am has have
had having it its it's this that these those as he she they we i you me my his her hers their theirs our ours them him
us which who whom whose what when where why how said says say saying told tells tell will would could should may might
can shall must do does did doing done not no than then there here also into onto over about after before up down out
so if while just only very more most much many some any all each both such own other same too s t now new one per via
upon against between through during under again further once off""".split())

_SUFFIXES = ("ing", "edly", "ed", "ies", "es", "s", "ly")


def _stem(w: str) -> str:
    """A light suffix stripper: enough to match 'drones'/'drone', 'deployed'/'deploying'."""
    if w.endswith(("'s", "\u2019s")):
        w = w[:-2]
    for suf in _SUFFIXES:
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)] + ("y" if suf == "ies" else "")
    return w


Bag = tuple[frozenset[str], frozenset[str]]  # (all stemmed words, content words only)


def _bag(text: str) -> Bag:
    """Stemmed word set of `text` and its content-word subset (stop words dropped, numbers kept)."""
    allw = frozenset(_stem(m.group().lower()) for m in WORD.finditer(text))
    return allw, frozenset(w for w in allw if w not in _STOP)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


def _lex(x: Bag, y: Bag) -> float:
    return 0.5 * (_dice(x[0], y[0]) + _dice(x[1], y[1]))


def lexical_similarity(a: str, b: str) -> float:
    """Word-overlap similarity in [0, 1]: mean of two Dice coefficients of stemmed word sets,
    over all words and over content words only.

    1.0 for the same words in any order. All words track how much of the sentence's wording is
    kept (0.729 paraphrase accuracy alone, the best single lexical measure tried); content words
    make sure the overlap is names and nouns, not "the ... of ... said" (0.716 alone), so two
    unrelated sentences of one article do not score high on function words.
    """
    return _lex(_bag(a), _bag(b))


# --- numbers -------------------------------------------------------------------------------

_NUM_WORDS = {w: i for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}
_NUM_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                   "ninety": 90, "dozen": 12})
_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"(?<![\d.,])(?<![a-z])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"  # 1,540 | 135.26 | US$13.15
    r"(?:\s*(?i:(thousand|million|billion|trillion|mn|bn))\b)?"  # scale word
    r"|\b(?i:(" + "|".join(_NUM_WORDS) + r"))\b")


def _numbers(text: str) -> list[tuple[float, float]]:
    """(value, precision) of each number in `text`; precision = half its last shown digit.

    "$7 million" is (7e6, 5e5): it is compatible with "7.1 million". Time stamps and names with
    digits are read as numbers too, which is fine for a yes/no conflict between two sentences.
    """
    out = []
    for m in _NUMBER.finditer(text):
        if m.group(4):
            out.append((float(_NUM_WORDS[m.group(4).lower()]), 0.5))
            continue
        whole, frac, scale = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
        mult = _SCALES[scale.lower()] if scale else 1.0
        value = float(whole + ("." + frac if frac else "")) * mult
        out.append((value, 0.5 * mult * 10.0 ** -len(frac)))
    return out


def _compatible(x: tuple[float, float], y: tuple[float, float]) -> bool:
    return abs(x[0] - y[0]) <= max(x[1], y[1]) + 1e-9


def numbers_conflict(a: str, b: str) -> bool:
    """True when both sentences state numbers and each has one the other does not.

    A number only one side mentions is an omission, not a conflict; a rounded number is
    compatible with the precise one ("more than $7 million" / "$7.1 million"). "400 drones since
    August" vs "450 drones since August", or "in 1998 for $2.5 billion" vs "in 1995 for $693
    million", conflict: they are different statements however similar the wording.
    """
    return _conflict(_numbers(a), _numbers(b))


def _conflict(na: Sequence[tuple[float, float]], nb: Sequence[tuple[float, float]]) -> bool:
    """Pair off compatible numbers (each used once, so "100 ... 100" vs "307 ... 100" leaves one
    on each side); a conflict is an unpaired number left on both sides."""
    if not na or not nb:
        return False
    left = list(nb)
    unpaired_a = 0
    for x in na:
        k = next((i for i, y in enumerate(left) if _compatible(x, y)), None)
        if k is None:
            unpaired_a += 1
        else:
            left.pop(k)
    return unpaired_a > 0 and len(left) > 0


# --- scoring -------------------------------------------------------------------------------

def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def _score(lex: float, cosine: float | None, conflict: bool) -> float:
    if cosine is None:
        w0, wl = W_LEXICAL
        p = _sigmoid(w0 + wl * lex)
    else:
        w0, wl, wcos = W_COMBINED
        p = _sigmoid(w0 + wl * lex + wcos * cosine)
    return p * CONFLICT_FACTOR if conflict else p


def paraphrase_score(a: str, b: str, *, cosine: float | None = None) -> float:
    """Probability-like score in [0, 1] that `b` restates `a` (compare with PARAPHRASE_THRESHOLD).

    Pass `cosine` (of the two sentences' embeddings) to use the embedding model's view; without
    it the score is lexical only.
    """
    return _score(lexical_similarity(a, b), cosine, numbers_conflict(a, b))


# --- sentence alignment --------------------------------------------------------------------

@dataclass(frozen=True)
class SentencePair:
    """A sentence (or two merged sentences) of A and of B that say the same thing."""
    a_span: Span
    b_span: Span
    similarity: float
    method: Literal["lexical", "embedding"]

    def to_dict(self) -> dict:
        return {"a_span": list(self.a_span), "b_span": list(self.b_span),
                "similarity": round(self.similarity, 4), "method": self.method}


_END = re.compile(r"""[.!?\u2026:;]["'\u201d\u2019)\]]*$""")


def statement_spans(text: str) -> list[Span]:
    """Sentence spans joined across hard line wraps, without headline-sized fragments.

    `sentence_spans` breaks at every line break; text wrapped at a fixed width would leave
    half-sentences. A piece that does not end in sentence punctuation and is followed by one
    starting in lower case is the same sentence, so they are joined.
    """
    merged: list[list[int]] = []
    for s, e in sentence_spans(text):
        if merged:
            ps, pe = merged[-1]
            gap = text[pe:s]
            if "\n" in gap and not _END.search(text[ps:pe]) and text[s:e][:1].islower():
                merged[-1][1] = e
                continue
        merged.append([s, e])
    return [(s, e) for s, e in merged if len(WORD.findall(text[s:e])) >= MIN_SENTENCE_WORDS]


# A join of two adjacent sentences replaces a one-to-one match only when it scores this much more.
MERGE_GAIN = 0.05


@dataclass
class _Side:
    """One text's statements: spans, flattened text, word bags, numbers."""
    text: str
    spans: list[Span]
    flat: list[str]
    bags: list[Bag]
    nums: list[list[tuple[float, float]]]

    @classmethod
    def of(cls, text: str) -> "_Side":
        spans = statement_spans(text)
        flat = [" ".join(text[s:e].split()) for s, e in spans]
        return cls(text, spans, flat, [_bag(t) for t in flat], [_numbers(t) for t in flat])


@lru_cache(maxsize=512)
def _side(text: str) -> _Side:
    """`_Side.of`, cached: the derivation stage aligns one article with many others."""
    return _Side.of(text)


@dataclass
class _Match:
    a: tuple[int, int]  # first and last statement index in A
    b: tuple[int, int]
    score: float


def align_sentences(text_a: str, text_b: str, *, embedder=None,
                    threshold: float | None = None, merge: bool = True) -> list[SentencePair]:
    """Sentences of `text_b` that paraphrase sentences of `text_a`.

    Best-first one-to-one matching of statements (sentences of at least MIN_SENTENCE_WORDS words)
    whose `paraphrase_score` reaches the threshold; then a sentence that restates two adjacent
    sentences of the other text joined (a rewrite that merges or splits sentences) is matched to
    the pair when that scores higher. Spans are [start, end) character offsets into `text_a` /
    `text_b` (a merged pair's span covers both sentences). With `embedder` (see
    `embed.load_embedder`) the score includes embedding cosine (method "embedding"), without it
    the score is lexical only. Verbatim copies score near 1 and are included. Pairs come in
    order of their position in `text_b`.
    """
    thr = PARAPHRASE_THRESHOLD if threshold is None else threshold
    A, B = _side(text_a), _side(text_b)
    if not A.spans or not B.spans:
        return []
    method: Literal["lexical", "embedding"] = "embedding" if embedder is not None else "lexical"
    cos = embedder.encode(A.flat) @ embedder.encode(B.flat).T if embedder is not None else None

    scores = np.zeros((len(A.spans), len(B.spans)))
    if cos is None:
        # Lexical mode: only pairs met through an inverted index of content words are scored (not
        # all n x m), and they must share two content words (one when a sentence has only one):
        # one shared name alone cannot lift the word overlap to the threshold in practice.
        inv: dict[str, list[int]] = {}
        for j, bag_b in enumerate(B.bags):
            for w in bag_b[1]:
                inv.setdefault(w, []).append(j)
        for i, (bag_a, num_a) in enumerate(zip(A.bags, A.nums)):
            hits: dict[int, int] = {}
            for w in bag_a[1]:
                for j in inv.get(w, ()):
                    hits[j] = hits.get(j, 0) + 1
            for j, h in hits.items():
                if h >= 2 or h >= min(len(bag_a[1]), len(B.bags[j][1])):
                    scores[i, j] = _score(_lex(bag_a, B.bags[j]), None, _conflict(num_a, B.nums[j]))
    else:
        for i, (bag_a, num_a) in enumerate(zip(A.bags, A.nums)):
            for j, (bag_b, num_b) in enumerate(zip(B.bags, B.nums)):
                scores[i, j] = _score(_lex(bag_a, bag_b), float(cos[i, j]), _conflict(num_a, num_b))

    matches: list[_Match] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for flat_idx in np.argsort(-scores, axis=None, kind="stable"):
        i, j = (int(v) for v in np.unravel_index(flat_idx, scores.shape))
        if scores[i, j] < thr:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matches.append(_Match((i, i), (j, j), float(scores[i, j])))

    if merge:   # off: one-to-one matches only (about half the cost on long texts)
        _merge_adjacent(A, B, matches, embedder, thr, x_is_a=True)
        _merge_adjacent(B, A, matches, embedder, thr, x_is_a=False)

    out = [SentencePair((A.spans[m.a[0]][0], A.spans[m.a[1]][1]), (B.spans[m.b[0]][0], B.spans[m.b[1]][1]),
                        m.score, method) for m in matches]
    out.sort(key=lambda p: (p.b_span, p.a_span))
    return out


def _merge_adjacent(X: _Side, Y: _Side, matches: list[_Match], embedder, thr: float, *, x_is_a: bool) -> None:
    """Match single sentences of Y to two adjacent sentences of X joined, in place.

    A join (i, i+1) of X is tried against a free sentence of Y when both are free, or against
    the Y sentence that i (or i+1) already matches one-to-one when the other is free; it is
    kept when it scores at least the threshold and MERGE_GAIN more than what it replaces.
    """
    xr = (lambda m: m.a) if x_is_a else (lambda m: m.b)
    yr = (lambda m: m.b) if x_is_a else (lambda m: m.a)
    by_x = {xr(m)[0]: m for m in matches if xr(m)[0] == xr(m)[1] and yr(m)[0] == yr(m)[1]}
    used_x = {k for m in matches for k in range(xr(m)[0], xr(m)[1] + 1)}
    used_y = {k for m in matches for k in range(yr(m)[0], yr(m)[1] + 1)}
    free_y = [j for j in range(len(Y.spans)) if j not in used_y]

    # Free-free joins meet free Y sentences through an inverted index of content words (not all
    # n x m); every candidate must share two content words (one when Y's sentence has one).
    inv: dict[str, list[int]] = {}
    for j in free_y:
        for w in Y.bags[j][1]:
            inv.setdefault(w, []).append(j)

    def shares(i: int, j: int, bag) -> bool:
        return len(bag & Y.bags[j][1]) >= min(2, len(Y.bags[j][1]))

    cands: list[tuple[int, int, _Match | None]] = []  # (i, j, match replaced)
    bags: dict[int, Bag] = {}
    for i in range(len(X.spans) - 1):
        fi, fn = i not in used_x, i + 1 not in used_x
        if not (fi or fn):
            continue
        bag = (X.bags[i][0] | X.bags[i + 1][0], X.bags[i][1] | X.bags[i + 1][1])
        if fi and fn:
            hits: dict[int, int] = {}
            for w in bag[1]:
                for j in inv.get(w, ()):
                    hits[j] = hits.get(j, 0) + 1
            new = [(i, j, None) for j, h in hits.items() if h >= min(2, len(Y.bags[j][1]))]
        elif fn and i in by_x:
            new = [(i, yr(by_x[i])[0], by_x[i])]
        elif fi and i + 1 in by_x:
            new = [(i, yr(by_x[i + 1])[0], by_x[i + 1])]
        else:
            new = []
        new = [c for c in new if shares(c[0], c[1], bag[1])]
        if new:
            bags[i] = bag
            cands += new
    if not cands:
        return
    # the bag and numbers of a join are those of its two sentences together (no re-tokenising)
    joins = {i: X.flat[i] + " " + X.flat[i + 1] for i in bags}
    nums = {i: X.nums[i] + X.nums[i + 1] for i in bags}
    cos: dict[tuple[int, int], float] = {}
    if embedder is not None:
        ii = sorted({i for i, _, _ in cands})
        jj = sorted({j for _, j, _ in cands})
        vx = dict(zip(ii, embedder.encode([joins[i] for i in ii])))
        vy = dict(zip(jj, embedder.encode([Y.flat[j] for j in jj])))
        cos = {(i, j): float(vx[i] @ vy[j]) for i, j, _ in cands}
    scored = []
    for i, j, m in cands:
        s = _score(_lex(bags[i], Y.bags[j]), cos.get((i, j)), _conflict(nums[i], Y.nums[j]))
        if s >= thr and s >= (m.score if m else 0.0) + MERGE_GAIN:
            scored.append((s, i, j, m))
    scored.sort(key=lambda t: -t[0])
    for s, i, j, m in scored:
        if m is not None and m not in matches:
            continue
        if (i in used_x and not (m and xr(m)[0] == i)) or (i + 1 in used_x and not (m and xr(m)[0] == i + 1)):
            continue
        if j in used_y and m is None:
            continue
        if m is not None:
            matches.remove(m)
        used_x.update((i, i + 1))
        used_y.add(j)
        matches.append(_Match((i, i + 1), (j, j), s) if x_is_a else _Match((j, j), (i, i + 1), s))


# --- adapter for the derivation stage ------------------------------------------------------

def align_reworded(a, b, covered_a: np.ndarray, covered_b: np.ndarray, lexical: list | None = None,
                   *, embedder=None, use_model: bool = True) -> list:
    """`align_sentences` in the derivation stage's terms: word-index `Passage`s of kind "paraphrase".

    `a`, `b` are tokenised articles (`.text` and `.spans`, the (n, 2) character spans of their
    words); `covered_a/_b` mark words already inside verbatim passages, and sentences mostly
    covered are left to the verbatim aligner. `lexical` are passages found by a cheaper
    reworded-sentence pass: kept where they do not overlap a passage found here. The embedder is
    loaded on first use when not given (None when the optional model is absent: lexical scoring);
    `use_model=False` asks for lexical scoring without loading it. Without a model only
    one-to-one sentence matches are sought (no merged sentences: half the cost).
    """
    from storytrace.reuse.align import Passage  # the derivation stage's passage type
    from storytrace.reuse.embed import load_embedder

    emb = embedder if embedder is not None else (load_embedder() if use_model else None)
    starts_a = np.asarray(a.spans)[:, 0] if len(a.spans) else np.zeros(0, dtype=np.int64)
    starts_b = np.asarray(b.spans)[:, 0] if len(b.spans) else np.zeros(0, dtype=np.int64)

    def words(starts, span):
        return int(np.searchsorted(starts, span[0])), int(np.searchsorted(starts, span[1]))

    out = []
    # Lexical scoring here serves the derivation stage's same-story pairs (many, long texts):
    # one-to-one sentence matches are enough evidence there, merged sentences are left out.
    for p in align_sentences(a.text, b.text, embedder=emb, merge=emb is not None):
        a0, a1 = words(starts_a, p.a_span)
        b0, b1 = words(starts_b, p.b_span)
        if a1 <= a0 or b1 <= b0:
            continue
        if np.asarray(covered_a[a0:a1]).mean() >= 0.5 or np.asarray(covered_b[b0:b1]).mean() >= 0.5:
            continue
        out.append(Passage(a0, a1, b0, b1, 0, round(p.similarity, 3), "paraphrase"))
    for q in lexical or []:
        if not any(q.a0 < p.a1 and p.a0 < q.a1 or q.b0 < p.b1 and p.b0 < q.b1 for p in out):
            out.append(q)
    return sorted(out, key=lambda p: p.a0)
