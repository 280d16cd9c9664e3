"""Candidate pairs of articles and their similarities: the input of event clustering. Pure functions.

Two articles are a candidate pair iff they share at least `min_shared_keys` of their key terms
(`far_min_shared_keys` when both are dated more than `near_days` apart) and, when both are dated,
lie at most `window_days` apart; a candidate is kept when its cosine is >= `edge_floor`. A rule of
the pair alone, so the pairs of a set do not depend on input order or on which articles came first,
and the pairs of a store grown by a batch are its old pairs plus `pair_arrays(new, against=old)`.

Why sparse matrix products: at tens of thousands of articles a news corpus holds millions of
candidate pairs (key terms like a president's name occur in a third of the articles of a month).
Counting shared key terms and summing the products of shared terms one pair at a time in Python
took most of the batch time; here both are sparse products (scipy, in C) over blocks of articles
in date order, each block against the articles within the window of it, so memory stays bounded.

Why `cosine` sums in sorted term order: a pair's similarity must be the same float whichever way it
was computed (a batch block product, the single-article path of `EventIndex.add`, a Spark
executor), or an incremental result could part from batch on a rounding. A sparse product over
columns sorted by term adds the products of the shared terms in that same order, from 0.0.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .index import Params

Vector = Mapping[str, float]

# Cells (row articles x column articles) of one block product: bounds the memory of a block.
BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class PairInput:
    """One article as the pair finder sees it (see `EventIndex.pair_inputs`)."""
    id: str
    vec: Vector            # sparse L2-normalised term vector (features.vectorize)
    day: int | None        # publication date as a proleptic ordinal, None when undated
    keys: tuple[str, ...]  # its key terms (`key_terms`); empty: never compared


@dataclass
class KnownPairs:
    """Pairs already computed (`EventIndex.pair_graph()`): article ids, and per pair the indices
    of its two articles into `ids` with its cosine. A later run over a grown store takes them as
    given (`EventIndex.add_states(known=)`) and computes only the new articles' pairs, which is
    exact because a pair is a rule of its two articles alone (see the module docstring).

    `tags`: one string per id that the caller checks before trusting an article's pairs (the
    store keeps the hash of the article's state inputs); `only(keep)` forgets the others."""
    ids: list[str | None]
    i: "np.ndarray"
    j: "np.ndarray"
    s: "np.ndarray"
    tags: list[str] | None = None

    def only(self, keep: Callable[[str, str | None], bool]) -> "KnownPairs":
        """The same pairs, articles for which `keep(id, tag)` is false forgotten (their pairs are
        then computed afresh; the arrays are shared, not copied)."""
        tags = self.tags or [None] * len(self.ids)
        return KnownPairs([a if a is not None and keep(a, t) else None for a, t in zip(self.ids, tags)],
                          self.i, self.j, self.s, self.tags)

    def to_bytes(self, tags: list[str]) -> bytes:
        """The store's form (`memo.pack`): ids and tags in the header, the pair arrays raw."""
        from .memo import pack

        return pack({"ids": self.ids, "tags": tags}, [(self.i, "i4"), (self.j, "i4"), (self.s, "f8")])

    @classmethod
    def from_bytes(cls, blob: bytes) -> "KnownPairs":
        """Raises ValueError when the blob is damaged."""
        from .memo import unpack

        head, arrays = unpack(blob)
        if len(arrays) != 3 or len({len(a) for a in arrays}) != 1 or len(head.get("ids", ())) != len(head.get("tags", ())):
            raise ValueError("stored pair graph has an unexpected shape")
        i, j, s = arrays
        if len(i) and (min(int(i.min()), int(j.min())) < 0 or max(int(i.max()), int(j.max())) >= len(head["ids"])):
            raise ValueError("stored pair graph points past its articles")
        return cls(head["ids"], i, j, s, head["tags"])


def key_terms(vec: Vector, n: int) -> tuple[str, ...]:
    """The `n` strongest terms of a vector (ties by term), numbers left out: the candidate index."""
    keys = [t for t, _ in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0])) if not t.startswith("#")]
    return tuple(keys[:n])


