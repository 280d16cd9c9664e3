"""What keeping the event pair graph and the result memo saves an increment (issue #8): the stories
stage of a store grown by 100 articles, with the last run's pairs and per-event evidence read back
(`EventIndex.add_states(known=)` and `use_result_memo`, what `analyze` does since session 6) vs
everything computed again (what it did before), side by side in one process on the same features.

    nice .venv/bin/python bench/events_known_pairs.py [--sizes 5000,10000,37547] [--add 100]

Per size (reproducible allsides sample, `events_common.load_allsides`; features from
`events_scale._features`, cached in /tmp): the last N-100 articles are clustered and their graph and
result memo written to bytes and read back as the store would (`memo.pack`/`unpack`, timed and
sized), then the stage's clustering over all N runs both ways: pairs (known + new articles' pairs,
or all pairs), the batch `recluster()` and `result()` (seeded with the memo, or not). CPU seconds of
this process; both ways must give the same events, evidence and storylines (checked).
"""
from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import REPO  # noqa: E402

sys.path.insert(0, str(REPO / "src"))
from events_scale import _features  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,10000,37547")
    ap.add_argument("--add", type=int, default=100)
    args = ap.parse_args()
    from storytrace.stories.index import EventIndex
    from storytrace.stories.memo import pack, unpack
    from storytrace.stories.pairs import KnownPairs

    print("| N | pairs | graph + memo bytes (MB) | encode / decode CPU s | pairs: all / known + new CPU s "
          "| recluster CPU s | result: fresh / seeded CPU s | stage: before / after CPU s | same result |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        feats, _ = _features(n)
        ids = sorted(feats)
        new = set(ids[:: max(1, len(ids) // args.add)][:args.add])  # spread over the sample, as adds are
        old = EventIndex()
        old.add_states({a: feats[a] for a in ids if a not in new})
        old.recluster()
        old.result()
        t = _cpu()
        blob = old.pair_graph().to_bytes(["t"] * len(old.ids))
        mblob = pack(*old.result_memo())
        enc = _cpu() - t
        del old
        t = _cpu()
        known = KnownPairs.from_bytes(blob)
        head, arrays = unpack(mblob)
        dec = _cpu() - t
        runs = {}
        for way in ("all", "known"):
            idx = EventIndex()
            t = _cpu()
            idx.add_states(feats, known=known if way == "known" else None)
            tp = _cpu() - t
            t = _cpu()
            idx.recluster()
            tr = _cpu() - t
            t = _cpu()
            if way == "known":
                idx.use_result_memo(head, arrays, keep=lambda a: True)
            res = idx.result()
            ts = _cpu() - t
            runs[way] = (tp, tr, ts, len(idx.graph), [e.to_dict() for e in res.events],
                         [x.to_dict() for x in res.storylines])
            del idx, res
        (pa, ra, sa, m, ev_a, st_a), (pk, rk, sk, _, ev_k, st_k) = runs["all"], runs["known"]
        same = ev_a == ev_k and st_a == st_k
        print(f"| {n:,} | {m:,} | {len(blob) / 2**20:.1f} + {len(mblob) / 2**20:.1f} | {enc:.2f} / {dec:.2f} | {pa:.1f} / {pk:.1f} | "
              f"{ra:.1f} / {rk:.1f} | {sa:.1f} / {sk:.1f} | {pa + ra + sa:.1f} / {dec + pk + rk + sk:.1f} | "
              f"{'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
