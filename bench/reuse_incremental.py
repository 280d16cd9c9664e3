"""The reuse stage alone on a growing store: first run over N articles, then +100, vs recomputing.

    nice .venv/bin/python bench/reuse_incremental.py [--sizes 1000,5000,10000] [--add 100]
                                                     [--out bench/results/reuse.md] [--profile]

For each N, in ONE child process (allsides, first N + add records in shard order, ingested into a
fresh store; `pipeline.analyze_store` with the reuse stage only, as `storytrace analyze` runs it):
1. first run over N (computes every pair, keeps pair results, per-article candidate inputs and
   the same-story pairs in the store);
2. the next `add` records are ingested and the store analysed again (incremental);
3. the same N + add articles analysed without any kept result (`incremental=False`: what every
   run cost before pair results were kept), and its reuse output compared key by key with 2.

CPU seconds (process time) are the figures to compare: the machine is shared. The stories stage
is left out (its own benchmark); without it no publication date is inferred, which only moves
which pairs count as same-story, not the cost structure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from e2e_scale import write_subset  # noqa: E402

KEYS = ("derivations", "undirected_reuse", "wire_origins", "reuse_skipped")


def child(base: str, new: str, workdir: str, result: str, profile: bool) -> None:
    sys.path.insert(0, str(REPO / "src"))
    import resource

    import storytrace.reuse as reuse_pkg
    from storytrace import pipeline
    from storytrace.store import Store

    pipeline.STAGES[:] = [(n, f) for n, f in pipeline.STAGES if n == "reuse"]
    opts = pipeline.Options(quiet=True)
    stats: dict = {}
    real = reuse_pkg.find_derivations

    def recording(*a, **k):
        out = real(*a, **k)
        stats.clear()
        stats.update(out.stats)
        return out

    reuse_pkg.find_derivations = recording
    res: dict = {}

    def run(store, incremental=True):
        c0, t0 = time.process_time(), time.perf_counter()
        if profile and incremental and "first" in res:
            import cProfile
            import pstats

            pr = cProfile.Profile()
            doc = pr.runcall(pipeline.analyze_store, store, opts, incremental=incremental)
            pstats.Stats(pr).sort_stats("cumulative").print_stats(25)
        else:
            doc = pipeline.analyze_store(store, opts, incremental=incremental)
        return doc, {"cpu": time.process_time() - c0, "wall": time.perf_counter() - t0,
                     "articles": len(doc["articles"]), "edges": len(doc["derivations"]),
                     "stats": {k: v for k, v in stats.items()}, "cached": doc.get("cached_results")}

    with Store(Path(workdir) / "r.db") as store:
        pipeline.ingest([base], store, opts)
        _, res["first"] = run(store)
        pipeline.ingest([new], store, opts)
        inc, res["incremental"] = run(store)
        res["db_mb"] = sum(p.stat().st_size for p in Path(workdir).glob("r.db*")) / 1e6
        full, res["full"] = run(store, incremental=False)
        res["equal"] = all(inc[k] == full[k] for k in KEYS)
        res["differing"] = [k for k in KEYS if inc[k] != full[k]]
        res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(result).write_text(json.dumps(res))


def run_size(n: int, add: int, timeout: int, profile: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="reuse-inc-") as tmp:
        both = Path(tmp) / "all.jsonl"
        got = write_subset(n + add, both)
        lines = both.read_text(encoding="utf-8").splitlines(keepends=True)
        (Path(tmp) / "base.jsonl").write_text("".join(lines[:n]), encoding="utf-8")
        (Path(tmp) / "new.jsonl").write_text("".join(lines[n:got]), encoding="utf-8")
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--child", str(Path(tmp) / "base.jsonl"), str(Path(tmp) / "new.jsonl"), tmp,
               str(result), "1" if profile else "0"]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            rc, err, out = p.returncode, p.stderr[-3000:], p.stdout
        except subprocess.TimeoutExpired:
            rc, err, out = "timeout", "", ""
        res = json.loads(result.read_text()) if result.exists() else {}
        res.update(n=n, rc=rc, stderr=err if rc else "", profile=out if profile else "")
        return res


def render(results: list[dict], cmd: str) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"{now}, 2-core machine shared with other jobs (CPU s = process time). Command: `{cmd}`", "",
           "| N | run | articles | CPU s | wall s | candidate pairs | pairs aligned | pairs read back | "
           "edges | +100 CPU / first-run CPU |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for run in ("first", "incremental", "full"):
            x = r.get(run)
            if not x:
                continue
            st = x["stats"]
            ratio = f"{x['cpu'] / r['first']['cpu']:.3f}" if run != "first" else ""
            name = {"first": "first run", "incremental": "+100, pair results kept",
                    "full": "+100, recomputed (no kept results)"}[run]
            out.append(f"| {r['n']} | {name} | {x['articles']} | {x['cpu']:.1f} | {x['wall']:.1f} | "
                       f"{st.get('candidate_pairs', '')} | {st.get('aligned_pairs', '')} | {st.get('pairs_from_cache', '')} | "
                       f"{x['edges']} | {ratio} |")
        if "equal" in r:
            out.append(f"| {r['n']} | incremental == recomputed | | | | | | | "
                       f"{'**equal**' if r['equal'] else 'DIFFERENT: ' + ', '.join(r['differing'])} | |")
        if r.get("rc"):
            out.append(f"| {r['n']} | child exit {r['rc']} | | | | | | | | |")
    return "\n".join(out) + "\n"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1")
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--add", type=int, default=100)
    ap.add_argument("--timeout", type=int, default=2400)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of each incremental run")
    ap.add_argument("--out", default="", help="markdown file to append the table to")
    args = ap.parse_args()
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        r = run_size(n, args.add, args.timeout, args.profile)
        results.append(r)
        print(json.dumps({k: r.get(k) for k in ("n", "rc", "first", "incremental", "full", "equal", "peak_mb", "db_mb")},
                         default=str), flush=True)
        if r.get("profile"):
            print(r["profile"][:6000])
        if r.get("stderr"):
            print(r["stderr"], file=sys.stderr)
    cmd = "nice .venv/bin/python bench/reuse_incremental.py " + " ".join(sys.argv[1:])
    table = render(results, cmd.strip())
    print(table)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
