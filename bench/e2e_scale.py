"""End-to-end scale of the local engine on allsides: time, CPU and peak memory per stage at N articles.

    nice .venv/bin/python bench/e2e_scale.py [--sizes 1000,5000,10000,37554] [--budget 600]
                                             [--out bench/results/e2e.md]

For each N the first N allsides records (shards in file order: a feed, not a random sample) are
written to a temporary JSONL file outside the repo, then ONE child process per size runs, in order:
ingest (`pipeline.ingest` into a fresh SQLite store), load (`Store.articles()`), every entry of
`pipeline.STAGES` on a `Context` (called one by one so each is timed; a stage that raises is
recorded as failed and the rest still run, as in `run_stages`), assemble + save (`pipeline.assemble`
and `Store.commit_analysis`, which also keeps the per-article and per-storyline results for
incremental reruns; the stages run with that cache, as `analyze_store` runs them), and write outputs (`api.write_outputs`: analysis.json + report.html).

Per stage: wall seconds (perf_counter), CPU seconds (`time.process_time`, all threads of the child),
articles/s (N stored / wall s, and N / CPU s), and peak memory: the child resets the kernel's peak
resident set (`echo 5 > /proc/self/clear_refs`) at each stage boundary and reads VmHWM from
/proc/self/status at the end of the stage, so each stage's figure is its own peak RSS (which
includes everything still resident from earlier stages: the articles, the analysis so far).
If the kernel refuses the reset, the figure is the running peak since the child started (said in
the output).

Time budget: a stage slower than --budget seconds at one size is skipped at the larger sizes (the
table says so), and each stage is interrupted after --stage-timeout seconds. Sizes run one at a
time, smallest first. Wall time moves with other people's load on the shared machine; CPU seconds
are the figure to compare, and the load average is printed next to each size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))
STAGE_ORDER = ["ingest", "load", "stories", "reuse", "sources", "claims", "summary", "assemble+save", "write_outputs"]
# Stages named in pipeline.STAGES, i.e. the analysis proper (for the "analysis total" row).
FULL = 37554  # allsides, all shards
ANALYSIS = ["stories", "reuse", "sources", "claims", "summary"]


# -- child ------------------------------------------------------------------------------------

class StageTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so the stages' `except Exception` cannot swallow it."""


def _status_kb(field: str) -> int:
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class PeakWhere:
    """Where each stage reaches its peak: a thread samples the resident size every 0.1 s and, at
    each new high (by 16 MB or more), keeps the main thread's innermost storytrace frames. Says
    which step of a stage to look at when a stage's peak is over budget."""

    def __init__(self) -> None:
        import threading

        self.main = threading.main_thread().ident
        self.high, self.where = 0, ""
        threading.Thread(target=self._run, daemon=True).start()

    def reset(self) -> None:
        self.high, self.where = 0, ""

    def _run(self) -> None:
        while True:
            kb = _status_kb("VmRSS")
            if kb > self.high + 16 * 1024:
                self.high = kb
                frame = sys._current_frames().get(self.main)
                stack = traceback.extract_stack(frame) if frame is not None else []
                # Drop the frame at once: held, it would keep the stage's locals (and every
                # frame below it) alive after the stage returns.
                del frame
                ours = [f for f in stack if "/storytrace/" in f.filename]
                self.where = " <- ".join(f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
                                         for f in reversed(ours[-4:])) + f" ({kb // 1024} MB)"
            time.sleep(0.1)


def _save(path: str, res: dict) -> None:
    """Atomic write, so the parent (or a reader) never sees half a file."""
    Path(path + ".tmp").write_text(json.dumps(res))
    os.replace(path + ".tmp", path)


