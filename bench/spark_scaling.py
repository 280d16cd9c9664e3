"""Candidate generation on the local engine vs Spark (local[2]) at growing allsides sizes.

    .venv/bin/python bench/spark_scaling.py [--sizes 1000 5000 10000] [--out bench/results/spark.md]

Both engines get the same articles (cleaned by storytrace's readers); the table gives wall time
per engine and whether the candidate pairs are identical.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))


def load(n: int):
    from storytrace.ingest import read_bytes
    from storytrace.model import Article

    lines = []
    for shard in sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz")):
        with gzip.open(shard) as fh:
            lines += list(itertools.islice(fh, n - len(lines)))
        if len(lines) >= n:
            break
    return [a for a in read_bytes(b"".join(lines), "allsides.jsonl") if isinstance(a, Article)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", default=str(REPO / "bench/results/spark.md"))
    args = ap.parse_args()
    from storytrace.engines.spark import candidate_pairs, spark_session
    from storytrace.reuse import candidates

    arts_all = load(max(args.sizes))
    rows = []
    with spark_session(args.master) as spark:
        candidate_pairs(arts_all[:200], spark=spark)  # warm the JVM and the Python workers
        for n in args.sizes:
            arts = arts_all[:n]
            t0 = time.perf_counter()
            local = candidates(arts)
            t1 = time.perf_counter()
            remote = candidate_pairs(arts, spark=spark)
            t2 = time.perf_counter()
            rows.append((n, t1 - t0, t2 - t1, len(local), local == remote))
            print(rows[-1], flush=True)
    lines = [f"## Candidate generation: local engine vs Spark {args.master}", "",
             f"{dt.date.today()}, 2-core shared machine (wall times are noisy; compare within a row). "
             f"Command: `.venv/bin/python bench/spark_scaling.py --sizes {' '.join(map(str, args.sizes))}`", "",
             "| articles | local s | spark s | local articles/s | spark articles/s | pairs | identical |",
             "|---|---|---|---|---|---|---|"]
    for n, tl, ts, p, same in rows:
        lines.append(f"| {n} | {tl:.1f} | {ts:.1f} | {n / tl:,.0f} | {n / ts:,.0f} | {p} | {'yes' if same else 'NO'} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