def cosine(a: Vector, b: Vector) -> float:
    """Dot product of two L2-normalised sparse vectors, summed in sorted term order from 0.0
    (bit-identical to the block products of `pair_arrays`)."""
    if len(a) > len(b):
        a, b = b, a
    s = 0.0
    for t in sorted(a.keys() & b.keys()):
        s += a[t] * b[t]
    return s


def is_candidate(shared: int, gap: int | None, params: "Params") -> bool:
    """The pair rule on the number of shared key terms and the date gap (None: one is undated)."""
    if shared < params.min_shared_keys:
        return False
    if gap is None:
        return True
    if gap > params.window_days:
        return False
    return gap <= params.near_days or shared >= params.far_min_shared_keys


def similar_pairs(items: Sequence[PairInput], params: "Params",
                  against: Sequence[PairInput] = ()) -> dict[tuple[str, str], float]:
    """Candidate pairs with cosine >= edge_floor as {(id_a, id_b): cosine} with id_a < id_b.

    Without `against`: every pair within `items`. With it: the pairs within `items` and between
    `items` and `against` (never within `against`): the new pairs when `items` join a store
    holding `against`. Blocks of a partition of the articles by date can be computed apart
    (in parallel, e.g. one per executor) and unioned: a block's pairs with earlier blocks are
    `similar_pairs(block, params, against=earlier articles within window_days)`.
    """
    allit = list(items) + list(against)
    I, J, S = pair_arrays(items, params, against)
    out = {}
    for i, j, s in zip(I.tolist(), J.tolist(), S.tolist()):
        a, b = allit[i].id, allit[j].id
        out[(a, b) if a < b else (b, a)] = s
    return out


