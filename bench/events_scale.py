"""Event clustering at scale on allsides (37k): batch cost before/after, and the cost of adding 100.

    .venv/bin/python bench/events_scale.py [--sizes 1000,5000,10000,37547] [--before-max 10000]
    .venv/bin/python bench/events_scale.py --incremental [--sizes 1000,5000,10000,37547]
    .venv/bin/python bench/events_scale.py --incremental --sizes 10000 --variants "mode=region,reach=1;mode=region,reach=0;mode=grow"

Batch: each size runs in its own process (CPU seconds and peak RSS of that process), on a
reproducible random sample of allsides (`events_common.load_allsides`). Per-article features
(`article_state`: the vectoriser, the part the store caches) are computed once per size, timed on
their own and kept in /tmp between runs; then the stories stage proper: pairs, components and
average link (`recluster`), storylines and evidence (`result`).
"before" is the clustering code of commit f160aa8 (session 2), read from git into a temporary
package, with today's look-alike split and features so that partitions compare: the columns say
whether the new code gives the same partition and the same full result (ids, storylines, evidence).
Incremental: N articles clustered, then 100 more added with `add_states` + `update()` (modes:
`exact` = update(exact=True), `auto` = update() (bounded above `BOUNDED_FROM`), `one` = 100 updates
of one article), timed, and compared with the batch result of all N + 100 (B-cubed, article pairs
placed differently, and how much batch itself reshuffles the old articles). `--variants` compares
settings of the bounded update (`stories.index.BOUNDED_*`) on one sample.
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


def _together(m: dict) -> int:
    from collections import Counter
    return sum(c * (c - 1) // 2 for c in Counter(m.values()).values())


def _pairs_apart(a: dict, b: dict) -> int:
    """Article pairs in one event in one partition and apart in the other."""
    return _together(a) + _together(b) - 2 * _together({x: (a[x], b[x]) for x in a})


def _estimate_loop(self, aid: str):
    """`EventIndex._estimate` as it was before session 7 (a Python loop over the strong neighbours):
    variant `estimate=loop`, to measure the array version side by side."""
    p = self.params
    nb, sv = self.graph.neighbors(self.num[aid])
    ids, day = self.ids, self.day
    days = sorted(d for b in nb[sv >= p.event_threshold].tolist() if (d := day[ids[b]]) is not None)
    return self._estimate_from(aid, days)


def _stream(feats: dict) -> list[str]:
    """Every article in the order a newsroom's feed brings them: by publication day (then id), the
    undated ones at random places of the stream (a fixed seed). The first N are a store, the next 100
    the articles it adds: the store grows in time, its density (articles per window) stays that of
    the corpus, unlike a random sample of N, which is N/37k as dense."""
    import random
    dated = sorted((s["d"], a) for a, s in feats.items() if s["d"] is not None)
    keys = {a: float(i) for i, (_, a) in enumerate(dated)}
    rnd = random.Random(2)
    for a in sorted(a for a, s in feats.items() if s["d"] is None):
        keys[a] = rnd.uniform(0, len(dated))
    return sorted(keys, key=lambda a: (keys[a], a))


def _result_scan() -> None:
    """`result()` as before session 8: one pass over every article pair for the event pairs, and
    every needed event centroid summed again (none kept from the last call): variant `result=scan`."""
    from storytrace.stories import index as ix
    pairs, result = ix.EventIndex._event_pairs, ix.EventIndex.result

    def scan_pairs(self, *a, **k):
        keep, self._res_cache = self._res_cache, None  # the branch taken without a last call
        try:
            return pairs(self, *a, **k)
        finally:
            self._res_cache = keep

    def fresh_centroids(self):
        if self._res_cache is not None:
            self._res_cache.pop("cent", None)
        return result(self)
    ix.EventIndex._event_pairs, ix.EventIndex.result = scan_pairs, fresh_centroids


def _set_variant(variant: str) -> None:
    """'mode=grow,reach=0.5': the bounded update's module constants (stories.index.BOUNDED_*);
    'estimate=loop': the undated-day estimate of before session 7; 'result=scan': result() of
    before session 8; 'order=stream': the store grows in publication order (`_stream`); 'order=tail':
    the same last 100 of that stream after the N articles before them; 'undated=drop': dated articles only."""
    from storytrace.stories import index as ix
    conv = {"mode": str, "reach": float, "top": int, "hops": int, "rounds": int, "from": int}
    for kv in filter(None, variant.split(",")):
        k, v = kv.split("=")
        if k in ("order", "undated"):  # read by child_incremental
            continue
        if k == "result":
            if v == "scan":
                _result_scan()
            continue
        if k == "estimate":
            if v == "loop":
                ix.EventIndex._estimate = _estimate_loop
            continue
        setattr(ix, f"BOUNDED_{k.upper()}", conv[k](v))


def child_incremental(n: int, out: Path, check: bool, mode: str = "auto", variant: str = "") -> None:
    """N articles clustered (recluster + result), then 100 more: `mode` exact (update(exact=True)),
    auto (update(): bounded above BOUNDED_FROM) as one update, or one (100 updates of one article)."""
    import random

    from storytrace.stories import EventIndex
    _set_variant(variant)
    feats, _ = _features(37547)
    if "undated=drop" in variant.split(","):  # only the dated articles (what grows with the store otherwise)
        feats = {a: s for a, s in feats.items() if s["d"] is not None}
    if "order=stream" in variant.split(","):
        pick = _stream(feats)[:n + 100]
    elif "order=tail" in variant.split(","):  # the same last 100 of the stream, after the n before them
        pick = _stream(feats)[-(n + 100):]
    else:
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
    before = {a: g[0] for g in idx.event_groups() for a in g}
    # The neighbour lookup index of every pair (one argsort, once per index and process: what the
    # first update would pay), built and timed apart from the per-article cost.
    t = _cpu()
    idx.graph.neighbors(0)
    index_cpu = _cpu() - t
    exact = True if mode == "exact" else None
    t0 = _cpu()
    pairs_cpu = upd_cpu = res_cpu = 0.0
    region = 0
    res_calls = 0
    for chunk in ([new] if mode != "one" else [[a] for a in new]):
        ta = _cpu()
        idx.add_states({a: feats[a] for a in chunk})
        tb = _cpu()
        idx.update(exact=exact)
        tc = _cpu()
        pairs_cpu += tb - ta
        upd_cpu += tc - tb
        region += idx.last_update_size
        if mode != "one" or res_calls < 5:  # one at a time: result() after the first five only
            res = idx.result()
            res_cpu += _cpu() - tc
            res_calls += 1
    if mode == "one":
        res = idx.result()
    row = {"n": len(old), "mode": mode, "variant": variant, "first_cpu": first_cpu, "index_cpu": index_cpu,
           "pairs_cpu": pairs_cpu, "update_cpu": upd_cpu,
           "result_cpu": res_cpu / res_calls, "add_cpu": pairs_cpu + upd_cpu,
           "ms_per_article": 1000 * (pairs_cpu + upd_cpu) / len(new),
           "reclustered": region, "largest_component": first_comp, "peak_mb": _peak_mb()}
    import hashlib
    row["result_sha"] = hashlib.sha1(json.dumps(res.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
    if check:
        full = EventIndex()
        full.add_states({a: feats[a] for a in pick})
        t = _cpu()
        full.recluster()
        row["batch_cpu"] = _cpu() - t
        bres = full.result()
        row["equal"] = bres.to_dict() == res.to_dict()
        from events_common import bcubed
        got, want = res.event_of(), bres.event_of()
        row["bcubed_f1"] = bcubed(got, want)[2]
        row["pairs_apart"] = _pairs_apart(got, want)
        row["pairs_together"] = _together(want)
        # What batch itself changes among the old articles when 100 arrive (its own reshuffle).
        row["batch_reshuffle"] = _pairs_apart(before, {a: want[a] for a in before})
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
    ap.add_argument("--modes", default="exact,auto,one", help="incremental: exact, auto, one")
    ap.add_argument("--variants", default="", help="incremental: ';'-separated bounded-update variants, "
                    "e.g. 'mode=region,reach=1;mode=grow' (one table of them instead)")
    ap.add_argument("--exact-max", type=int, default=10000, help="incremental: exact mode up to this size")
    ap.add_argument("--timeout", type=float, default=1500)
    ap.add_argument("--section", help="variants: the results section to write (default events-scale-bounded-variants)")
    ap.add_argument("--child", nargs="*")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        if kind == "batch":
            child_batch(n, args.child[2], Path(args.out))
        else:
            child_incremental(n, Path(args.out), args.child[2] == "check", args.child[3],
                              args.child[4] if len(args.child) > 4 else "")
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    today = datetime.date.today().isoformat()
    cmd = "`.venv/bin/python bench/events_scale.py" + (" --incremental" if args.incremental else "") + f" --sizes {args.sizes}`"
    if args.incremental:
        cmd = cmd[:-1] + f" --modes {args.modes}`"
    if args.incremental and args.variants:
        # Variants of the bounded update (module constants), side by side on the same sample.
        rows = []
        # Variants alternate within each size and mode, so load drifts hit them alike.
        modes = [m for m in args.modes.split(",") if m != "exact"] or ["auto"]
        for n in sizes:
            for mode in modes:
                for v in args.variants.split(";"):
                    r = _run_child(["incremental", str(n), "check" if n <= args.check_max else "nocheck", mode, v],
                                   args.timeout)
                    if r:
                        rows.append(r)
                        print(r, flush=True)
        section = args.section or "events-scale-bounded-variants"
        body = [f"### Bounded update variants, {today}", "",
                f"Command: `.venv/bin/python bench/events_scale.py --incremental --sizes {args.sizes} --modes {args.modes} "
                f"--variants '{args.variants}'" + (f" --section {args.section}" if args.section else "")
                + "` (CPU seconds of one process; `auto` = +100 articles in one `update()`, `one` = 100 updates "
                "of one article; result hash: the same result when equal).", "",
                "| store N | mode | variant | first analysis CPU s | neighbour index CPU s (once) | CPU ms per added article | "
                "+100: pairs CPU s | update() CPU s | result() CPU s per call | articles re-clustered | result hash | "
                "B-cubed F1 vs batch | pairs placed differently / together in batch | batch reshuffle |",
                "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
        for r in rows:
            chk = (f"{r['bcubed_f1']:.4f} | {r['pairs_apart']} / {r['pairs_together']} | {r['batch_reshuffle']}"
                   if "bcubed_f1" in r else "not checked | | ")
            body.append(f"| {r['n']} | {r['mode']} | `{r['variant'] or 'defaults'}` | {r['first_cpu']:.1f} | "
                        f"{r['index_cpu']:.2f} | **{r['ms_per_article']:.1f}** | {r['pairs_cpu']:.2f} | {r['update_cpu']:.2f} | "
                        f"{r['result_cpu']:.2f} | {r['reclustered']} | {r.get('result_sha', '')} | {chk} |")
        replace_section(REPO / "bench" / "results" / "events.md", section, "\n".join(body))
        return
    if args.incremental:
        rows = []
        modes = args.modes.split(",")
        for n in sizes:
            for mode in modes:
                if mode == "exact" and n > args.exact_max:
                    continue
                r = _run_child(["incremental", str(n), "check" if n <= args.check_max else "nocheck", mode], args.timeout)
                if r:
                    rows.append(r)
                    print(r, flush=True)
        body = [f"### Bounded update, fourth session: adding 100 articles to a clustered store (allsides), {today}", "",
                f"Command: {cmd} (2 shared cores under load from other jobs: CPU seconds of one process).", "",
                "Modes: `exact` = `update(exact=True)` (re-clusters the touched components: the batch partition); "
                "`auto` = `update()` (bounded path when the touched components hold more than `BOUNDED_FROM` articles), "
                "the 100 in one update; `one` = 100 updates of one article each (`storytrace add` one at a time). "
                "CPU ms per article = (pairs + update) / 100; result() CPU is per call (`one`: mean of its first five). "
                "Agreement with a batch recluster of the same N+100 articles: B-cubed F1 and the article pairs placed "
                "differently (of the pairs batch puts together); \"batch reshuffle\": pairs among the N old articles that "
                "batch itself places differently once the 100 arrive (what a method that leaves old events alone would "
                "differ by).", "",
                "| store N | mode | first analysis CPU s | CPU ms per added article | +100: pairs CPU s | update() CPU s | "
                "result() CPU s per call | articles re-clustered (sum) | largest component (of N) | batch recluster of N+100 CPU s | "
                "same full result as batch | B-cubed F1 vs batch | pairs placed differently / together in batch | batch reshuffle |",
                "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
        for r in rows:
            f1 = f"{r['bcubed_f1']:.4f}" if "bcubed_f1" in r else ""
            apart = f"{r['pairs_apart']} / {r['pairs_together']}" if "pairs_apart" in r else ""
            body.append(f"| {r['n']} | {r['mode']} | {r['first_cpu']:.1f} | **{r['ms_per_article']:.1f}** | "
                        f"{r['pairs_cpu']:.2f} | {r['update_cpu']:.2f} | {r['result_cpu']:.1f} | {r['reclustered']} | "
                        f"{r['largest_component']} | {r.get('batch_cpu', float('nan')):.1f} | {r.get('equal', 'not checked')} | "
                        f"{f1} | {apart} | {r.get('batch_reshuffle', '')} |")
        section = "events-scale-bounded"
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
