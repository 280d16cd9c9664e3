"""Same-story pairs through shared rare terms: the candidates that word n-grams cannot give.

A rewrite can keep the story's names and terms (a defendant, a judge, a place, a drug) while
sharing almost no word 5-gram with its source, so the n-gram indexes never pair the two. Here
each article is a TF-IDF vector over its *rare* content words only, weighted by a fixed
background idf (the `wordfreq` table, as stories/features.py does; words more frequent than
`MAX_TERM_FREQ` name a topic, not one story, and are left out), and pairs whose cosine reaches
`TOPIC_COSINE` are same-story candidates. The derivation stage then asks them for less verbatim
evidence (a single passage, or one reworded sentence) than it asks an n-gram candidate, because
the rare terms already say that the two texts tell one story.

Why a background table and not the batch's document frequencies (sessions 1-2 used those): a
pair's cosine, and so whether it is a same-story pair and its evidence line, must depend on the
two texts only, or every added article would move every pair and no pair result could be kept
between runs (incremental analysis, bench/results/reuse.md). On the wire-to-newspaper corpus the
background weights at frequency <= 3e-4 and cosine >= 0.27 pair 98.8% of the newspaper texts
with a wire text of their story, with 69 wire-paper pairs across different cases (batch
statistics: 98.7% and 48), and the derivation edges score P 0.952 / R 0.899 (was 0.960 / 0.901).

Cost: one sparse matrix of the batch (numpy + scipy, C speed) and a chunked sparse product that
only touches articles sharing a rare term.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from storytrace.reuse.shingle import fast_tokens, fast_word_hashes
from storytrace.text import occurrences
from storytrace.text import word_frequencies as _freqs

MAX_TERM_FREQ = 3e-4   # background frequency (wordfreq, per word) above which a word is too common to name a story
_FLOOR = 10 ** -7.5    # frequency given to words the table does not know (names, rare terms)
TOPIC_COSINE = 0.27    # cosine of rare-term vectors for a same-story pair
MIN_TERMS = 3          # distinct rare terms an article needs to take part (a stub says nothing)
MAX_TERM_DF = 50       # proposing pairs: terms in more articles of the batch name a topic of the feed
MIN_SHARED_RARE = 3    # ... and a pair must share this many of the others (METER: same recall as 1)
_CHUNK = 2000          # rows per sparse product (bounds memory at large batches)
_PAIR_CHUNK = 20000    # proposed pairs per exact-cosine step

# Function words (bytes: fast_tokens yields bytes). Short words (< 3 letters) and numbers are
# dropped separately.
_STOP = frozenset(w.encode() for w in """the and for but not are was were been being has have had does did will would can
could may might must shall should its it's this that these those there their they them his her him she who whom whose which
what when where why how all any both each few more most other some own same too very just also over after before under again
further once said says say told according while during since until down out off only than then into about with from
you your our ours we yes one two three four five six seven eight nine ten first last new year years day days week time
mr mrs ms dr today yesterday""".split())


@dataclass(frozen=True)
class TopicPair:
    """Two batch positions i < j whose rare-term vectors have cosine `cosine`."""
    i: int
    j: int
    cosine: float


@dataclass
class TermStats:
    """Document frequency of each rare term hash of the batch (sorted), for evidence lines."""
    keys: np.ndarray
    df: np.ndarray
    n_docs: int

    def df_of(self, hashes: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, hashes)
        pos = np.minimum(pos, max(len(self.keys) - 1, 0))
        hit = (self.keys[pos] == hashes) if len(self.keys) else np.zeros(len(hashes), bool)
        return np.where(hit, self.df[pos] if len(self.keys) else 0, 0)


# Markers of page-furniture lines (the same family as evidence.furniture), found with str.find on
# the lower-cased text: a regex alternation over a long article costs milliseconds.
_FURNITURE_MARKS = ("all rights reserved", "copyright", "\u00a9", "http://", "https://", "www.", "sign up",
                    "subscribe", "newsletter", "click here", "read or share", "continue reading", "advertisement",
                    "not a robot", "email us", "most read", "terms of use", "privacy policy", "follow us")


def content_terms(text: str) -> tuple[list[bytes], np.ndarray]:
    """Content words of `text` (lower-cased bytes, no stopwords, no numbers, >= 3 letters) and
    their hashes (the same 64-bit word hashes as the candidate shingles). Lines of page furniture
    (copyright and newsletter lines, links) are left out: "rewritten or redistributed" is one
    site's footer, not a story's vocabulary."""
    text = text.lower()
    hits = occurrences(text, _FURNITURE_MARKS)
    if hits:
        parts, last = [], 0
        for h in hits:
            if h < last:
                continue
            s0 = text.rfind("\n", 0, h) + 1
            e0 = text.find("\n", h)
            e0 = len(text) if e0 < 0 else e0
            parts.append(text[last:s0])
            last = e0
        parts.append(text[last:])
        text = "".join(parts)
    toks = [t for t in fast_tokens(text) if len(t) > 2 and t not in _STOP and not t.isdigit()]
    return toks, fast_word_hashes(toks)


_weight_cache: dict[bytes, float] = {}


def term_weight(word: bytes) -> float:
    """Background idf of a content word, 0 for a word too common to name one story.

    A fixed table (wordfreq), not the batch's document frequency: a pair's same-story score then
    depends on its two texts only, so adding articles never moves an existing pair's cosine (the
    condition for reusing pair results between runs). Words the table does not know (names,
    rare terms) get the floor frequency: the highest weight."""
    w = _weight_cache.get(word)
    if w is None:
        f = _freqs().get(word.decode("utf-8", "replace"))
        w = 0.0 if (f is not None and f > MAX_TERM_FREQ) else -math.log(max(f or _FLOOR, _FLOOR))
        if len(_weight_cache) > 500_000:
            _weight_cache.clear()
        _weight_cache[word] = w
    return w


def article_terms(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(sorted rare-term hashes, l2-normalised weights) of one text: sublinear tf x background idf
    over its rare content words; empty when it has fewer than `MIN_TERMS` of them (a stub says
    nothing). A pure function of the text (cacheable per article)."""
    toks, h = content_terms(text or "")
    if len(h) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.float32)
    idf = np.fromiter((term_weight(t) for t in toks), dtype=np.float64, count=len(toks))
    keep = idf > 0
    if keep.sum() == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.float32)
    u, first, c = np.unique(h[keep], return_index=True, return_counts=True)
    if len(u) < MIN_TERMS:
        return np.zeros(0, np.uint64), np.zeros(0, np.float32)
    w = (1.0 + np.log(c)) * idf[keep][first]
    w = w / np.sqrt((w * w).sum())
    return u, w.astype(np.float32)