def pair_arrays(items: Sequence[PairInput], params: "Params", against: Sequence[PairInput] = (),
                block_cells: int = BLOCK_CELLS) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """`similar_pairs` as arrays (i, j, cosine): int32 indices into `list(items) + list(against)`,
    each unordered pair once with i < j (in block order, not sorted)."""
    import numpy as np

    allit = list(items) + list(against)
    n_new = len(items)
    empty = (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float64))
    live = [k for k, it in enumerate(allit) if it.keys]
    if not live or not any(allit[k].keys for k in range(n_new)):
        return empty
    # Rows in date order (undated last); `row_of[k]` the row of article k.
    live.sort(key=lambda k: (allit[k].day is None, allit[k].day or 0, allit[k].id))
    V, K = _matrices([allit[k] for k in live])
    orig = np.asarray(live, dtype=np.int64)
    days = [allit[k].day for k in live]
    nd = sum(d is not None for d in days)
    is_new = orig < n_new
    new_rows = np.flatnonzero(is_new)
    old_dated = np.flatnonzero(~is_new[:nd])  # rows of `against`, dated, in date order
    old_dated_days = [days[r] for r in old_dated]
    n = len(live)
    day_arr = np.array([d if d is not None else 0 for d in days], dtype=np.int64)
    out_i, out_j, out_s = [], [], []

    def emit(rows: "np.ndarray", cols: "np.ndarray", keep_fn) -> None:
        """Products of row block `rows` x `cols`; `keep_fn(r, c)` picks which cells are pairs."""
        Kr, Kc = K[rows], K[cols]
        C = (Kr @ Kc.T).tocoo()
        r, c, cnt = C.row, C.col, C.data
        sel = cnt >= params.min_shared_keys
        r, c, cnt = r[sel], c[sel], cnt[sel]
        R, Cg = rows[r], cols[c]
        sel = keep_fn(R, Cg)
        R, Cg, cnt, r, c = R[sel], Cg[sel], cnt[sel], r[sel], c[sel]
        both = (R < nd) & (Cg < nd)
        gap = np.abs(day_arr[R] - day_arr[Cg])
        ok = ~both | ((gap <= params.window_days)
                      & ((gap <= params.near_days) | (cnt >= params.far_min_shared_keys)))
        r, c, R, Cg = r[ok], c[ok], R[ok], Cg[ok]
        if not len(r):
            return
        import scipy.sparse as sp
        mask = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(cols)))
        Sx = (V[rows] @ V[cols].T).multiply(mask).tocoo()  # x * 1.0: the product's exact value
        keep = Sx.data >= params.edge_floor
        a, b = orig[rows[Sx.row[keep]]], orig[cols[Sx.col[keep]]]
        out_i.append(np.minimum(a, b).astype(np.int32))
        out_j.append(np.maximum(a, b).astype(np.int32))
        out_s.append(Sx.data[keep])

    def blocks(rows: "np.ndarray", ncols: int):
        step = max(1, block_cells // max(1, ncols))
        for s in range(0, len(rows), step):
            yield rows[s: s + step]

    if n_new == len(allit):  # within one set: each pair once, from its earlier row
        s = 0
        while s < nd:
            # Columns: rows s.. up to the window after the block's last date.
            # The longest run of rows whose block (rows x columns to the window after its last
            # row) stays within block_cells: dates are uneven (a busy month, a quiet year).
            def cells(e: int) -> int:
                return (e - s) * (bisect_right(days, days[e - 1] + params.window_days, 0, nd) - s)
            e = _longest_run(s + 1, nd, cells, block_cells)
            hi = bisect_right(days, days[e - 1] + params.window_days, 0, nd)
            rows = np.arange(s, e)
            emit(rows, np.arange(s, hi), lambda R, C: C > R)
            s = e
        und = np.arange(nd, n)
        for rows in blocks(und, n):
            emit(rows, np.arange(n), lambda R, C: (C < nd) | (C > R))
    else:
        # Pairs within the new articles, then each new article against the old ones near its date.
        new_dated = new_rows[new_rows < nd]
        new_und = new_rows[new_rows >= nd]
        for rows in blocks(new_rows, len(new_rows)):
            emit(rows, new_rows, lambda R, C: (C > R))
        old_und = np.flatnonzero(~is_new[nd:]) + nd
        k = 0
        while k < len(new_dated):
            lo_day = days[new_dated[k]]
            lo = bisect_left(old_dated_days, lo_day - params.window_days)

            def cells(e: int) -> int:
                hi = bisect_right(old_dated_days, days[new_dated[e - 1]] + params.window_days)
                return (e - k) * (hi - lo + len(old_und))
            rows = new_dated[k: _longest_run(k + 1, len(new_dated), cells, block_cells)]
            hi = bisect_right(old_dated_days, days[rows[-1]] + params.window_days)
            cols = np.concatenate([old_dated[lo:hi], old_und])
            emit(rows, cols, lambda R, C: np.ones(len(R), bool))
            k += len(rows)
        old = np.flatnonzero(~is_new)
        for rows in blocks(new_und, len(old)):
            emit(rows, old, lambda R, C: np.ones(len(R), bool))
    if not out_i:
        return empty
    I = np.concatenate(out_i)
    out_i.clear()
    J = np.concatenate(out_j)
    out_j.clear()
    return I, J, np.concatenate(out_s)


def _matrices(items: Sequence[PairInput]):
    """Term vectors V and key-term incidence K of `items` (rows), columns in sorted term order."""
    import numpy as np
    import scipy.sparse as sp

    vocab = sorted({t for it in items for t in it.vec})
    col = {t: k for k, t in enumerate(vocab)}
    indptr, indices, data = [0], [], []
    kptr, kind = [0], []
    for it in items:
        cols = sorted((col[t], x) for t, x in it.vec.items())
        indices.extend(c for c, _ in cols)
        data.extend(x for _, x in cols)
        indptr.append(len(indices))
        kind.extend(sorted(col[t] for t in it.keys))
        kptr.append(len(kind))
    shape = (len(items), len(vocab))
    V = sp.csr_matrix((np.asarray(data, np.float64), np.asarray(indices, np.int64), np.asarray(indptr, np.int64)),
                      shape=shape)
    K = sp.csr_matrix((np.ones(len(kind), np.int32), np.asarray(kind, np.int64), np.asarray(kptr, np.int64)),
                      shape=shape)
    return V, K


def _longest_run(lo: int, hi: int, cells: Callable[[int], int], limit: int) -> int:
    """The largest end in [lo, hi] whose block stays within `limit` cells (`cells` grows with the
    end; at least `lo`, so a block always holds one row even when that row alone is over)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cells(mid) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo
