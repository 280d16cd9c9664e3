"""Cost of adding 100 articles to an analysed store, as the store grows (allsides, local engine).

    nice .venv/bin/python bench/incremental_scale.py [--sizes 1000,5000] [--add 100]
                                                     [--verify-sizes 1000] [--out bench/results/e2e.md]

For each N, in ONE child process: the first N allsides records (shard order) are ingested into a
fresh store and analysed (`pipeline.analyze_store`, the first run: it computes every stage and keeps
the per-article and per-storyline results); then the next `--add` records are ingested and the store
is analysed again (the incremental run: what `storytrace add --analyze` or `storytrace analyze --db`
does). At the sizes in --verify-sizes the store is then analysed from scratch (`incremental=False`)
and the two analyses are compared key by key (timings aside): they must be equal.

Reported per N: wall and CPU seconds of the first run and of the incremental run, per stage, the
share of results read back (hits) vs computed (misses), and the child's peak RSS. Wall time moves
with other people's load on the shared 2-core machine; CPU seconds are the figure to compare.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from e2e_scale import PeakWhere, _reset_peak, _status_kb, write_subset  # noqa: E402  (write_subset: first N allsides records, shard order)

STAGES = ["stories", "reuse", "sources", "claims", "summary"]
VOLATILE = ("timings", "cached_results")


def child(base: str, new: str, workdir: str, verify: bool, result: str) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from storytrace import pipeline
    from storytrace.store import Store

    import storytrace.reuse as reuse_pkg

    opts = pipeline.Options(quiet=True)
    res: dict = {}
    # CPU seconds per stage (wall seconds move with other people's load) and the reuse stage's
    # own counts (pairs aligned vs read back), recorded around the unchanged stage functions.
    cpu: dict[str, float] = {}
    reuse_stats: dict = {}
    # Each stage's own peak RSS (the kernel's high-water mark reset before it) and where in the
    # code the process stood at its highest sample; "after" = assembling and committing the analysis.
    peak: dict[str, float] = {}
    where: dict[str, str] = {}
    sampler = PeakWhere()

    def cpu_timed(name, fn):
        def run(ctx):
            _reset_peak()
            sampler.reset()
            c0 = time.process_time()
            try:
                fn(ctx)
            finally:
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - c0
                peak[name] = _status_kb("VmHWM") / 1024
                where[name] = sampler.where
                if name == pipeline.STAGES[-1][0]:
                    _reset_peak()
                    sampler.reset()
        return run

    pipeline.STAGES[:] = [(n, cpu_timed(n, f)) for n, f in pipeline.STAGES]
    real_find = reuse_pkg.find_derivations

    def find_recording(*a, **k):
        out = real_find(*a, **k)
        reuse_stats.clear()
        reuse_stats.update({k2: v for k2, v in out.stats.items() if k2 != "seconds"})
        return out

    reuse_pkg.find_derivations = find_recording

    def stage_info() -> dict:
        peak["after"] = _status_kb("VmHWM") / 1024
        where["after"] = sampler.where
        out = {"stage_cpu": dict(cpu), "reuse_stats": dict(reuse_stats), "stage_peak_mb": dict(peak),
               "stage_peak_where": dict(where)}
        cpu.clear()
        reuse_stats.clear()
        peak.clear()
        where.clear()
        return out

    def timed(fn):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t0, time.process_time() - c0

    def save():
        Path(result + ".tmp").write_text(json.dumps(res))
        os.replace(result + ".tmp", result)

    with Store(Path(workdir) / "inc.db") as store:
        pipeline.ingest([base], store, opts)
        res["n_base"] = store.count()
        doc, wall, cpu_s = timed(lambda: pipeline.analyze_store(store, opts))
        res["first"] = {"wall": wall, "cpu": cpu_s, "stages": doc["timings"], "cached": doc.get("cached_results"),
                        **stage_info()}
        res["peak_first_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        save()
        # A user's `add --analyze` is a new process: the first analysis is not in memory then.
        del doc
        pipeline.release_memory()
        added, _, _ = timed(lambda: pipeline.ingest([new], store, opts))
        res["n_added"] = len(added.new)
        stage_info()
        inc, wall, cpu_s = timed(lambda: pipeline.analyze_store(store, opts))
        res["incremental"] = {"wall": wall, "cpu": cpu_s, "stages": inc["timings"], "cached": inc.get("cached_results"),
                              **stage_info()}
        res["n_total"] = store.count()
        res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        res["db_mb"] = sum(p.stat().st_size for p in Path(workdir).glob("inc.db*")) / 1e6
        res["notes"] = inc.get("stage_notes")
        save()
        if verify:
            full, wall, cpu_s = timed(lambda: pipeline.analyze_store(store, opts, incremental=False))
            res["full"] = {"wall": wall, "cpu": cpu_s, "stages": full["timings"], **stage_info()}
            a = {k: v for k, v in inc.items() if k not in VOLATILE}
            b = {k: v for k, v in full.items() if k not in VOLATILE}
            res["equal"] = a == b
            res["differing_keys"] = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            res["reuse_equal"] = all(a.get(k) == b.get(k) for k in ("derivations", "undirected_reuse", "wire_origins",
                                                                     "reuse_skipped"))
            save()


def run_size(n: int, add: int, verify: bool, timeout: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="incr-") as tmp:
        both = Path(tmp) / "all.jsonl"
        got = write_subset(n + add, both)
        lines = both.read_text(encoding="utf-8").splitlines(keepends=True)
        base, new = Path(tmp) / "base.jsonl", Path(tmp) / "new.jsonl"
        base.write_text("".join(lines[:n]), encoding="utf-8")
        new.write_text("".join(lines[n:got]), encoding="utf-8")
        both.unlink()
        result = Path(tmp) / "result.json"
        load0 = os.getloadavg()
        cmd = [sys.executable, __file__, "--child", str(base), str(new), tmp, "1" if verify else "0", str(result)]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            rc, err = p.returncode, p.stderr[-2000:]
        except subprocess.TimeoutExpired:
            rc, err = "timeout", ""
        res = json.loads(result.read_text()) if result.exists() else {}
        res.update(n=n, rc=rc, stderr=err if rc else "", load_before=load0, load_after=os.getloadavg())
        return res


def _f(x, nd=1) -> str:
    return "" if x is None else f"{x:,.{nd}f}"


def render(results: list[dict], cmd: str) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["## Incremental: adding 100 articles to an analysed store (allsides, local engine)", "",
           f"{now}, 2-core machine shared with other engineers' jobs. Command (from the repo root): `{cmd}`", "",
           "First run = the store's first `analyze_store` over N articles (computes everything, keeps the "
           "per-article and per-storyline results). Incremental = ingest the next 100 records, then "
           "`analyze_store` again (what `storytrace add --analyze` does). Stage columns are CPU seconds "
           "of each stage (process time); reuse pairs = candidate pairs aligned / read back from the store; "
           "hits/misses = results read back / computed. Full rerun = `analyze_store(incremental=False)` "
           "over the same N+100 (no results reused), compared key by key with the incremental analysis.", "",
           "| N | run | articles | wall s | CPU s | " + " | ".join(f"{s} CPU s" for s in STAGES)
           + " | assemble+commit CPU s | reuse pairs aligned / read back | hits/misses | peak MB |",
           "|---|---|---|---|---|" + "---|" * len(STAGES) + "---|---|---|---|"]
    for r in results:
        for run in ("first", "incremental", "full"):
            x = r.get(run)
            if not x:
                continue
            st = x.get("stage_cpu") or x.get("stages") or {}
            rest = x["cpu"] - sum(st.get(s, 0) for s in STAGES)
            rs = x.get("reuse_stats") or {}
            rp = f"{rs.get('aligned_pairs', '')} / {rs.get('pairs_from_cache', '')}" if rs else ""
            cached = x.get("cached") or {}
            hm = "; ".join(f"{k} {v['hits']}/{v['misses']}" for k, v in cached.items()) if run == "incremental" else ""
            arts = r.get("n_base") if run == "first" else r.get("n_total")
            peak = r.get("peak_first_mb") if run == "first" else (r.get("peak_mb") if run == "incremental" else None)
            out.append(f"| {r['n']} | {run} | {arts} | {_f(x['wall'])} | {_f(x['cpu'])} | "
                       + " | ".join(_f(st.get(s), 2) for s in STAGES) + f" | {_f(rest, 2)} | {rp} | {hm} | {_f(peak, 0)} |")
        if "equal" in r:
            out.append(f"| {r['n']} | incremental == full rerun | | | | " + " | " * (len(STAGES) - 1)
                       + f" | {'**equal**' if r['equal'] else 'DIFFERENT: ' + ', '.join(r['differing_keys'])} | | | |")
        if r.get("rc"):
            out.append(f"| {r['n']} | child exit {r['rc']} | | | | " + " | " * len(STAGES) + " | | | |")
    out.append("")
    rows = [(r["n"], r["incremental"]["cpu"], r["first"]["cpu"]) for r in results if r.get("incremental") and r.get("first")]
    if rows:
        out.append("Incremental CPU s per 100 added vs the first run's CPU s: " + "; ".join(
            f"N={n}: {i:,.1f} s vs {f:,.1f} s ({f / i:,.1f}x less)" for n, i, f in rows) + ".")
        out.append("")
    for r in results:
        for run in ("first", "incremental"):
            pk = (r.get(run) or {}).get("stage_peak_mb")
            if pk:
                top = max(pk, key=pk.get)
                out.append(f"Peak RSS per stage, N={r['n']} {run} run (MB; `after` = assembling and committing): "
                           + ", ".join(f"{k} {v:,.0f}" for k, v in pk.items())
                           + f". Highest in {top}, at {r[run]['stage_peak_where'].get(top) or '(no sample)'}.")
                out.append("")
    rows = [(r["n"], r["incremental"].get("stage_cpu", {}).get("reuse"), r["first"].get("stage_cpu", {}).get("reuse"))
            for r in results if r.get("incremental") and r.get("first")]
    rows = [x for x in rows if x[1] is not None and x[2] is not None]
    if rows:
        out.append("Reuse stage alone, incremental CPU s vs first run CPU s (ratio): " + "; ".join(
            f"N={n}: {i:,.1f} s vs {f:,.1f} s ({i / f:.3f})" for n, i, f in rows) + ".")
        out.append("")
    return "\n".join(out) + "\n"


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1", sys.argv[6])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--add", type=int, default=100)
    ap.add_argument("--verify-sizes", default="1000", help="sizes where a full rerun checks equality")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per size")
    ap.add_argument("--out", default=str(REPO / "bench/results/e2e.md"))
    args = ap.parse_args()
    verify = {int(x) for x in args.verify_sizes.split(",") if x}
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        r = run_size(n, args.add, n in verify, args.timeout)
        results.append(r)
        print(json.dumps({k: r.get(k) for k in ("n", "rc", "first", "incremental", "full", "equal", "reuse_equal",
                                                "differing_keys", "peak_mb")},
                         default=str), flush=True)
        if r.get("stderr"):
            print(r["stderr"], file=sys.stderr)
    cmd = "nice .venv/bin/python bench/incremental_scale.py " + " ".join(sys.argv[1:])
    section = render(results, cmd.strip())
    print(section)
    out = Path(args.out)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    # The section sits between its own markers, so other sections (and their end markers) are
    # never touched; a file written before the markers existed is matched by its heading.
    begin = "<!-- incremental:begin (regenerate with bench/incremental_scale.py) -->"
    end = "<!-- incremental:end -->"
    block = begin + "\n" + section.rstrip("\n") + "\n" + end + "\n"
    if "<!-- incremental:begin" in text and end in text:
        head, rest = text.split("<!-- incremental:begin", 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + block + ("\n" + tail if tail else "")
    elif "## Incremental: adding 100 articles" in text:
        head, _, tail = text.partition("## Incremental: adding 100 articles")
        nxt = tail.find("\n## ")
        text = head + block + ("\n" + tail[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
