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
    Returns sorted clusters.
    """
    order = sorted(set(nodes))
    members: dict[int, list[str]] = {i: [n] for i, n in enumerate(order)}
    idx = {n: i for i, n in enumerate(order)}
    cross: dict[int, dict[int, float]] = {i: {} for i in members}
    for (a, b), s in sorted(sims.items()):
        if a == b or a not in idx or b not in idx:
            continue
        i, j = idx[a], idx[b]
        cross[i][j] = cross[i].get(j, 0.0) + s
        cross[j][i] = cross[j].get(i, 0.0) + s
    heap: list[tuple[float, str, str, int, int]] = []

    def push(i: int, j: int) -> None:
        avg = cross[i][j] / (len(members[i]) * len(members[j]))
        if avg >= threshold:
            a, b = (i, j) if members[i][0] < members[j][0] else (j, i)
            heapq.heappush(heap, (-avg, members[a][0], members[b][0], a, b))

    for i in sorted(cross):
        for j in sorted(cross[i]):
            if i < j:
                push(i, j)
    nxt = len(order)
    while heap and len(members) > min_clusters:
        _, _, _, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        c = nxt
        nxt += 1
        members[c] = sorted(members.pop(i) + members.pop(j))
        ci, cj = cross.pop(i), cross.pop(j)
        cc: dict[int, float] = {}
        for k in sorted(set(ci) | set(cj)):
            if k in (i, j):
                continue
            s = ci.get(k, 0.0) + cj.get(k, 0.0)
            cc[k] = s
            ck = cross[k]
            ck.pop(i, None)
            ck.pop(j, None)
            ck[c] = s
        cross[c] = cc
        for k in sorted(cc):
            push(c, k)
    return sorted(members.values())


def split_lookalikes(ids: list[str], vectors: Mapping[str, Vector], ratio: float, max_cross: float,
                     min_size: int = 4, max_size: int = 300, min_half: int = 2) -> list[list[str]]:
    """Split a cluster that holds two look-alike events (two earthquakes, two title fights).

    Words every member shares (the kind of event) are discounted by a cluster-local idf, so what
    is left is who, where, how many: the parts that differ between look-alikes. The cluster is cut
    in two (average link on those local vectors) and the cut is kept only when each half is at
    least `ratio` times more cohesive than the halves are to each other and their cross similarity
    is at most `max_cross`; then each half is tried again. A single event gives no such cut: its
    leftover words are scattered, not shared by a consistent subgroup. Each half must hold at
    least `min_half` articles: two near-copies of one wire story (AP's text on two sites) are a
    "cohesive subgroup" of two by construction, and cutting them off is the typical wrong split.
    """
    ids = sorted(ids)
    n = len(ids)
    if n < min_size or n > max_size:
        return [ids]
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
    # Cut into two: run average link to the end and take the last merge apart.
    halves = _last_merge(S, ids)
    if halves is None:
        return [ids]
    A, B = halves
    if min(len(A), len(B)) < min_half:
        return [ids]

    pos = {x: k for k, x in enumerate(ids)}

    def mean(I: list[str], J: list[str], same: bool) -> float:
        sub = S[np.ix_([pos[i] for i in I], [pos[j] for j in J])]
        if not same:
            return float(sub.mean())
        k = len(I)
        return float((sub.sum() - np.trace(sub)) / (k * (k - 1)))

    wa, wb, x = mean(A, A, True), mean(B, B, True), mean(A, B, False)
    if min(wa, wb) >= ratio * max(x, 1e-3) and x <= max_cross:
        return sorted(split_lookalikes(A, vectors, ratio, max_cross, min_size, max_size, min_half)
                      + split_lookalikes(B, vectors, ratio, max_cross, min_size, max_size, min_half))
    return [ids]


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
