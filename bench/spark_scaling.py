"""Local engine vs Spark, stage by stage, at growing allsides sizes, with agreement.

    .venv/bin/python bench/spark_scaling.py [--sizes 1000 5000] [--master local[2]] [--out bench/results/spark.md]

Both engines get the same articles (cleaned by storytrace's readers). Per size and stage: wall
seconds on each engine, and whether the results are identical:
- events: `stories.cluster` vs `engines.spark_stages.cluster` (event features in executors);
- reuse: `reuse.find_derivations` vs `engines.spark_reuse.find_derivations` (candidates and
  alignment by pair in executors; the driver re-aligns only pairs with reuse);
- attributions: `extract_attributions` per article vs `engines.spark_stages.attributions`.
The split of Spark time between executors and driver feeds the 10M-article projection. The table
is rewritten after every size (a long run that is cut short keeps what it measured).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
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


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _d(ds):
    return [d.to_dict() for d in ds]


def _code_stamp() -> float:
    """Newest source file time: a comparison is void if storytrace's code changed while it ran
    (executors may import the new code, the driver keeps the old)."""
    return max(p.stat().st_mtime for p in (REPO / "src/storytrace").rglob("*.py"))


def _same(flag: bool, stamp: float) -> bool | None:
    return flag if _code_stamp() == stamp else None


def measure(arts, spark, master: str) -> list[dict]:
    from storytrace.engines import spark_reuse, spark_stages
    from storytrace.reuse import find_derivations
    from storytrace.sources import extract_attributions
    from storytrace.stories import cluster

    rows = []
    n = len(arts)
    stamp = _code_stamp()
    lev, tl = _timed(lambda: cluster(arts))
    st: dict = {}
    sev, ts = _timed(lambda: spark_stages.cluster(arts, spark=spark, timings=st))
    same = [e.to_dict() for e in lev.events] == [e.to_dict() for e in sev.events] and \
        [s.to_dict() for s in lev.storylines] == [s.to_dict() for s in sev.storylines]
    rows.append({"n": n, "stage": "events", "local": tl, "spark": ts, "same": _same(same, stamp),
                 "size": f"{len(lev.events)} events",
                 "split": f"executors {st['features_in_executors']:.1f} s, driver {st['cluster_on_driver']:.1f} s"})
    print(rows[-1], flush=True)

    stamp = _code_stamp()
    lr, tl = _timed(lambda: find_derivations(arts))
    sr, ts = _timed(lambda: spark_reuse.find_derivations(arts, spark=spark))
    same = _d(lr.derivations) == _d(sr.derivations) and _d(lr.undirected) == _d(sr.undirected) and \
        lr.wire_origins == sr.wire_origins
    sp = sr.stats["spark"]
    driver = sr.stats["seconds"]["align_and_decide"] + sr.stats["seconds"]["graph"]
    rows.append({"n": n, "stage": "reuse", "local": tl, "spark": ts, "same": _same(same, stamp),
                 "size": f"{lr.stats['candidate_pairs']} pairs, {sp['pairs_with_reuse']} kept for the driver (reuse or same-story), "
                         f"{len(lr.derivations)} derivations",
                 "split": f"candidates {sp['seconds']['candidates']:.1f} s, alignment in executors "
                          f"{sp['seconds']['align_in_executors']:.1f} s, driver {driver:.1f} s "
                          f"(local: candidates {lr.stats['seconds']['prepare_and_candidates']:.1f} s, "
                          f"alignment {lr.stats['seconds']['align_and_decide']:.1f} s)"})
    print(rows[-1], flush=True)

    stamp = _code_stamp()
    la, tl = _timed(lambda: [x for a in arts for x in extract_attributions(a)])
    sa, ts = _timed(lambda: spark_stages.attributions(arts, spark=spark))
    rows.append({"n": n, "stage": "attributions", "local": tl, "spark": ts, "same": _same(la == sa, stamp),
                 "size": f"{len(la)} attributions", "split": "all in executors"})
    print(rows[-1], flush=True)
    return rows


def write(rows: list[dict], args, load_avg: list[float]) -> None:
    lines = [f"## Stages on the local engine vs Spark {args.master}", "",
             f"{dt.date.today()}, 2-core machine shared with other jobs (load average during the run "
             f"{min(load_avg):.1f}-{max(load_avg):.1f}: wall times are inflated and noisy; compare within a row). "
             f"Command: `.venv/bin/python bench/spark_scaling.py --sizes {' '.join(map(str, args.sizes))}`", "",
             "| articles | stage | local s | spark s | identical | what | where Spark's time went |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['stage']} | {r['local']:.1f} | {r['spark']:.1f} | "
                     f"{ {True: 'yes', False: 'NO', None: 'void: code changed during the run'}[r['same']]} | {r['size']} | {r['split']} |")
    table = "<!-- spark_scaling table -->\n" + "\n".join(lines) + "\n<!-- /spark_scaling table -->"
    out = Path(args.out)
    text = out.read_text() if out.exists() else ""
    a, b = text.find("<!-- spark_scaling table -->"), text.find("<!-- /spark_scaling table -->")
    if a >= 0 and b > a:  # keep the written analysis around the table
        text = text[:a] + table + text[b + len("<!-- /spark_scaling table -->"):]
    else:
        text = table + "\n" + text
    out.write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", default=str(REPO / "bench/results/spark.md"))
    ap.add_argument("--json", help="also write the rows as JSON here")
    args = ap.parse_args()
    from storytrace.engines.spark import candidate_pairs, spark_session

    arts_all = load(max(args.sizes))
    rows: list[dict] = []
    load_avg: list[float] = []
    with spark_session(args.master) as spark:
        candidate_pairs(arts_all[:200], spark=spark)  # warm the JVM and the Python workers
        for n in args.sizes:
            load_avg.append(os.getloadavg()[0])
            rows += measure(arts_all[:n], spark, args.master)
            load_avg.append(os.getloadavg()[0])
            write(rows, args, load_avg)
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
