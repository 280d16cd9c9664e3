"""Event clustering at scale on allsides (37k): batch cost before/after, and the cost of adding 100.

    .venv/bin/python bench/events_scale.py [--sizes 1000,5000,10000,37547] [--before-max 10000]
    .venv/bin/python bench/events_scale.py --incremental [--sizes 1000,5000,10000,37547]

Batch: each size runs in its own process (CPU seconds and peak RSS of that process), on a
reproducible random sample of allsides (`events_common.load_allsides`). Per-article features
(`article_state`: the vectoriser, the part the store caches) are computed once per size, timed on
their own and kept in /tmp between runs; then the stories stage proper: pairs, components and
average link (`recluster`), storylines and evidence (`result`).
"before" is the clustering code of commit f160aa8 (session 2), read from git into a temporary
package, with today's look-alike split and features so that partitions compare: the columns say
whether the new code gives the same partition and the same full result (ids, storylines, evidence).
Incremental: N articles clustered, then 100 more added with `add(..., place=False)` + `update()`
(re-clusters the components they touch), timed, and compared with the batch result of all N + 100.
"""
from __future__ import annotations

import argparse
import datetime
import json
import pickle
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import REPO, load_allsides, replace_section  # noqa: E402

BEFORE_COMMIT = "f160aa8"
FEATS = Path(tempfile.gettempdir()) / "storytrace-events-scale"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _features(n: int) -> tuple[dict, float]:
    """{id: article_state} of a reproducible sample of n allsides articles, and its CPU seconds."""
    from storytrace.stories.index import article_state
    FEATS.mkdir(exist_ok=True)
    f = FEATS / f"feats-{n}.pkl"
    if f.exists():
        d = pickle.loads(f.read_bytes())
        return d["feats"], d["cpu"]
    arts = load_allsides(n if n < 37547 else None)
    t = _cpu()
    feats = {a.id: article_state(a) for a in arts}
    cpu = _cpu() - t
    f.write_bytes(pickle.dumps({"feats": feats, "cpu": cpu}))
    return feats, cpu


def _before_package() -> Path:
    """The session-2 clustering code (index, linkage, result) as package `stories_before`."""
    d = FEATS / f"before-{BEFORE_COMMIT}"
    pkg = d / "stories_before"
    if not pkg.exists():
        pkg.mkdir(parents=True)
        for name in ("index", "linkage", "result"):
            src = subprocess.run(["git", "-C", str(REPO), "show", f"{BEFORE_COMMIT}:src/storytrace/stories/{name}.py"],
                                 check=True, capture_output=True, text=True).stdout
            src = (src.replace("from ..dates", "from storytrace.dates").replace("from ..model", "from storytrace.model")
                   .replace("from . import features", "from storytrace.stories import features")
                   .replace("from .mentions", "from storytrace.stories.mentions"))
            if name == "index":  # today's look-alike split, so that partitions compare
                src = src.replace("from .linkage import average_link, cosine, split_lookalikes",
                                  "from .linkage import average_link, cosine\n"
                                  "from storytrace.stories.linkage import split_lookalikes")
            (pkg / f"{name}.py").write_text(src, encoding="utf-8")
        (pkg / "__init__.py").write_text("", encoding="utf-8")
    return d


def child_batch(n: int, impl: str, out: Path) -> None:
    feats, feat_cpu = _features(n)
    if impl == "before":
        sys.path.insert(0, str(_before_package()))
        from stories_before.index import EventIndex
    else:
        from storytrace.stories import EventIndex
    from dataclasses import asdict

    from storytrace.stories import Params
    rss0, t0 = _peak_mb(), _cpu()
    if impl == "before":
        idx = EventIndex.from_state({"version": 2, "params": asdict(Params()), "articles": feats, "est": {}, "events": []})
        pairs = sum(len(v) for v in idx.adj.values()) // 2
    else:
        idx = EventIndex()
        idx.add_states(feats)
        pairs = len(idx.graph)
    t1 = _cpu()
    idx.recluster()
    t2 = _cpu()
    res = idx.result()
    t3 = _cpu()
    comp = idx.component_sizes()[0] if impl == "after" else None
    doc = res.to_dict()
    out.write_text(json.dumps({
        "n": len(feats), "impl": impl, "features_cpu": feat_cpu, "pairs_cpu": t1 - t0, "recluster_cpu": t2 - t1,
        "result_cpu": t3 - t2, "stage_cpu": t3 - t0, "peak_mb": _peak_mb(), "peak_before_mb": rss0,
        "pairs": pairs, "largest_component": comp, "events": len(doc["events"]),
        "largest_event": max(len(e["article_ids"]) for e in doc["events"]),
        "partition": sorted(sorted(e["article_ids"]) for e in doc["events"]), "result": doc}))