def child(n: int, data: str, workdir: str, skip: set[str], stage_timeout: int, result_path: str) -> None:
    from storytrace import api, pipeline
    from storytrace.store import Store
    from storytrace.store.cache import StageCache

    def on_alarm(*_):
        raise StageTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    res: dict = {"n_input": n, "stages": {}, "peak_reset": True}
    opts = pipeline.Options(quiet=True)
    state: dict = {}
    peak_where = PeakWhere()

    def measure(name: str, fn) -> None:
        rec: dict = {}
        if name in skip:
            rec["status"] = "skipped"
        else:
            res["peak_reset"] &= _reset_peak()
            rss0 = _status_kb("VmRSS")
            peak_where.reset()
            c0, t0 = time.process_time(), time.perf_counter()
            signal.alarm(stage_timeout)
            try:
                fn()
                rec["status"] = "ok"
            except StageTimeout:
                rec["status"] = f"timeout > {stage_timeout} s"
            except Exception as e:  # same rule as run_stages: a failing stage must not stop the rest
                rec["status"] = f"failed: {type(e).__name__}: {str(e)[:120]}"
                tb = traceback.extract_tb(e.__traceback__)[-3:]  # where it broke, for the stage's owner
                rec["where"] = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(tb))
            finally:
                signal.alarm(0)
            rec.update(wall=time.perf_counter() - t0, cpu=time.process_time() - c0,
                       rss_before_mb=rss0 / 1024, rss_after_mb=_status_kb("VmRSS") / 1024,
                       peak_mb=_status_kb("VmHWM") / 1024, peak_where=peak_where.where)
        res["stages"][name] = rec
        _save(result_path, res)  # partial results survive a kill

    store = Store(Path(workdir) / "e2e.db")

    def do_ingest():
        state["add"] = pipeline.ingest([data], store, opts)

    def do_load():
        # As `analyze_store` runs it: with the stage cache (a first run computes and keeps everything).
        state["ctx"] = pipeline.Context(articles=store.articles(), options=opts, cache=StageCache(store))
        res["n_articles"] = len(state["ctx"].articles)

    measure("ingest", do_ingest)
    measure("load", do_load)
    ctx = state.get("ctx") or pipeline.Context(articles=[], options=opts)
    res.setdefault("n_articles", 0)
    for name, fn in pipeline.STAGES:
        def run_stage(fn=fn, name=name):
            t0 = time.perf_counter()
            fn(ctx)
            ctx.timings[name] = round(time.perf_counter() - t0, 3)
        measure(name, run_stage)
        if res["stages"][name]["status"] != "ok":
            ctx.notes.append({"stage": name, "status": res["stages"][name]["status"]})

    def do_assemble():
        state["doc"] = pipeline.assemble(ctx, store.rejections())
        store.commit_analysis(state["doc"], inferred_dates=ctx.out.get("inferred_dates"), cache=ctx.cache)

    def do_write():
        paths = api.write_outputs(state["doc"], Path(workdir) / "out")
        res["output_mb"] = {p.name: p.stat().st_size / 1e6 for p in paths}

    measure("assemble+save", do_assemble)
    measure("write_outputs", do_write)
    doc = state.get("doc") or {}
    res["counts"] = {k: len(doc.get(k) or []) for k in
                     ("events", "storylines", "derivations", "sources", "attributions", "claims", "conflicts", "timeline")}
    res["stage_notes"] = ctx.notes
    res["max_rss_mb"] = __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss / 1024
    store.close()
    _save(result_path, res)


# -- parent -----------------------------------------------------------------------------------

