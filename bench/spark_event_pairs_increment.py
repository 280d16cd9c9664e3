"""Spark engine, one increment's event pairs: every pair (what a Spark increment computed before) vs only
the new articles' pairs beside the stored graph (`event_pairs(only=...)`), side by side in one run.

    nice .venv/bin/python bench/spark_event_pairs_increment.py [--sizes 5000,10000] [--add 100] [--master local[2]]

For each N: the first N + `--add` allsides articles (shard order) and their event features
(`article_state`, computed once on the driver); then, alternately twice: `event_pairs(states)`
(every candidate pair, in date blocks on the executors) and `event_pairs(states, only=last --add
articles)` (`_blocks_touching`). CPU seconds of the whole process tree (driver, JVM, Python workers;
bench/spark_scaling.py's `Monitor`) and wall seconds. Checked: the new articles' pairs are exactly
the pairs of the full product that touch them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import replace_section  # noqa: E402
from spark_scaling import Monitor, load  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000,10000")
    ap.add_argument("--add", type=int, default=100)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "spark.md")
    a = ap.parse_args()
    from storytrace.engines.spark import spark_session
    from storytrace.engines.spark_stages import event_pairs
    from storytrace.stories import Params
    from storytrace.stories.index import article_state

    rows = []
    with spark_session(a.master) as spark:
        for n in (int(x) for x in a.sizes.split(",")):
            arts = load(n + a.add)
            p = Params()
            states: dict = {}
            for art in arts:
                states.setdefault(art.id, article_state(art, p))
            new = {art.id for art in arts[n:]} - {art.id for art in arts[:n]}
            got: dict = {"all": [], "new": []}
            for _ in range(2):
                for kind in ("all", "new"):
                    t0 = time.perf_counter()
                    with Monitor() as m:
                        pairs = event_pairs(states, p, spark=spark, only=None if kind == "all" else new)
                    got[kind].append((m.cpu, time.perf_counter() - t0, pairs))
                    print(n, kind, round(m.cpu, 1), round(got[kind][-1][1], 1), len(pairs), flush=True)
            whole = got["all"][0][2]
            same = got["new"][0][2] == [t for t in whole if t[0] in new or t[1] in new]
            rows.append((n, len(states), len(new), len(whole), len(got["new"][0][2]), got, same))
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "nice .venv/bin/python bench/spark_event_pairs_increment.py " + " ".join(sys.argv[1:])
    out = [f"{now}, 2 shared cores, `{a.master}`. Command: `{cmd}`. Event pairs of an increment with `--engine spark`: "
           "before, every pair of the grown store in executors; now the stored graph is read back and only the new "
           "articles' pairs are sent (`event_pairs(only=)`, `_blocks_touching`). CPU s of the process tree "
           "(driver + JVM + Python workers), two runs each, alternated.", "",
           "| N (+ new) | pairs: all / touching the new | all pairs: CPU s (runs) | wall s | new articles' pairs: CPU s (runs) "
           "| wall s | CPU ratio (means) | same pairs as the full product's |",
           "|---|---|---|---|---|---|---:|---|"]
    for n, tot, k, np_all, np_new, got, same in rows:
        ca, cn = [x[0] for x in got["all"]], [x[0] for x in got["new"]]
        wa, wn = [x[1] for x in got["all"]], [x[1] for x in got["new"]]
        out.append(f"| {tot - k:,} (+{k}) | {np_all:,} / {np_new:,} | {' / '.join(f'{x:.1f}' for x in ca)} | "
                   f"{' / '.join(f'{x:.1f}' for x in wa)} | {' / '.join(f'{x:.1f}' for x in cn)} | "
                   f"{' / '.join(f'{x:.1f}' for x in wn)} | {sum(cn) / sum(ca):.3f} | {'yes' if same else 'NO'} |")
    body = "\n".join(out)
    print(body)
    replace_section(a.out, "spark-event-pairs-increment", body)


if __name__ == "__main__":
    main()