def child_incremental(n: int, out: Path, check: bool) -> None:
    import random

    from storytrace.stories import EventIndex
    feats, _ = _features(37547)
    ids = sorted(feats)
    pick = sorted(random.Random(0).sample(ids, min(len(ids), n + 100)))
    random.Random(1).shuffle(pick)
    old, new = pick[:-100], pick[-100:]
    idx = EventIndex()
    t = _cpu()
    idx.add_states({a: feats[a] for a in old})
    idx.recluster()
    idx.result()
    first_cpu = _cpu() - t
    first_comp = idx.component_sizes()[0]
    t0 = _cpu()
    idx.add_states({a: feats[a] for a in new})
    t1 = _cpu()
    idx.update()
    t2 = _cpu()
    res = idx.result()
    t3 = _cpu()
    row = {"n": len(old), "mode": "exact", "first_cpu": first_cpu, "pairs_cpu": t1 - t0, "update_cpu": t2 - t1, "result_cpu": t3 - t2,
           "add_cpu": t3 - t0, "reclustered": idx.last_update_size, "largest_component": first_comp,
           "peak_mb": _peak_mb()}
    if check:
        full = EventIndex()
        full.add_states({a: feats[a] for a in pick})
        t = _cpu()
        full.recluster()
        row["batch_cpu"] = _cpu() - t
        bres = full.result()
        row["equal"] = bres.to_dict() == res.to_dict()
        from events_common import bcubed
        row["bcubed_f1"] = bcubed(res.event_of(), bres.event_of())[2]
    out.write_text(json.dumps(row))


def _run_child(args: list[str], timeout: float) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, __file__, "--child", *args, "--out", str(out)]
    try:
        subprocess.run(cmd, check=True, timeout=timeout)
        return json.loads(out.read_text())
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"  {' '.join(args)}: {type(e).__name__}", flush=True)
        return None
    finally:
        out.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,10000,37547")
    ap.add_argument("--before-max", type=int, default=10000, help="run the session-2 code up to this size")
    ap.add_argument("--incremental", action="store_true")
    ap.add_argument("--check-max", type=int, default=10000, help="incremental: compare with batch up to this size")
    ap.add_argument("--timeout", type=float, default=1500)
    ap.add_argument("--child", nargs="*")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        if kind == "batch":
            child_batch(n, args.child[2], Path(args.out))
        else:
            child_incremental(n, Path(args.out), args.child[2] == "check")
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    today = datetime.date.today().isoformat()
    cmd = "`.venv/bin/python bench/events_scale.py" + (" --incremental" if args.incremental else "") + f" --sizes {args.sizes}`"
    if args.incremental:
        rows = []
        for n in sizes:
            r = _run_child(["incremental", str(n), "check" if n <= args.check_max else "nocheck"], args.timeout)
            if r:
                rows.append(r)
                print(r, flush=True)
        body = [f"### Adding 100 articles to a clustered store (allsides), {today}", "",
                f"Command: {cmd} (2 shared cores under load from other jobs: CPU seconds of one process).", "",
                "| store N | update | first analysis CPU s | +100: pairs CPU s | +100: update() CPU s | +100: result() CPU s | "
                "+100 total CPU s | articles re-clustered | largest component (of N) | batch recluster of N+100 CPU s | "
                "same result as batch | B-cubed F1 vs batch |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
        for r in rows:
            f1 = f"{r['bcubed_f1']:.4f}" if "bcubed_f1" in r else ""
            body.append(f"| {r['n']} | {r['mode']} | {r['first_cpu']:.1f} | {r['pairs_cpu']:.2f} | {r['update_cpu']:.1f} | "
                        f"{r['result_cpu']:.1f} | {r['add_cpu']:.1f} | {r['reclustered']} | {r['largest_component']} | "
                        f"{r.get('batch_cpu', float('nan')):.1f} | {r.get('equal', 'not checked')} | {f1} |")
        section = "events-scale-incremental"
    else:
        rows = []
        for n in sizes:
            for impl in ("before", "after"):
                if impl == "before" and n > args.before_max:
                    continue
                r = _run_child(["batch", str(n), impl], args.timeout)
                if r:
                    rows.append(r)
                    print({k: v for k, v in r.items() if k not in ("partition", "result")}, flush=True)
        by = {(r["n"], r["impl"]): r for r in rows}
        body = [f"### Batch clustering, allsides sample of N, before (session 2) vs after, {today}", "",
                f"Command: {cmd} (2 shared cores under load from other jobs: CPU seconds of one process; "
                "peak MB of the process, including the loaded features).", "",
                "| N | code | features CPU s | pairs CPU s | recluster CPU s | result CPU s | stage CPU s (without features) | "
                "peak MB | pairs | largest component | events | same partition / same full result as before |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in rows:
            same = ""
            if r["impl"] == "after" and (r["n"], "before") in by:
                b = by[(r["n"], "before")]
                same = f"{r['partition'] == b['partition']} / {r['result'] == b['result']}"
            body.append(f"| {r['n']} | {r['impl']} | {r['features_cpu']:.0f} | {r['pairs_cpu']:.1f} | "
                        f"{r['recluster_cpu']:.1f} | {r['result_cpu']:.1f} | **{r['stage_cpu']:.1f}** | "
                        f"{r['peak_mb']:.0f} | {r['pairs']} | {r['largest_component'] or ''} | {r['events']} | {same} |")
        section = "events-scale-batch"
    replace_section(REPO / "bench" / "results" / "events.md", section, "\n".join(body))


if __name__ == "__main__":
    main()
