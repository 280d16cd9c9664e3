"""Memory and CPU of `EventIndex.result()` after a batch re-clustering of a grown store (allsides).

    nice .venv/bin/python bench/events_result_memory.py [--size 37547] [--src DIR]

What the pipeline's stories stage does on an increment: N articles clustered and their result made,
100 more added and everything re-clustered (`recluster()`), then `result()` with the last call's
results kept (unchanged events keep their evidence and cosines; every event pair touching a changed
event gets its centroid cosine again). Printed: CPU seconds of that `result()`, the process RSS before
it and its peak during it (the kernel's high-water mark reset just before), and a hash of the result.
`--src` runs another checkout's `src` (e.g. an older commit's, extracted with `git archive`), to
compare side by side on the same features (`bench/events_scale.py` caches them in /tmp).
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=37547, help="articles in all (the last 100 are the added ones)")
    ap.add_argument("--src", default=str(HERE.parent / "src"))
    args = ap.parse_args()
    sys.path.insert(0, args.src)
    sys.path.insert(1, str(HERE))
    import events_scale as es
    from e2e_scale import _reset_peak, _status_kb

    from storytrace.stories import EventIndex
    feats, _ = es._features(37547)
    ids = sorted(feats)
    ids = sorted(random.Random(0).sample(ids, min(args.size, len(ids))))
    random.Random(1).shuffle(ids)
    old, new = ids[:-100], ids[-100:]
    idx = EventIndex()
    idx.add_states({a: feats[a] for a in old})
    idx.recluster()
    idx.result()
    idx.add_states({a: feats[a] for a in new})
    idx.recluster()  # as the pipeline: batch partition of the grown store, the last result kept
    gc.collect()
    _reset_peak()
    base = _status_kb("VmRSS") / 1024
    t = time.process_time()
    res = idx.result()
    cpu = time.process_time() - t
    peak = _status_kb("VmHWM") / 1024
    sha = hashlib.sha1(json.dumps(res.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
    print(f"src {args.src}: {len(ids)} articles, result() {cpu:.1f} CPU s, RSS before {base:.0f} MB, "
          f"peak during result() {peak:.0f} MB (+{peak - base:.0f}), result {sha}")


if __name__ == "__main__":
    main()
