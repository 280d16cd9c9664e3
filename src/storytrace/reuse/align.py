"""Passage alignment between two articles: seed-and-extend on hashed word n-grams, then chaining
across small edits (local alignment), every passage with character spans in both texts.

Seeds are shared word 5-grams (hashes). Seeds on one diagonal that touch form exact runs; runs are
picked greedily longest-first so every word is used once on each side (repeated text does not
double count), then chained in order when the gaps between them are small on both sides (an
inserted adjective, a changed number, a re-punctuated quote). A passage's similarity is the share
of its words that are matched verbatim.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storytrace.reuse.shingle import SHINGLE, gram_hashes, token_spans, word_hashes

MAX_GAP = 12            # words skipped on either side inside one passage
MAX_SKEW = 8            # |gap_a - gap_b| allowed when chaining (insertions/deletions)
MAX_SEED_REPEAT = 4     # a 5-gram repeated more often than this in a text is furniture, not a seed
MIN_PASSAGE_WORDS = 6   # matched words for a passage to be reported

# Function words: not evidence that two sentences say the same thing.
_STOP = frozenset("""a an the and or but if of to in on at by for with from as into about than then that this these
those it its it's is are was were be been being has have had do does did will would can could may might must shall
should not no nor so such there their they them he she his her him we our us you your i me my who whom whose which
what when where why how all any both each few more most other some own same too very just also over after before
under again further once said says say told according while during since until up down out off only""".split())


@dataclass
class Tokenized:
    """An article's word hashes, 5-gram hashes, character spans and content-word flags.

    Word strings are not kept (memory: a large batch holds thousands of these); reworded-sentence
    matching compares content-word hashes instead.
    """
    text: str
    wh: np.ndarray
    grams: np.ndarray
    spans: np.ndarray    # (n, 2)
    content: np.ndarray  # bool per word: not a stopword, and longer than 2 letters or a number
    _sentences: list | None = None  # (w0, w1, content-word hashes), computed on first use
    _ugrams: np.ndarray | None = None

    @classmethod
    def of(cls, text: str) -> "Tokenized":
        toks, spans = token_spans(text)
        wh = word_hashes(toks)
        content = np.fromiter((w not in _STOP and (len(w) > 2 or w.isdigit()) for w in toks),
                              dtype=bool, count=len(toks))
        return cls(text, wh, gram_hashes(wh, SHINGLE), spans, content)

    def ugrams(self) -> np.ndarray:
        """Sorted distinct 5-gram hashes (cached)."""
        if self._ugrams is None:
            g = np.sort(self.grams)
            self._ugrams = g[np.concatenate(([True], g[1:] != g[:-1]))] if len(g) > 1 else g
        return self._ugrams

    def sentences(self) -> list[tuple[int, int, frozenset[int]]]:
        if self._sentences is None:
            self._sentences = [(w0, w1, frozenset(self.wh[w0:w1][self.content[w0:w1]].tolist()))
                               for w0, w1 in sentence_units(self)]
        return self._sentences

    def __len__(self) -> int:
        return len(self.wh)

    def char_span(self, i0: int, i1: int) -> tuple[int, int]:
        """Character span of words [i0, i1)."""
        return int(self.spans[i0, 0]), int(self.spans[i1 - 1, 1])


@dataclass
class Passage:
    """Aligned words [a0, a1) of A with [b0, b1) of B; `matched` words verbatim on both sides."""
    a0: int
    a1: int
    b0: int
    b1: int
    matched: int
    similarity: float
    kind: str = "verbatim"   # or "paraphrase" (sentence-level, no verbatim run needed)
    a_matched: list[tuple[int, int]] = field(default_factory=list)  # exact runs in A word indexes
    b_matched: list[tuple[int, int]] = field(default_factory=list)


def _runs(a: Tokenized, b: Tokenized) -> list[tuple[int, int, int]]:
    """Maximal exact runs (i, j, length) in words, from shared 5-gram seeds."""
    ga, gb = a.grams, b.grams
    if len(ga) == 0 or len(gb) == 0:
        return []
    common = np.intersect1d(a.ugrams(), b.ugrams(), assume_unique=True)
    if len(common) == 0:
        return []
    ia = np.flatnonzero(np.isin(ga, common))
    ib = np.flatnonzero(np.isin(gb, common))
    pos_b: dict[int, list[int]] = {}
    for j in ib.tolist():
        pos_b.setdefault(int(gb[j]), []).append(j)
    count_a: dict[int, int] = {}
    for i in ia.tolist():
        h = int(ga[i])
        count_a[h] = count_a.get(h, 0) + 1
    seeds = []
    for i in ia.tolist():
        h = int(ga[i])
        js = pos_b[h]
        if len(js) > MAX_SEED_REPEAT or count_a[h] > MAX_SEED_REPEAT:
            continue
        for j in js:
            seeds.append((j - i, i, j))
    if not seeds:
        return []
    seeds.sort()
    runs = []
    d0, i0, j0 = seeds[0]
    last = i0
    for d, i, j in seeds[1:]:
        if d == d0 and i == last + 1:
            last = i
            continue
        runs.append((i0, j0, last - i0 + SHINGLE))
        d0, i0, j0, last = d, i, j, i
    runs.append((i0, j0, last - i0 + SHINGLE))
    return runs


def _select(runs: list[tuple[int, int, int]], na: int, nb: int) -> list[tuple[int, int, int]]:
    """Longest-first, each word used once per side; a run overlapping taken words is trimmed."""
    used_a = np.zeros(na, dtype=bool)
    used_b = np.zeros(nb, dtype=bool)
    out = []
    for i, j, n in sorted(runs, key=lambda r: -r[2]):
        fa = used_a[i:i + n]
        fb = used_b[j:j + n]
        free = ~(fa | fb)
        if free.all():
            out.append((i, j, n))
            used_a[i:i + n] = True
            used_b[j:j + n] = True
            continue
        # keep the longest free stretch of the run if it is still a seed's length
        best, cur, best_end = 0, 0, 0
        for k, f in enumerate(free.tolist()):
            cur = cur + 1 if f else 0
            if cur > best:
                best, best_end = cur, k + 1
        if best >= SHINGLE:
            s = best_end - best
            out.append((i + s, j + s, best))
            used_a[i + s:i + s + best] = True
            used_b[j + s:j + s + best] = True
    return sorted(out)


def align(a: Tokenized, b: Tokenized) -> list[Passage]:
    """Verbatim passages shared by A and B, in A's order."""
    runs = _select(_runs(a, b), len(a), len(b))
    passages: list[Passage] = []
    cur: Passage | None = None
    for i, j, n in runs:
        if cur is not None:
            ga, gb = i - cur.a1, j - cur.b1
            if 0 <= ga <= MAX_GAP and 0 <= gb <= MAX_GAP and abs(ga - gb) <= MAX_SKEW:
                cur.a1, cur.b1 = i + n, j + n
                cur.matched += n
                cur.a_matched.append((i, i + n))
                cur.b_matched.append((j, j + n))
                continue
            passages.append(cur)
        cur = Passage(i, i + n, j, j + n, n, 1.0, "verbatim", [(i, i + n)], [(j, j + n)])
    if cur is not None:
        passages.append(cur)
    out = []
    for p in passages:
        if p.matched < MIN_PASSAGE_WORDS:
            continue
        p.similarity = round(p.matched / max(p.a1 - p.a0, p.b1 - p.b0), 3)
        out.append(p)
    return out


