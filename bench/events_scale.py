"""Throughput, peak memory and cost per added article of event clustering on allsides (37k).

    .venv/bin/python bench/events_scale.py [--limit N] [--budget-s S]

Incremental: the articles are added one at a time in publication order, as a feed delivers them
(`EventIndex.add`; undated ones last), timing each chunk, so the table shows the cost per added
article as the store grows (it must stay flat).
Batch: the same set through `cluster()` (record, then average link per component).
"""
from __future__ import annotations

import argparse
import datetime
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import REPO, load_allsides, replace_section  # noqa: E402

from storytrace.stories import EventIndex, cluster  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--budget-s", type=float, default=1200, help="stop adding after this long")
    ap.add_argument("--no-batch", action="store_true")
    args = ap.parse_args()
    t = time.time()
    arts = load_allsides(args.limit)
    arts.sort(key=lambda a: (a.published is None, (a.published or "")[:10], a.id))
    load_s, load_rss = time.time() - t, rss_mb()
    print(f"loaded {len(arts)} in {load_s:.0f}s, rss {load_rss:.0f} MB", flush=True)

    rows = []
    idx = EventIndex()
    t0 = time.time()
    n = 0
    for i in range(0, len(arts), args.chunk):
        chunk = arts[i: i + args.chunk]
        t = time.time()
        for a in chunk:
            idx.add([a])
        dt = time.time() - t
        n = len(idx)
        rows.append((n, dt / len(chunk) * 1000, max(len(e) for e in idx.event_groups())))
        print(f"store {n}: {rows[-1][1]:.1f} ms per added article", flush=True)
        if time.time() - t0 > args.budget_s:
            break
    inc_s = time.time() - t0
    t = time.time()
    res = idx.result()
    result_s = time.time() - t
    inc_rss = rss_mb()
    sizes = Counter(len(e.article_ids) for e in res.events)

    batch_line = "not run"
    if not args.no_batch:
        t = time.time()
        bres = cluster(arts[:n])
        bs = time.time() - t
        agree = _agreement(res.event_of(), bres.event_of())
        batch_line = (f"{n} articles in {bs:.0f} s = **{n / bs:.0f} articles/s**, peak RSS {rss_mb():.0f} MB "
                      f"(includes the loaded articles, {load_rss:.0f} MB); incremental vs batch partition "
                      f"B-cubed F1 {agree:.3f}")
        print(batch_line, flush=True)

    today = datetime.date.today().isoformat()
    body = [f"## Scale: allsides ({n} of {len(arts)} articles added), {today}", "",
            "Command: `.venv/bin/python bench/events_scale.py" + (f" --limit {args.limit}" if args.limit else "")
            + f" --budget-s {args.budget_s:.0f}` (2 shared cores, under load from other jobs: times are upper bounds)", "",
            f"- incremental (`EventIndex.add`, one article at a time): {n} articles in {inc_s:.0f} s = "
            f"**{n / inc_s:.0f} articles/s**; `result()` (storylines, titles, evidence) {result_s:.1f} s; "
            f"peak RSS {inc_rss:.0f} MB",
            f"- batch (`cluster`): {batch_line}",
            f"- events: {len(res.events)} ({sizes[1]} singletons, largest {max(sizes)} articles), "
            f"storylines: {len(res.storylines)}", "",
            "| store size | ms per added article | largest event |", "|---:|---:|---:|"]
    body += [f"| {s} | {ms:.1f} | {big} |" for s, ms, big in rows]
    replace_section(REPO / "bench" / "results" / "events.md", "events-scale", "\n".join(body))


def _agreement(a: dict[str, str], b: dict[str, str]) -> float:
    from events_common import bcubed
    return bcubed(a, b)[2]


if __name__ == "__main__":
    main()
