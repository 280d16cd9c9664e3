"""How the reuse stage grows on allsides (1k -> 37k articles), and alignment throughput.

Run: .venv/bin/python bench/reuse_scale.py [--sizes 1000,5000,10000,37554] [--candidates-only]
Articles are the first N of the allsides shards in file order (a feed, not a random sample), built
as `Article(text, published)` without the cleaning stage. Each size runs in a forked child: peak
memory is the growth of its resident set over the loaded texts. Lexical path (no model).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from datetime import datetime, timezone

from reuse_candidates import in_child
from reuse_common import CORPORA

from storytrace.dates import parse_published
from storytrace.model import Article
from storytrace.reuse import find_derivations


def load(n: int) -> list[tuple[str, str | None]]:
    rows = []
    for shard in sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz")):
        with gzip.open(shard, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                rows.append((d.get("text") or "", d.get("published")))
                if len(rows) >= n:
                    return rows
    return rows


def run(rows):
    arts = [Article(text=t, published=parse_published(p)) for t, p in rows]
    t = time.perf_counter()
    res = find_derivations(arts)
    total = time.perf_counter() - t
    return res.stats, total, len(res.derivations), len(res.undirected), len(res.wire_origins)


def run_candidates(rows):
    from storytrace.reuse import CandidateIndex
    t = time.perf_counter()
    pairs = CandidateIndex().add([str(i) for i in range(len(rows))], [r[0] for r in rows])
    return len(pairs), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,10000")
    ap.add_argument("--candidates-only", action="store_true", help="only the candidate step (pairs, time, memory)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    rows_all = load(max(sizes))
    if args.candidates_only:
        print("| articles | candidate pairs | candidate step s (CPU s) | articles/s | peak memory MB |")
        print("|---|---|---|---|---|")
        for n in sizes:
            (npairs, dt, cpu), mem = in_child(lambda n=n: run_candidates(rows_all[:n]))
            print(f"| {n:,} | {npairs:,} | {dt:.1f} ({cpu:.1f}) | {n / dt:,.0f} | {mem / 1e6:,.0f} |", flush=True)
        return
    print("| articles | candidates + prep s | candidate pairs | align + decide s | pairs/s | graph s | total s (CPU s) | articles/s | edges | shared-text (undirected) | groups | peak memory MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        out, mem = in_child(lambda n=n: run(rows_all[:n]))
        if out[0] == "error":
            print(f"| {n} | failed: {out[1]} |")
            continue
        st, total, ne, nu, ng, cpu = out
        sec = st["seconds"]
        pps = st["aligned_pairs"] / max(sec["align_and_decide"], 1e-9)
        print(f"| {st['articles']:,} | {sec['prepare_and_candidates']:.1f} | {st['candidate_pairs']:,} | "
              f"{sec['align_and_decide']:.1f} | {pps:,.0f} | {sec['graph']:.2f} | {total:.1f} ({cpu:.1f}) | {st['articles'] / total:,.0f} | "
              f"{ne:,} | {nu:,} | {ng:,} | {mem / 1e6:,.0f} |", flush=True)
    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores (shared machine, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