def write_subset(n: int, path: Path) -> int:
    """The first n allsides records, in shard order, as one JSONL file (decompressed)."""
    k = 0
    with open(path, "w", encoding="utf-8") as out:
        for shard in sorted((CORPORA / "allsides").glob("articles-0*.jsonl.gz")):
            with gzip.open(shard, "rt", encoding="utf-8") as f:
                for line in f:
                    if k >= n:
                        return k
                    out.write(line if line.endswith("\n") else line + "\n")
                    k += 1
    return k


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares exponent b of t = a * N^b (log-log fit)."""
    pts = [(math.log(n), math.log(t)) for n, t in points if t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def run_size(n: int, args, skip: set[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="e2e-") as tmp:
        data = Path(tmp) / f"allsides-first-{n}.jsonl"
        got = write_subset(n, data)
        result = Path(tmp) / "result.json"
        load0 = os.getloadavg()
        cmd = [sys.executable, __file__, "--child", str(got), "--data", str(data), "--workdir", tmp,
               "--result", str(result), "--skip", ",".join(sorted(skip)), "--stage-timeout", str(args.stage_timeout)]
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.size_timeout)
            rc, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, err = "timeout", (e.stderr or b"").decode("utf-8", "replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        res = json.loads(result.read_text()) if result.exists() else {"n_input": got, "stages": {}}
        res.update(rc=rc, total_wall=time.perf_counter() - t0, load_before=load0, load_after=os.getloadavg())
        if rc != 0:
            res["stderr_tail"] = err[-1500:]
        return res


def fmt(x: float | None, spec: str = ".1f") -> str:
    return "—" if x is None else format(x, spec)


def command(args) -> str:
    return (f"nice .venv/bin/python bench/e2e_scale.py --sizes {args.sizes} --budget {args.budget:g} "
            f"--stage-timeout {args.stage_timeout}")


def render(results: list[dict], args, started: str, cmd: str | None = None) -> str:
    cmd = cmd or command(args)
    L = ["## End to end, local engine (allsides, first N articles)", "",
         f"{started} UTC, 2-core machine shared with other engineers' jobs. Command (from the repo root): `{cmd}`", "",
         "One child process per size; stages called one by one as `run_stages` does. Peak MB = the stage's own peak "
         "resident set (kernel peak reset via /proc/self/clear_refs at the stage start, VmHWM read at its end; it "
         "includes what earlier stages left resident). CPU s = `time.process_time()` of the child (all threads). "
         "art/s = stored articles / wall s; art/CPU-s = stored articles / CPU s (the figure that does not move with "
         "other people's load).", ""]
    if not all(r.get("peak_reset", True) for r in results):
        L += ["**Note:** the kernel refused the peak reset; Peak MB is the running peak since the child started.", ""]
    L += ["| N | stage | status | wall s | CPU s | art/s | art/CPU-s | peak MB | RSS after MB |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        n = r.get("n_articles") or r["n_input"]
        for name in STAGE_ORDER:
            s = r["stages"].get(name)
            if s is None:
                L.append(f"| {n} | {name} | not reached (child {r.get('rc')}) | | | | | | |")
                continue
            if s["status"] == "skipped":
                L.append(f"| {n} | {name} | skipped: > {args.budget} s at a smaller N | | | | | | |")
                continue
            L.append(f"| {n} | {name} | {s['status']} | {s['wall']:.2f} | {s['cpu']:.2f} | "
                     f"{n / s['wall']:,.0f} | {n / max(s['cpu'], 1e-9):,.0f} | {s['peak_mb']:.0f} | {s['rss_after_mb']:.0f} |")
        ran = [r["stages"][k] for k in ANALYSIS if r["stages"].get(k, {}).get("status") == "ok"]
        allrun = [s for s in r["stages"].values() if "wall" in s]
        if allrun:
            w, c = sum(s["wall"] for s in allrun), sum(s["cpu"] for s in allrun)
            L.append(f"| {n} | **all stages** | {len(allrun)} timed | **{w:.1f}** | **{c:.1f}** | **{n / w:,.0f}** | "
                     f"**{n / c:,.0f}** | **{max(s['peak_mb'] for s in allrun):.0f}** | |")
        if ran:
            w, c = sum(s["wall"] for s in ran), sum(s["cpu"] for s in ran)
            L.append(f"| {n} | analysis (pipeline.STAGES ok) | {len(ran)} of 5 | {w:.1f} | {c:.1f} | {n / w:,.0f} | "
                     f"{n / c:,.0f} | | |")
    wheres = [(r.get("n_articles") or r["n_input"], k, s["peak_where"]) for r in results
              for k, s in r["stages"].items() if s.get("peak_where")]
    if wheres:
        L += ["", "Where each stage reached its peak (resident size sampled every 0.1 s; innermost storytrace frames first):", ""]
        L += [f"- {n} {k}: `{w}`" for n, k, w in wheres]
    L += ["", "| N | stored articles | load avg before (1/5/15 min) | load avg after | child wall s | max RSS MB | "
          "events | derivations | sources | attributions | claims | analysis.json MB | report.html MB |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c, o = r.get("counts", {}), r.get("output_mb", {})
        la = lambda t: "/".join(f"{x:.2f}" for x in t)
        L.append(f"| {r['n_input']} | {r.get('n_articles', '—')} | {la(r['load_before'])} | {la(r['load_after'])} | "
                 f"{r['total_wall']:.0f} | {fmt(r.get('max_rss_mb'), '.0f')} | {c.get('events', '—')} | "
                 f"{c.get('derivations', '—')} | {c.get('sources', '—')} | {c.get('attributions', '—')} | "
                 f"{c.get('claims', '—')} | {fmt(o.get('analysis.json'), '.1f')} | {fmt(o.get('report.html'), '.1f')} |")
    for r in results:
        for name, s in r["stages"].items():
            if s.get("where"):
                L += ["", f"N={r['n_input']}, {name} {s['status']} at `{s['where']}`."]
    for r in results:
        if r.get("stderr_tail"):
            L += ["", f"Child for N={r['n_input']} exited {r['rc']}; stderr tail:", "", "```",
                  r["stderr_tail"].strip()[-800:], "```"]
    if len(results) >= 2:
        L += ["", "Fitted growth: exponent b of time = a * N^b, least squares on log-log over the sizes where the "
              "stage ran (1 = linear, 2 = quadratic).", "",
              f"Projected CPU s at {FULL:,} = CPU s at the largest size where it ran x (ratio of N)^b(CPU): "
              "arithmetic, not a measurement.", "",
              f"| stage | b (wall) | b (CPU) | sizes | projected CPU s at {FULL:,} |", "|---|---|---|---|---|"]
        total = 0.0
        for name in STAGE_ORDER:
            pts = [(r.get("n_articles") or r["n_input"], r["stages"][name]) for r in results
                   if r["stages"].get(name, {}).get("status") == "ok"]
            bw = slope([(n, s["wall"]) for n, s in pts])
            bc = slope([(n, s["cpu"]) for n, s in pts])
            proj = pts[-1][1]["cpu"] * (FULL / pts[-1][0]) ** bc if bc is not None else None
            total += proj or 0.0
            L.append(f"| {name} | {fmt(bw, '.2f')} | {fmt(bc, '.2f')} | {', '.join(str(n) for n, _ in pts)} | "
                     f"{fmt(proj, ',.0f')} |")
        L.append(f"| **total** | | | | **{total:,.0f}** (= {FULL / max(total, 1e-9):,.1f} art/CPU-s) |")
    L += ["", verdict(results), ""]
    return "\n".join(L)


def verdict(results: list[dict]) -> str:
    """The stages that keep the pipeline below the TARGETS bar (>= 200 art/s lexical path, <= 4 GB)."""
    r = max(results, key=lambda r: r.get("n_articles") or 0)
    n = r.get("n_articles") or r["n_input"]
    ran = {k: s for k, s in r["stages"].items() if "wall" in s}
    if not ran:
        return "No stage ran."
    wall, cpu = sum(s["wall"] for s in ran.values()), sum(s["cpu"] for s in ran.values())
    peak = max(s["peak_mb"] for s in ran.values())
    # A stage alone must run at >= 200 art/s for the whole to have a chance; rank by share of the time.
    slow = sorted(((k, s) for k, s in ran.items() if n / max(s["cpu"], 1e-9) < 200 or n / s["wall"] < 200),
                  key=lambda kv: -kv[1]["cpu"])
    big = [(k, s) for k, s in ran.items() if s["peak_mb"] > 4096]
    parts = [f"At N={n}: the whole run took {wall:.0f} s wall / {cpu:.0f} s CPU = {n / wall:,.0f} articles/s wall, "
             f"{n / cpu:,.0f} per CPU-second (bar: >= 200 articles/s), peak {peak:,.0f} MB (bar: <= 4096 MB)."]
    if slow:
        parts.append("Below 200 articles/s on their own: " + "; ".join(
            f"{k} {s['cpu']:.0f} s CPU ({100 * s['cpu'] / cpu:.0f}% of the CPU, {n / max(s['cpu'], 1e-9):,.0f} art/CPU-s, "
            f"{n / s['wall']:,.0f} art/s wall)" for k, s in slow) + ".")
    else:
        parts.append("Every stage alone runs at >= 200 articles/s.")
    parts.append(("Above 4 GB: " + ", ".join(f"{k} {s['peak_mb']:,.0f} MB" for k, s in big) + ".") if big
                 else f"No stage goes above 4 GB (largest: {max(ran, key=lambda k: ran[k]['peak_mb'])} "
                      f"{peak:,.0f} MB).")
    bad = [f"{k} ({s['status']})" for k, s in r["stages"].items() if s["status"] not in ("ok",)]
    if bad:
        parts.append("Not measured or not ok at this size: " + ", ".join(bad) + ".")
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,10000")
    ap.add_argument("--budget", type=float, default=600.0, help="skip a stage at larger N after it took longer")
    ap.add_argument("--stage-timeout", type=int, default=1200, help="interrupt one stage after this many s")
    ap.add_argument("--size-timeout", type=int, default=3600, help="kill the child of one size after this many s")
    ap.add_argument("--out", default=str(REPO / "bench/results/e2e.md"))
    ap.add_argument("--raw", help="also save the raw per-stage results as JSON here")
    ap.add_argument("--render-from", help="only re-render a --raw file into --out")
    # child mode
    ap.add_argument("--child", type=int)
    ap.add_argument("--data")
    ap.add_argument("--workdir")
    ap.add_argument("--result")
    ap.add_argument("--skip", default="")
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.data, args.workdir, {s for s in args.skip.split(",") if s}, args.stage_timeout, args.result)
        return

    if args.render_from:  # re-render a saved --raw file (no measurement)
        saved = json.loads(Path(args.render_from).read_text())
        Path(args.out).write_text(render(saved["results"], args, saved["started"], saved.get("command")))
        print(Path(args.out).read_text())
        return
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    sizes = sorted(int(x) for x in args.sizes.split(","))
    results: list[dict] = []
    skip: set[str] = set()
    for n in sizes:
        print(f"e2e: N={n} (skipping: {sorted(skip) or 'none'}), load {os.getloadavg()}", file=sys.stderr, flush=True)
        r = run_size(n, args, skip)
        results.append(r)
        for name, s in r["stages"].items():
            if s.get("wall", 0) > args.budget or s["status"].startswith("timeout"):
                skip.add(name)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(render(results, args, started))  # rewritten after every size
        if args.raw:
            Path(args.raw).write_text(json.dumps({"started": started, "command": command(args), "results": results}))
        print(f"e2e: N={n} done in {r['total_wall']:.0f} s (rc {r['rc']})", file=sys.stderr, flush=True)
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
