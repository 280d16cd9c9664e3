"""Lexical sentence vectors for the summariser: content words, TF-IDF, cosine.

Model-free on purpose (the fast path): two sentences "say the same thing" when their TF-IDF
cosine over content words is high; a copy and its source share most content words.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ..text import WORD, word_cache, words

STOP = frozenset("""a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves said says say told according also new
one two would could may might must shall us mr mrs ms""".split())

_NUM = re.compile(r"^\d[\d,.]*$")


@word_cache(65536)
def stem(w: str) -> str:
    """A very light suffix stripper (drones/drone, reported/report) so inflections match."""
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


@word_cache(200_000)
def _term(w: str) -> str | None:
    """The term of one lower-cased word token, or None for a stopword or a one-letter token."""
    w = w.replace("\u2019", "'").split("'")[0]
    if not w or w in STOP or (len(w) < 2 and not w.isdigit()):
        return None
    return w.replace(",", "") if _NUM.match(w) else stem(w)


def content_terms(text: str) -> list[str]:
    low = text.lower()
    toks = WORD.findall(low) if len(low) == len(text) else words(text)  # one lower() for the whole text
    return [t for t in map(_term, toks) if t is not None]


def tfidf_sparse(docs: list[list[str]]):
    """The same row-normalised TF-IDF vectors as `tfidf_matrix`, as a scipy CSR matrix.

    A sentence has a dozen terms among thousands: the dense product X @ X.T cost n * n * vocabulary
    (the summary stage's largest cost on big storylines); the sparse one costs what the rows share.
    """
    from scipy import sparse

    vocab: dict[str, int] = {}
    n = len(docs)
    df: Counter = Counter()
    counts = []
    for d in docs:
        c = Counter(d)
        counts.append(c)
        df.update(c.keys())
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for t, k in c.items():
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
            vals.append((1 + math.log(k)) * math.log((1 + n) / (1 + df[t]) + 1))
    m = sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n, max(1, len(vocab))))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.diags((1 / norms).astype(np.float32)) @ m


def tfidf_matrix(docs: list[list[str]]) -> np.ndarray:
    """Row-normalised TF-IDF vectors (dense; the summariser works on one storyline at a time)."""
    vocab: dict[str, int] = {}
    for d in docs:
        for t in d:
            vocab.setdefault(t, len(vocab))
    n = len(docs)
    m = np.zeros((n, max(1, len(vocab))), dtype=np.float32)
    df = Counter(t for d in docs for t in set(d))
    for i, d in enumerate(docs):
        for t, c in Counter(d).items():
            m[i, vocab[t]] = (1 + math.log(c)) * math.log((1 + n) / (1 + df[t]) + 1)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return m / norms


def lexrank(sim: np.ndarray, threshold: float = 0.1, damping: float = 0.85, iters: int = 50) -> np.ndarray:
    """LexRank centrality (Erkan & Radev 2004, thresholded graph) by power iteration."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    trans = (sim >= threshold).astype(np.float32)  # the adjacency, made row-stochastic in place
    deg = trans.sum(axis=1, keepdims=True)
    deg[deg == 0] = 1
    trans /= deg  # one n x n matrix, not two (n is ~3,000 on the largest storylines)
    p = np.full(n, 1.0 / n, dtype=np.float32)
    for _ in range(iters):
        new = (1 - damping) / n + damping * trans.T @ p
        if np.abs(new - p).sum() < 1e-6:
            p = new
            break
        p = new
    return p