# -- reworded sentences, lexical ---------------------------------------------------------------
# A cheap stand-in for sentence embeddings: two sentences that share most of their content words
# (numbers included) are likely one reworded into the other. Only sentences not already covered by
# a verbatim passage are compared, through an inverted index of content words (never all pairs).
MIN_SHARED_CONTENT = 5      # content words two reworded sentences share at least
MIN_DICE = 0.5              # Dice overlap of their content-word sets


def sentence_units(t: Tokenized) -> list[tuple[int, int]]:
    """Sentences as word-index ranges [w0, w1)."""
    from storytrace.text import sentence_spans

    starts = t.spans[:, 0] if len(t) else np.zeros(0, dtype=np.int64)
    out = []
    for s, e in sentence_spans(t.text):
        w0 = int(np.searchsorted(starts, s))
        w1 = int(np.searchsorted(starts, e))
        if w1 > w0:
            out.append((w0, w1))
    return out


def reworded(a: Tokenized, b: Tokenized, covered_a: np.ndarray, covered_b: np.ndarray) -> list[Passage]:
    """Sentence pairs that share most content words, outside verbatim passages, one match each."""
    ca = np.concatenate(([0], np.cumsum(covered_a)))
    cb = np.concatenate(([0], np.cumsum(covered_b)))
    sa = [x for x in a.sentences() if ca[x[1]] - ca[x[0]] < 0.5 * (x[1] - x[0])]
    sb = [x for x in b.sentences() if cb[x[1]] - cb[x[0]] < 0.5 * (x[1] - x[0])]
    inv: dict[str, list[int]] = {}
    for k, (_, _, c) in enumerate(sb):
        for w in c:
            inv.setdefault(w, []).append(k)
    scored = []
    for i, (_, _, ca) in enumerate(sa):
        if len(ca) < MIN_SHARED_CONTENT:
            continue
        hits: dict[int, int] = {}
        for w in ca:
            for k in inv.get(w, ()):
                hits[k] = hits.get(k, 0) + 1
        for k, n in hits.items():
            if n < MIN_SHARED_CONTENT:
                continue
            dice = 2 * n / (len(ca) + len(sb[k][2]))
            if dice >= MIN_DICE:
                scored.append((dice, i, k))
    used_a, used_b, out = set(), set(), []
    for dice, i, k in sorted(scored, reverse=True):
        if i in used_a or k in used_b:
            continue
        used_a.add(i)
        used_b.add(k)
        a0, a1, _ = sa[i]
        b0, b1, _ = sb[k]
        out.append(Passage(a0, a1, b0, b1, 0, round(dice, 3), "paraphrase"))
    return sorted(out, key=lambda p: p.a0)
