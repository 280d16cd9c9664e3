"""Clustering primitives: sparse average-link and the look-alike split. Pure functions.

Both are deterministic functions of their input *set* (nodes are processed in sorted order and
ties break on the smallest member id), which is what lets incremental placement equal batch.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from typing import Iterable, Mapping

Vector = Mapping[str, float]


def cosine(a: Vector, b: Vector) -> float:
    """Dot product of two sparse L2-normalised vectors.

    The shared terms are found by a set intersection (in C: two articles share a few dozen of
    their hundred terms) and summed with `math.fsum`, which is exact whatever the order, so the
    result does not depend on string hashing and batch results stay identical across runs.
    """
    if len(a) > len(b):
        a, b = b, a
    shared = a.keys() & b.keys()
    if not shared:
        return 0.0
    return math.fsum([a[t] * b[t] for t in shared])


def average_link(nodes: Iterable[str], sims: Mapping[tuple[str, str], float],
                 threshold: float, min_clusters: int = 1) -> list[list[str]]:
    """Average-link agglomerative clustering on a sparse similarity graph.

    Pairs absent from `sims` count as similarity 0 (they were never candidates). Merging stops
    when no two clusters have a mean pairwise similarity >= threshold, or `min_clusters` remain.
    Returns sorted clusters. (`average_link_ints` does the work on node numbers.)
    """
    order = sorted(set(nodes))
    idx = {n: i for i, n in enumerate(order)}
    pairs = [(idx[a], idx[b], s) for (a, b), s in sorted(sims.items())
             if a != b and a in idx and b in idx]
    groups = average_link_ints(len(order), pairs, threshold, min_clusters)
    return sorted([order[i] for i in g] for g in groups)


def average_link_ints(n: int, pairs: Iterable[tuple[int, int, float]], threshold: float,
                      min_clusters: int = 1) -> list[list[int]]:
    """`average_link_arrays` over an iterable of (i, j, similarity)."""
    import numpy as np
    trip = list(pairs)
    if not trip:
        return [[i] for i in range(n)]
    I, J, S = (np.array(x) for x in zip(*trip))
    return average_link_arrays(n, I, J, S, threshold, min_clusters)


def average_link_arrays(n: int, I, J, S, threshold: float, min_clusters: int = 1) -> list[list[int]]:
    """Average link over nodes 0..n-1 (their numbers are the tie-break order) and pairs I-J of
    similarity S (each unordered pair once; absent pairs count 0).

    Greedy: the pair of clusters with the highest mean similarity merges first (ties: the pair
    whose smallest members come first), until no mean reaches `threshold` or `min_clusters` remain.

    Why it holds a news component of tens of thousands of articles and millions of pairs in little
    memory: no table of cluster-pair sums is kept. Pairs sit in flat arrays (CSR, rows sorted);
    when two clusters merge, the new cluster's sums to every neighbouring cluster are computed
    afresh from its members' rows (one vectorised pass, always in the same order, so the result
    is a function of the pair set, whatever order the pairs came in) and only the means that reach
    the threshold go to the heap. Singletons enter the heap through their best pair only (each
    node's strong pairs in heap order, advanced lazily), and heap entries carry the version of
    both clusters, so an entry older than a merge is skipped. A merged cluster's mean to any other
    cluster is a size-weighted mean of its parts' means, so no pair is ever missed.
    Returns clusters as sorted lists of node numbers, sorted.
    """
    import numpy as np

    I = np.asarray(I, dtype=np.int32)
    J = np.asarray(J, dtype=np.int32)
    S = np.asarray(S, dtype=np.float64)
    keep = I != J
    if not keep.all():
        I, J, S = I[keep], J[keep], S[keep]
    m = len(S)
    # Both directions of every pair, rows by node, each row by neighbour (a canonical order: the
    # sums below add in it, so they depend on the pair set only). Few large temporaries.
    key = np.concatenate([I.astype(np.int64) * n + J, J.astype(np.int64) * n + I])
    del I, J, keep
    order = np.argsort(key)
    key = key[order]
    src = (key // n).astype(np.int32)
    dst = (key % n).astype(np.int32)
    del key
    np.remainder(order, m, out=order)
    val = S[order]
    del order, S
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    # Each node's strong pairs in heap order: (-s, smaller node, larger node).
    strong = val >= threshold
    sx, sy, ss = src[strong], dst[strong], val[strong]
    o2 = np.lexsort((np.maximum(sx, sy), np.minimum(sx, sy), -ss, sx))
    sx, sy, ss = sx[o2], sy[o2], ss[o2]
    sptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(sx, minlength=n), out=sptr[1:])
    sy_l, ss_l = sy.tolist(), ss.tolist()
    pos = sptr[:-1].tolist()
    end = sptr[1:].tolist()
    del src, sx, sy, ss, o2, strong

    label = np.arange(n)
    size = np.ones(n, np.int64)
    first = list(range(n))
    members: list[list[int]] = [[i] for i in range(n)]
    ver = [0] * n
    alive = [True] * n
    heap: list[tuple[float, int, int, int, int, int, int, int]] = []
    push = heapq.heappush

    def push_initial(x: int) -> None:
        k = pos[x]
        if k < end[x]:
            y = sy_l[k]
            a, b = (x, y) if x < y else (y, x)
            push(heap, (-ss_l[k], a, b, a, b, 0, 0, x))

    for x in range(n):
        push_initial(x)
    clusters = n
    while heap and clusters > min_clusters:
        _, _, _, i, j, vi, vj, owner = heapq.heappop(heap)
        valid = alive[i] and alive[j] and ver[i] == vi and ver[j] == vj
        if owner >= 0 and not valid:
            if ver[owner] == 0 and alive[owner]:  # still a singleton: its next pair
                pos[owner] += 1
                push_initial(owner)
            continue
        if not valid:
            continue
        c, d = (i, j) if (len(members[i]), -i) >= (len(members[j]), -j) else (j, i)
        alive[d] = False
        clusters -= 1
        label[members[d]] = c
        members[c].extend(members[d])
        members[d] = []
        size[c] += size[d]
        first[c] = min(first[c], first[d])
        ver[c] += 1
        mem = sorted(members[c])
        members[c] = mem
        rows = np.concatenate([np.arange(indptr[x], indptr[x + 1]) for x in mem])
        lab = label[dst[rows]]
        w = val[rows]
        other = lab != c
        if not other.any():
            continue
        uniq, inv = np.unique(lab[other], return_inverse=True)
        sums = np.bincount(inv, weights=w[other])
        avg = sums / (size[c] * size[uniq])
        live = avg >= threshold
        fc, vc = first[c], ver[c]
        for k, av in zip(uniq[live].tolist(), avg[live].tolist()):
            if fc < first[k]:
                push(heap, (-av, fc, first[k], c, k, vc, ver[k], -1))
            else:
                push(heap, (-av, first[k], fc, k, c, ver[k], vc, -1))
    return sorted(sorted(members[i]) for i in range(n) if alive[i])


# Look-alike split, second test: how far the cut's separation lies above that of random cuts of
# the same sizes, in standard deviations (a permutation test; see `split_lookalikes`). 0: off.
SPLIT_MIN_Z = 6.0
SPLIT_PERMUTATIONS = 200


def split_lookalikes(ids: list[str], vectors: Mapping[str, Vector], ratio: float, max_cross: float,
                     min_size: int = 4, max_size: int = 300, min_half: int = 2,
                     min_z: float | None = None, permutations: int | None = None) -> list[list[str]]:
    """Split a cluster that holds two look-alike events (two earthquakes, two title fights).

    Words every member shares (the kind of event) are discounted by a cluster-local idf, so what
    is left is who, where, how many: the parts that differ between look-alikes. The cluster is cut
    in two (average link on those local vectors, its last merge taken apart) and the cut is kept
    when its cross similarity is at most `max_cross` and one of two tests holds; then each half is
    tried again.

    - Ratio: each half is at least `ratio` times more cohesive than the halves are to each other.
      Clear-cut for small clusters (three outlets' reports of each of two stories).
    - Significance, when the ratio fails: the separation (lower within-half mean less the cross
      mean) is at least `min_z` standard deviations above that of random cuts into halves of the
      same sizes. Two real events in one cluster often fail the ratio because one of them is
      reported in varied words (its half is loosely knit), yet the cut stands far above chance; a
      single event has scattered leftover words, and its best cut is barely better than a random
      one. The random cuts are drawn from a seed that is a hash of the member ids: the same set
      gives the same answer, whatever the input order.

    A single event gives no such cut. Each half must hold at least `min_half` articles: two
    near-copies of one wire story (AP's text on two sites) are a "cohesive subgroup" of two by
    construction, and cutting them off is the typical wrong split.
    """
    ids = sorted(ids)
    n = len(ids)
    if n < min_size or n > max_size:
        return [ids]
    # None: the module defaults (read at call time, so a benchmark can set them).
    min_z = SPLIT_MIN_Z if min_z is None else min_z
    permutations = SPLIT_PERMUTATIONS if permutations is None else permutations
    df = Counter(t for i in ids for t in vectors[i])
    cols = {t: k for k, t in enumerate(sorted(t for t, c in df.items() if 2 <= c < n))}
    if not cols:
        return [ids]
    import numpy as np  # the split compares every pair of the cluster: one matrix product
    M = np.zeros((n, len(cols)))
    for r, i in enumerate(ids):
        for t, x in vectors[i].items():
            k = cols.get(t)
            if k is not None:
                M[r, k] = x * math.log(n / df[t])
    norms = np.linalg.norm(M, axis=1)
    norms[norms == 0] = 1.0
    M /= norms[:, None]
    S = M @ M.T
    pos = {x: k for k, x in enumerate(ids)}

    def measure(cut: tuple[list[str], list[str]] | None) -> tuple[float, float, float] | None:
        """Within-A, within-B and cross means of a cut, or None when it is no candidate."""
        if cut is None or min(len(cut[0]), len(cut[1])) < min_half:
            return None
        in_a = np.zeros((1, n))
        in_a[0, [pos[i] for i in cut[0]]] = 1.0
        wa, wb, x = (float(v[0]) for v in _cut_means(S, in_a))
        return None if x > max_cross else (wa, wb, x)

    # Cut into two: run average link to the end and take the last merge apart.
    cut = _last_merge(S, ids)
    m = measure(cut)
    if m is None:
        return [ids]
    wa, wb, x = m
    ok = min(wa, wb) >= ratio * max(x, 1e-3)
    if not ok and min_z and permutations > 0:
        ok = _separation_z(S, ids, len(cut[0]), min(wa, wb) - x, permutations) >= min_z
    if not ok:
        return [ids]
    kw = dict(min_size=min_size, max_size=max_size, min_half=min_half, min_z=min_z, permutations=permutations)
    return sorted(split_lookalikes(cut[0], vectors, ratio, max_cross, **kw)
                  + split_lookalikes(cut[1], vectors, ratio, max_cross, **kw))


def _cut_means(S, in_a):
    """Mean within-A, within-B and cross similarity for each cut (rows of 0/1 `in_a`), vectorised."""
    import numpy as np
    S0 = S - np.diag(np.diag(S))
    in_b = 1.0 - in_a
    ka, kb = in_a.sum(1), in_b.sum(1)
    sa = ((in_a @ S0) * in_a).sum(1)
    sb = ((in_b @ S0) * in_b).sum(1)
    sx = ((in_a @ S0) * in_b).sum(1)
    # A half of one article has no pairs: count it as fully cohesive (no 0/0).
    wa = np.where(ka > 1, sa / np.maximum(ka * (ka - 1), 1.0), 1.0)
    wb = np.where(kb > 1, sb / np.maximum(kb * (kb - 1), 1.0), 1.0)
    return wa, wb, sx / np.maximum(ka * kb, 1.0)


def _separation_z(S, ids: list[str], size_a: int, observed: float, permutations: int) -> float:
    """How many standard deviations `observed` lies above the separation of random cuts of `size_a`."""
    import hashlib

    import numpy as np
    n = len(ids)
    seed = int.from_bytes(hashlib.blake2b("\n".join(ids).encode("utf-8"), digest_size=8).digest(), "little")
    rng = np.random.default_rng(seed)
    keys = rng.random((permutations, n))
    ranks = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
    in_a = (ranks < size_a).astype(float)
    wa, wb, x = _cut_means(S, in_a)
    null = np.minimum(wa, wb) - x
    sd = float(null.std())
    if sd <= 1e-12:
        return 0.0
    return (observed - float(null.mean())) / sd


def _last_merge(S, ids: list[str]) -> tuple[list[str], list[str]] | None:
    """The two clusters full average link holds before its last merge, on a dense similarity matrix.

    Lance-Williams update for average link; argmax ties resolve to the first pair in id order.
    """
    import numpy as np
    n = len(ids)
    S = S.astype(float).copy()
    np.fill_diagonal(S, -np.inf)
    size = np.ones(n)
    groups: dict[int, list[int]] = {k: [k] for k in range(n)}
    active = np.ones(n, dtype=bool)
    while len(groups) > 2:
        k = int(np.argmax(S))
        i, j = divmod(k, n)
        if i > j:
            i, j = j, i
        merged = (S[i] * size[i] + S[j] * size[j]) / (size[i] + size[j])
        S[i, :] = merged
        S[:, i] = merged
        S[i, i] = -np.inf
        S[j, :] = -np.inf
        S[:, j] = -np.inf
        size[i] += size[j]
        active[j] = False
        groups[i].extend(groups.pop(j))
    if len(groups) != 2:
        return None
    a, b = (sorted(ids[k] for k in g) for g in groups.values())
    return (a, b) if a[0] < b[0] else (b, a)
