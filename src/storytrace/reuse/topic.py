"""Same-story pairs through shared rare terms: the candidates that word n-grams cannot give.

A rewrite can keep the story's names and terms (a defendant, a judge, a place, a drug) while
sharing almost no word 5-gram with its source, so the n-gram indexes never pair the two. Here
each article is a TF-IDF vector over its *rare* content words only (in at least 2 and at most
`MAX_TERM_DF` articles of the batch: terms in more articles name a topic, not one story), and
pairs whose cosine reaches `TOPIC_COSINE` are same-story candidates. The derivation stage then
asks them for less verbatim evidence (a single passage, or one reworded sentence) than it asks
an n-gram candidate, because the rare terms already say that the two texts tell one story.

Why these values (bench/results/reuse.md): with terms in <= 50 articles and cosine >= 0.2, 98.7%
of a wire-to-newspaper corpus's newspaper texts pair with a wire text of their own story, with 48
wire-paper pairs across different court cases (of 507k wire x paper pairs).

Cost: one sparse matrix of the batch (numpy + scipy, C speed) and a chunked sparse product that
only touches articles sharing a rare term; the pairs it keeps are bounded by `MAX_TERM_DF`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storytrace.reuse.shingle import fast_tokens, fast_word_hashes

MIN_TERM_DF = 2        # a term in one article pairs nothing
MAX_TERM_DF = 50       # a term in more articles is a topic word, not a story's name
TOPIC_COSINE = 0.2     # cosine of rare-term TF-IDF vectors for a same-story pair
MIN_TERMS = 3          # distinct rare terms an article needs to take part (a stub says nothing)
_CHUNK = 2000          # rows per sparse product (bounds memory at large batches)

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


def _furniture_positions(low: str) -> list[int]:
    out = []
    for mark in _FURNITURE_MARKS:
        k = low.find(mark)
        while k >= 0:
            out.append(k)
            k = low.find(mark, k + 1)
    return sorted(out)


def content_terms(text: str) -> tuple[list[bytes], np.ndarray]:
    """Content words of `text` (lower-cased bytes, no stopwords, no numbers, >= 3 letters) and
    their hashes (the same 64-bit word hashes as the candidate shingles). Lines of page furniture
    (copyright and newsletter lines, links) are left out: "rewritten or redistributed" is one
    site's footer, not a story's vocabulary."""
    text = text.lower()
    hits = _furniture_positions(text)
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


def term_matrix(texts: list[str]):
    """(rows, TermStats): l2-normalised sublinear-tf x idf vectors over rare terms (scipy CSR)."""
    from scipy import sparse

    n = len(texts)
    hs, cs, ds = [], [], []
    for k, t in enumerate(texts):
        _, h = content_terms(t or "")
        if len(h) == 0:
            continue
        u, c = np.unique(h, return_counts=True)
        hs.append(u)
        cs.append(c)
        ds.append(np.full(len(u), k, dtype=np.int32))
    if not hs:
        return sparse.csr_matrix((n, 0), dtype=np.float32), TermStats(np.zeros(0, np.uint64), np.zeros(0, np.int64), n)
    h = np.concatenate(hs)
    c = np.concatenate(cs)
    d = np.concatenate(ds)
    del hs, cs, ds
    keys, inv, df = np.unique(h, return_inverse=True, return_counts=True)
    del h
    keep_term = (df >= MIN_TERM_DF) & (df <= MAX_TERM_DF)
    keep = keep_term[inv]
    new_col = np.cumsum(keep_term) - 1
    idf = np.log((n + 1) / (df + 1)) + 1.0
    w = ((1.0 + np.log(c[keep])) * idf[inv[keep]]).astype(np.float32)
    cols = new_col[inv[keep]]
    rows = d[keep]
    m = sparse.csr_matrix((w, (rows, cols)), shape=(n, int(keep_term.sum())), dtype=np.float32)
    m.sum_duplicates()
    nnz = np.diff(m.indptr)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[(norms == 0) | (nnz < MIN_TERMS)] = np.inf   # too few rare terms: a zero vector
    m = sparse.diags((1.0 / norms).astype(np.float32)) @ m
    stats = TermStats(keys[keep_term], df[keep_term].astype(np.int64), n)
    return m.tocsr(), stats


def topic_pairs(texts: list[str], *, min_cosine: float = TOPIC_COSINE) -> tuple[list[TopicPair], TermStats]:
    """Pairs of the batch (positions i < j) telling one story by their rare terms."""
    m, stats = term_matrix(texts)
    out: list[TopicPair] = []
    if m.shape[1] == 0 or m.shape[0] < 2:
        return out, stats
    mt = m.T.tocsr()
    for s in range(0, m.shape[0], _CHUNK):
        block = (m[s:s + _CHUNK] @ mt).tocoo()
        i = block.row.astype(np.int64) + s
        j = block.col.astype(np.int64)
        sel = (j > i) & (block.data >= min_cosine)
        out.extend(TopicPair(int(a), int(b), round(float(x), 3)) for a, b, x in zip(i[sel], j[sel], block.data[sel]))
        del block
    return out, stats


def shared_rare_terms(text_a: str, text_b: str, stats: TermStats, k: int = 5) -> list[str]:
    """The rarest terms the two texts share (for the evidence line), rarest first."""
    ta, ha = content_terms(text_a)
    tb, hb = content_terms(text_b)
    common = np.intersect1d(ha, hb)
    if len(common) == 0:
        return []
    df = stats.df_of(common)
    word = {int(x): w for w, x in zip(ta, ha.tolist())}
    order = [int(common[q]) for q in np.argsort(df, kind="stable") if df[q] > 0]
    return [word[x].decode("utf-8", "replace") for x in order[:k]]
