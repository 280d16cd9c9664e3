"""Candidate pairs for alignment, never all pairs.

Two complementary indexes over word-5-gram hashes:

* MinHash LSH (rensa signatures, banded here in numpy): finds copies and near-copies by Jaccard,
  including wire text printed by dozens of sites, whose n-grams are too common for the rare index.
* Rare n-gram index (passim style): postings of a hash-sampled subset of each article's 5-grams,
  n-grams found in more than `max_df` articles dropped as boilerplate. Pairs sharing enough of
  them become candidates by *containment*, which catches a quoted paragraph in a long piece that
  Jaccard never sees.

Recall given up (measured in bench/reuse_candidates.py): pairs whose shared 5-grams fall outside
the sample (short texts), or whose only shared text is in n-grams above `max_df` with Jaccard below
the LSH threshold.

State is numpy arrays (signatures, sorted postings) so an index can be saved with `state()` and
restored with `CandidateIndex.from_state`, and new articles are compared against stored ones
without rebuilding (`add`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storytrace.reuse.shingle import doc_shingles

NUM_PERM = 128
BANDS = 42          # 42 bands x 3 rows: P(candidate) 0.996 at Jaccard 0.5, 0.68 at 0.3, 0.04 at 0.1
ROWS = 3
SEED = 42
SAMPLE_MOD = 2      # keep 5-grams whose hash % SAMPLE_MOD == 0 in the rare index
MAX_DF = 40         # n-grams in more articles than this are boilerplate, not reuse evidence
MIN_SHARED = 3      # sampled shared n-grams for a candidate (about 6 shared 5-grams: a 10-word sentence)
MIN_CONTAINMENT = 0.0  # shared / smaller article's sampled n-grams (any: a quoted sentence in a long piece counts)


@dataclass(frozen=True)
class CandidatePair:
    """Two article ids (a < b in index order) and why they are worth aligning."""
    a: str
    b: str
    shared: int          # sampled rare 5-grams in common (0 when only LSH found it)
    containment: float   # shared / sampled 5-grams of the smaller one (estimate)
    lsh: bool            # found by MinHash LSH


def _signatures(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """(n, NUM_PERM) uint32 MinHash signatures via rensa (Rust); empty sets get a sentinel row."""
    import rensa

    if not shingle_sets:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    lens = np.fromiter((len(s) for s in shingle_sets), dtype=np.uint64, count=len(shingle_sets))
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.uint64)
    flat = np.concatenate(shingle_sets).astype(np.uint64) if int(offsets[-1]) else np.zeros(0, np.uint64)
    m = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, NUM_PERM, SEED)
    sig = np.asarray(m.to_rows(), dtype=np.uint32).reshape(len(shingle_sets), NUM_PERM)
    sig[lens == 0] = np.uint32(0xFFFFFFFF)
    return sig


def _band_keys(sig: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64 key per band: the band's ROWS values packed and mixed."""
    n = sig.shape[0]
    s = sig[:, : BANDS * ROWS].astype(np.uint64).reshape(n, BANDS, ROWS)
    k = np.zeros((n, BANDS), dtype=np.uint64)
    for r in range(ROWS):
        k = k * np.uint64(0x100000001B3) + s[:, :, r]
    return k + np.arange(BANDS, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def _pairs_in_groups(keys: np.ndarray, docs: np.ndarray, max_group: int | None,
                     first_new: int = 0, presorted: bool = False) -> np.ndarray:
    """All (i, j) doc pairs sharing a key, as int64 codes i * 2**32 + j with i < j (repeats kept).

    Only groups holding at least one doc >= `first_new` are expanded (incremental adds), and
    groups larger than `max_group` are skipped (boilerplate).
    """
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64)
    if presorted:
        k, d = keys, docs
    else:
        order = np.argsort(keys, kind="stable")
        k, d = keys[order], docs[order]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(k)]]))
    if first_new > 0:
        has_new = np.maximum.reduceat((d >= first_new).astype(np.int8), starts) > 0
        starts, sizes = starts[has_new], sizes[has_new]
    out = []
    for s in np.unique(sizes):
        if s < 2 or (max_group is not None and s > max_group):
            continue
        st = starts[sizes == s]
        iu, ju = np.triu_indices(int(s), 1)
        a = d[st[:, None] + iu[None, :]].ravel().astype(np.int64)
        b = d[st[:, None] + ju[None, :]].ravel().astype(np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        out.append(lo[keep] * (1 << 32) + hi[keep])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


class CandidateIndex:
    """Incremental candidate index: `add(ids, texts)` returns pairs that involve the new articles."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._pos: dict[str, int] = {}
        self.sig = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self.nsampled = np.zeros(0, dtype=np.int64)      # sampled 5-grams per article
        self.gram_keys = np.zeros(0, dtype=np.uint64)    # rare-index postings, sorted by key
        self.gram_docs = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._pos

    def df(self, grams: np.ndarray) -> np.ndarray:
        """Articles holding each 5-gram hash, from the rare index (-1 for unsampled hashes)."""
        g = np.asarray(grams, dtype=np.uint64)
        lo = np.searchsorted(self.gram_keys, g, side="left")
        hi = np.searchsorted(self.gram_keys, g, side="right")
        out = (hi - lo).astype(np.int64)
        out[(g % np.uint64(SAMPLE_MOD)) != 0] = -1
        return out

    # -- persistence -------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Arrays that fully describe the index (np.savez-able)."""
        return {"ids": np.asarray(self.ids, dtype=object), "sig": self.sig, "nsampled": self.nsampled,
                "gram_keys": self.gram_keys, "gram_docs": self.gram_docs,
                "params": np.asarray([NUM_PERM, BANDS, ROWS, SEED, SAMPLE_MOD], dtype=np.int64)}

    @classmethod
    def from_state(cls, st: dict[str, np.ndarray]) -> "CandidateIndex":
        params = [int(x) for x in st["params"]]
        if params != [NUM_PERM, BANDS, ROWS, SEED, SAMPLE_MOD]:
            raise ValueError(f"index built with other parameters {params}; rebuild it from the articles")
        idx = cls()
        idx.ids = [str(x) for x in st["ids"]]
        idx._pos = {a: i for i, a in enumerate(idx.ids)}
        idx.sig = np.asarray(st["sig"], dtype=np.uint32)
        idx.nsampled = np.asarray(st["nsampled"], dtype=np.int64)
        idx.gram_keys = np.asarray(st["gram_keys"], dtype=np.uint64)
        idx.gram_docs = np.asarray(st["gram_docs"], dtype=np.int64)
        return idx

    # -- adding ------------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str] | None = None, *,
            shingles: list[np.ndarray] | None = None) -> list[CandidatePair]:
        """Index new articles; return candidate pairs among them and against stored ones.

        Articles already indexed (same id) are skipped: identical texts share an id.
        """
        if shingles is None:
            shingles = [doc_shingles(t) for t in (texts or [])]
        new_ids, new_sh = [], []
        seen = set()
        for i, s in zip(ids, shingles):
            if i in self._pos or i in seen:
                continue
            seen.add(i)
            new_ids.append(i)
            new_sh.append(s)
        if not new_ids:
            return []
        return self.add_prepared(new_ids, _signatures(new_sh), [sampled(s) for s in new_sh])

    def add_prepared(self, ids: list[str], sig_new: np.ndarray, samp: list[np.ndarray]) -> list[CandidatePair]:
        """`add` from each article's prepared form (`prepare`: its MinHash signature row and its
        sampled 5-gram hashes), e.g. kept in the store between runs: same pairs as `add`."""
        keep = []
        seen = set()
        for k, i in enumerate(ids):
            if i in self._pos or i in seen:
                continue
            seen.add(i)
            keep.append(k)
        if not keep:
            return []
        if len(keep) != len(ids):
            ids = [ids[k] for k in keep]
            sig_new = sig_new[keep]
            samp = [samp[k] for k in keep]
        new_ids = ids
        base = len(self.ids)
        n_new = len(new_ids)
        self.ids.extend(new_ids)
        for k, i in enumerate(new_ids):
            self._pos[i] = base + k

        # MinHash LSH: band keys of all articles; pairs that share a band and involve a new one.
        sig_new = np.asarray(sig_new, dtype=np.uint32).reshape(n_new, NUM_PERM)
        self.sig = np.vstack([self.sig, sig_new]) if len(self.sig) else sig_new
        empty = np.all(self.sig == np.uint32(0xFFFFFFFF), axis=1)
        keys = _band_keys(self.sig)
        docs = np.repeat(np.arange(len(self.ids), dtype=np.int64), BANDS)
        keys = keys.ravel()
        valid = ~np.repeat(empty, BANDS)
        lsh_codes = _pairs_in_groups(keys[valid], docs[valid], None, base)
        lsh_codes = np.unique(lsh_codes[(lsh_codes & 0xFFFFFFFF) >= base])

        # Rare n-gram index: sampled grams of the new articles vs stored postings and each other.
        self.nsampled = np.concatenate([self.nsampled, np.fromiter((len(s) for s in samp), np.int64, n_new)])
        nk = np.concatenate(samp) if samp else np.zeros(0, np.uint64)
        nd = np.repeat(np.arange(base, base + n_new, dtype=np.int64), [len(s) for s in samp])
        all_k = np.concatenate([self.gram_keys, nk])
        all_d = np.concatenate([self.gram_docs, nd])
        order = np.argsort(all_k, kind="stable")
        all_k, all_d = all_k[order], all_d[order]
        codes = _pairs_in_groups(all_k, all_d, MAX_DF, base, presorted=True)
        codes = codes[(codes & 0xFFFFFFFF) >= base]
        self.gram_keys, self.gram_docs = all_k, all_d
        uc, counts = np.unique(codes, return_counts=True)
        a = uc >> 32
        b = uc & 0xFFFFFFFF
        smaller = np.maximum(np.minimum(self.nsampled[a], self.nsampled[b]), 1)
        cont = counts / smaller
        keep = (counts >= MIN_SHARED) & (cont >= MIN_CONTAINMENT)
        gram_pairs = {int(c): (int(n), float(x)) for c, n, x in zip(uc[keep], counts[keep], cont[keep])}
        lsh_set = set(int(c) for c in lsh_codes)

        out = []
        for c in sorted(set(gram_pairs) | lsh_set):
            n, x = gram_pairs.get(c, (0, 0.0))
            out.append(CandidatePair(self.ids[c >> 32], self.ids[c & 0xFFFFFFFF], n, x, c in lsh_set))
        return out


def sampled(shingles: np.ndarray) -> np.ndarray:
    """The 5-gram hashes of an article that the rare index keeps (a fixed half, by hash)."""
    return shingles[(shingles % np.uint64(SAMPLE_MOD)) == 0]


def prepare(texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(MinHash signature rows, sampled 5-gram hashes) of texts: what `add_prepared` takes.
    A function of each text alone (cacheable per article)."""
    sh = [doc_shingles(t or "") for t in texts]
    return _signatures(sh), [sampled(s) for s in sh]


def candidates(articles, *, index: CandidateIndex | None = None) -> list[CandidatePair]:
    """Candidate pairs among `articles` (and against `index`'s stored ones when given).

    `articles` are `Article`s (or anything with `.id` and `.text`). Pass a persistent `index` to
    work incrementally: only pairs involving articles not yet in it are returned.
    """
    idx = index if index is not None else CandidateIndex()
    return idx.add([a.id for a in articles], [a.text for a in articles])
