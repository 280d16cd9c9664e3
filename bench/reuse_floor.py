"""What a cheap floor before alignment would give up: candidate pairs on allsides, each aligned, with
the candidate step's estimates (sampled shared 5-grams, containment estimate) and the exact count of
shared distinct 5-grams, against whether the pair makes an edge (verbatim rule of `_is_reuse`).

Run: .venv/bin/python bench/reuse_floor.py [--n 10000]   (minutes: every candidate pair is aligned)
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from reuse_common import allsides_texts

from storytrace.model import Article
from storytrace.reuse import derive as D
from storytrace.reuse.candidates import CandidateIndex
from storytrace.reuse.shingle import doc_shingles


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    arts = [Article(text=t) for _, t in allsides_texts(args.n)]
    by_id = {a.id: a for a in arts}
    sh = {a.id: doc_shingles(a.text) for a in arts}
    idx = CandidateIndex()
    pairs = idx.add([a.id for a in arts], shingles=[sh[a.id] for a in arts])
    docs: dict = {}

    def get(i):
        if i not in docs:
            docs[i] = D._doc(by_id[i])
        return docs[i]

    rows = []
    t = time.perf_counter()
    for c in pairs:
        ok, _ = D._is_reuse(D._align_pair(get(c.a), get(c.b), None, idx.df))
        rows.append((c.shared, c.lsh, len(np.intersect1d(sh[c.a], sh[c.b], assume_unique=True)), ok))
    a = np.array(rows, dtype=float)
    shared, lsh, exact, ok = a.T
    print(f"{len(pairs)} candidate pairs aligned in {time.perf_counter() - t:.0f} s, {int(ok.sum())} make an edge")
    print("| floor (LSH pairs always kept) | pairs aligned | share skipped | edges given up |")
    print("|---|---|---|---|")
    for name, keep in [(f"sampled shared 5-grams >= {k}", (lsh == 1) | (shared >= k)) for k in (3, 4, 5, 6)] + \
                      [(f"exact shared 5-grams >= {k}", (lsh == 1) | (exact >= k)) for k in (4, 6, 8)]:
        print(f"| {name} | {int(keep.sum()):,} | {1 - keep.mean():.0%} | {int(ok[~keep].sum())} of {int(ok.sum())} "
              f"({ok[~keep].sum() / max(1, ok.sum()):.1%}) |")


if __name__ == "__main__":
    main()
