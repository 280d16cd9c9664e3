"""Ingest throughput and peak memory on allsides, and the cost of re-adding the same corpus.

    .venv/bin/python bench/ingest_throughput.py [--shards 4] [--out bench/results/ingest.md]

Each measurement runs `storytrace add` in a child process so its peak RSS is its own.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))
CLI = [sys.executable, "-m", "storytrace.cli"]


def run(args: list[str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB, summary line) of one child run. CPU seconds are the figure to
    compare on a shared machine: wall time moves with other people's load."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = r0.ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(CLI + args, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{r.stderr[-2000:]}")
    # ru_maxrss of children is the max over all children so far: runs go smallest first.
    return wall, cpu, max(r1.ru_maxrss, before) / 1024, r.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--out", default=str(REPO / "bench/results/ingest.md"))
    args = ap.parse_args()
    shards = sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz"))[: args.shards]
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        first = run(["add", *map(str, shards), "--db", db, "--quiet"])
        again = run(["add", *map(str, shards), "--db", db, "--quiet"])
        size = os.path.getsize(db) / 1e6
    n = int(first[3].split(" new")[0].split()[-1])
    rows = [("first add", first), ("re-add (nothing new)", again)]
    lines = [f"## Ingest throughput (allsides, {len(shards)} shards)", "",
             f"{dt.date.today()}, 2-core shared machine. Command: `.venv/bin/python bench/ingest_throughput.py --shards {args.shards}`",
             "", "| run | articles | wall s | CPU s | articles per CPU s | peak RSS MB | summary |",
             "|---|---|---|---|---|---|---|"]
    for name, (wall, cpu, rss, line) in rows:
        lines.append(f"| {name} | {n} | {wall:.1f} | {cpu:.1f} | {n / cpu:,.0f} | {rss:.0f} | "
                     f"{line.replace('storytrace: ', '')} |")
    lines += ["", f"Store size: {size:.0f} MB. Re-add costs {again[1] / first[1]:.2f}x the first add in CPU time "
              "(unchanged inputs are recognised by fingerprint: read and hashed, not cleaned or written).", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
