"""What candidate generation needs of one article, as one compact blob that can be kept between runs.

Candidate pairs are recomputed over the whole corpus on every run (a pair's candidacy depends on
the corpus: n-grams in more than `candidates.MAX_DF` articles are dropped, LSH bands are shared),
but the per-article inputs are functions of the text alone: its word count (too short for reuse
detection?), its MinHash signature, its sampled 5-gram hashes (the rare index) and its rare-term
vector (same-story pairs). Tokenising and hashing every text was most of the cost of that step;
with these kept in the store (store.cache.ArticleBlobs), an incremental run tokenises only the
new articles and rebuilds the indexes from arrays (numpy, C speed).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storytrace.reuse.candidates import NUM_PERM, prepare
from storytrace.reuse.shingle import fast_tokens
from storytrace.reuse.topic import article_terms


@dataclass
class Prep:
    n_tokens: int
    sig: np.ndarray          # (NUM_PERM,) uint32 MinHash signature
    sampled: np.ndarray      # uint64 sampled 5-gram hashes (rare index postings)
    term_keys: np.ndarray    # uint64 rare-term hashes (sorted)
    term_weights: np.ndarray  # float32 l2-normalised weights

    @property
    def terms(self) -> tuple[np.ndarray, np.ndarray]:
        return self.term_keys, self.term_weights

    def to_bytes(self) -> bytes:
        head = np.asarray([self.n_tokens, len(self.sampled), len(self.term_keys)], dtype=np.int64)
        return b"".join((head.tobytes(), np.asarray(self.sig, np.uint32).tobytes(),
                         np.asarray(self.sampled, np.uint64).tobytes(), np.asarray(self.term_keys, np.uint64).tobytes(),
                         np.asarray(self.term_weights, np.float32).tobytes()))

    @classmethod
    def from_bytes(cls, b: bytes) -> "Prep":
        n_tok, n_s, n_t = (int(x) for x in np.frombuffer(b, np.int64, 3))
        o = 24
        sig = np.frombuffer(b, np.uint32, NUM_PERM, o)
        o += 4 * NUM_PERM
        sampled = np.frombuffer(b, np.uint64, n_s, o)
        o += 8 * n_s
        keys = np.frombuffer(b, np.uint64, n_t, o)
        o += 8 * n_t
        return cls(n_tok, sig, sampled, keys, np.frombuffer(b, np.float32, n_t, o))


def prepare_articles(articles: list) -> list[Prep]:
    """The Prep of each article (signatures computed in one batch)."""
    texts = [a.text or "" for a in articles]
    sig, samp = prepare(texts)
    out = []
    for k, t in enumerate(texts):
        keys, w = article_terms(t)
        out.append(Prep(len(fast_tokens(t)), sig[k], samp[k], keys, w))
    return out