def term_matrix(texts: list[str] | None = None, *, terms: list[tuple[np.ndarray, np.ndarray]] | None = None):
    """(rows, TermStats): l2-normalised sublinear-tf x background-idf vectors over rare terms
    (scipy CSR), from the texts or from their `article_terms` (cached per article)."""
    from scipy import sparse

    if terms is None:
        terms = [article_terms(t) for t in (texts or [])]
    n = len(terms)
    hs = [h for h, _ in terms if len(h)]
    if not hs:
        return sparse.csr_matrix((n, 0), dtype=np.float32), TermStats(np.zeros(0, np.uint64), np.zeros(0, np.int64), n)
    h = np.concatenate(hs)
    w = np.concatenate([x for hh, x in terms if len(hh)]).astype(np.float32)
    rows = np.repeat(np.arange(n, dtype=np.int64), [len(hh) for hh, _ in terms])
    keys, inv, df = np.unique(h, return_inverse=True, return_counts=True)
    # Columns are the batch's terms, but a column's weight is fixed per article: the product of
    # two rows (their cosine) does not depend on the other rows.
    m = sparse.csr_matrix((w, (rows, inv)), shape=(n, len(keys)), dtype=np.float32)
    return m, TermStats(keys, df.astype(np.int64), n)


def topic_pairs(texts: list[str] | None = None, *, min_cosine: float = TOPIC_COSINE,
                terms: list[tuple[np.ndarray, np.ndarray]] | None = None) -> tuple[list[TopicPair], TermStats]:
    """Pairs of the batch (positions i < j, sorted) telling one story by their rare terms (from
    the texts, or from their precomputed `article_terms`).

    Two steps. Proposing: pairs that share at least `MIN_SHARED_RARE` terms found in at most
    `MAX_TERM_DF` articles of the batch (a sparse product: without this bound, a news feed's
    recurring names make the product of all background-rare terms nearly dense, O(n^2)).
    Deciding: the pair's cosine over all its background-rare terms, a function of the two texts
    only. Which pairs are proposed depends on the batch (like the n-gram candidates, recomputed
    every run); a proposed pair's cosine, and so its result, does not."""
    from scipy import sparse

    if terms is None:
        terms = [article_terms(t) for t in (texts or [])]
    m, stats = term_matrix(terms=terms)
    out: list[TopicPair] = []
    if m.shape[1] == 0 or m.shape[0] < 2:
        return out, stats
    block_cols = np.flatnonzero((stats.df >= 2) & (stats.df <= MAX_TERM_DF))
    b = m[:, block_cols]
    b = sparse.csr_matrix((np.ones(b.nnz, np.float32), b.indices, b.indptr), shape=b.shape)
    bt = b.T.tocsr()
    m64 = m.astype(np.float64)
    for s in range(0, m.shape[0], _CHUNK):
        block = (b[s:s + _CHUNK] @ bt).tocoo()
        i = block.row.astype(np.int64) + s
        j = block.col.astype(np.int64)
        sel = (j > i) & (block.data >= MIN_SHARED_RARE)
        i, j = i[sel], j[sel]
        del block
        for k in range(0, len(i), _PAIR_CHUNK):
            ii, jj = i[k:k + _PAIR_CHUNK], j[k:k + _PAIR_CHUNK]
            # the exact cosine, summed in float64 over the pair's common terms in hash order
            cos = np.asarray(m64[ii].multiply(m64[jj]).sum(axis=1)).ravel()
            keep = cos >= min_cosine
            out.extend(TopicPair(int(a), int(c), round(float(x), 3)) for a, c, x in zip(ii[keep], jj[keep], cos[keep]))
    out.sort(key=lambda p: (p.i, p.j))
    return out, stats


def shared_rare_terms(text_a: str, text_b: str, stats: TermStats | None = None, k: int = 5) -> list[str]:
    """The rarest terms the two texts share (for the evidence line), rarest first by the
    background table (ties by word), so the line depends on the two texts only. `stats` is
    accepted for callers of the batch-statistics version and not read."""
    ta, ha = content_terms(text_a)
    tb, hb = content_terms(text_b)
    common = set(ha.tolist()) & set(hb.tolist())
    if not common:
        return []
    word = {int(x): w for w, x in zip(ta, ha.tolist()) if int(x) in common}
    ranked = sorted((w for w in word.values() if term_weight(w) > 0), key=lambda w: (-term_weight(w), w))
    return [w.decode("utf-8", "replace") for w in ranked[:k]]

