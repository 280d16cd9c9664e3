"""Local engine vs Spark, stage by stage, at growing allsides sizes: CPU, wall, peak memory, agreement.

    .venv/bin/python bench/spark_scaling.py [--sizes 1000 5000 10000] [--master local[2]] [--out bench/results/spark.md]

For each size, ONE run: the pipeline's stages (`pipeline.STAGES`: stories, reuse, sources,
claims, summary; no store) over the same articles, once per engine, each engine in its own child
process so neither's memory or warm caches count for the other. Per stage:
- CPU seconds of the whole process tree (driver, and for Spark the JVM and its Python workers,
  summed per process from samples every 0.2 s: see `Monitor`), wall seconds, and the peak
  resident memory of the tree (same samples), read from /proc (Linux);
- agreement with the local engine: events (B-cubed F1 of the article partitions, and whether
  identical), derivations, attributions and claims identical or not.
The Spark child also reports its session start as a row. Growth exponents are fitted over the
sizes (least squares on log CPU s vs log n). The table is rewritten after every size, so a long
run that is cut short keeps what it measured.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))
TICK = os.sysconf("SC_CLK_TCK")
START, END = "<!-- spark_scaling table -->", "<!-- /spark_scaling table -->"


# -- process tree accounting (/proc) ------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    return kids


def _tree(root: int) -> list[int]:
    kids, out, todo = _children(), [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def _own_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used itself (children not included)."""
    out = {}
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            out[p] = (int(f[11]) + int(f[12])) / TICK
        except (OSError, IndexError, ValueError):
            pass
    return out


def own_cpu() -> float:
    """CPU seconds of this process alone (the driver: what does not scale out with executors)."""
    t = os.times()
    return t.user + t.system


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants."""
    total = 0
    for p in _tree(root):
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


class Monitor:
    """Peak resident memory and CPU seconds of this process tree while a block runs.

    CPU is summed per process from samples every 0.2 s (each process's own time, last value
    seen): PySpark's daemon ignores SIGCHLD, so a Python worker that exits is never added to its
    parent's children time, and reading the tree only at the end would lose it."""

    def __enter__(self) -> "Monitor":
        me = os.getpid()
        self.start = _own_cpu(_tree(me))
        self.last = dict(self.start)
        self.peak, self._stop = tree_rss(me), threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _sample(self) -> None:
        pids = _tree(os.getpid())
        self.last.update(_own_cpu(pids))
        self.peak = max(self.peak, tree_rss(os.getpid()))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self._sample()
        self.cpu = sum(v - self.start.get(p, 0.0) for p, v in self.last.items())


# -- the child: one engine over n articles ------------------------------------------------------

def load(n: int):
    from storytrace.ingest import read_bytes
    from storytrace.model import Article

    lines: list[bytes] = []
    for shard in sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz")):
        with gzip.open(shard) as fh:
            lines += list(itertools.islice(fh, n - len(lines)))
        if len(lines) >= n:
            break
    return [a for a in read_bytes(b"".join(lines), "allsides.jsonl") if isinstance(a, Article)]


def child(engine: str, n: int, master: str, dump: str) -> None:
    from storytrace import pipeline

    rows = []

    def measure(stage: str, fn) -> None:
        d0, t0 = own_cpu(), time.perf_counter()
        with Monitor() as m:
            fn()
        rows.append({"stage": stage, "cpu": m.cpu, "driver_cpu": own_cpu() - d0,
                     "wall": time.perf_counter() - t0, "peak": m.peak})
        print(engine, n, rows[-1], flush=True)

    holder = {}
    measure("load (read and clean)", lambda: holder.update(arts=load(n)))
    arts = holder["arts"]
    opts = pipeline.Options(quiet=True, engine=engine, spark_master=master)
    if engine == "spark":
        from storytrace.engines.spark import shared_session

        measure("Spark session start", lambda: shared_session(master))
    ctx = pipeline.Context(articles=arts, options=opts)
    for name, fn in pipeline.STAGES:
        measure(name, lambda fn=fn: fn(ctx))
    out = {k: ctx.out.get(k) for k in ("events", "derivations", "undirected_reuse", "wire_origins", "attributions",
                                        "claims", "conflicts", "timeline", "summary")}
    import storytrace

    code = max(p.stat().st_mtime for p in Path(storytrace.__file__).parent.rglob("*.py"))
    Path(dump).write_text(json.dumps({"engine": engine, "n": len(arts), "rows": rows, "out": out,
                                      "notes": ctx.notes, "code_mtime": code}))


# -- the parent: both engines per size, agreement, growth, the table ----------------------------

def bcubed(pred: list[list[str]], gold: list[list[str]]) -> float:
    """B-cubed F1 of one partition of articles against another (the local engine's)."""
    cp = {a: frozenset(c) for c in pred for a in c}
    cg = {a: frozenset(c) for c in gold for a in c}
    items = [a for a in cg if a in cp]
    if not items:
        return 0.0
    p = sum(len(cp[a] & cg[a]) / len(cp[a]) for a in items) / len(items)
    r = sum(len(cp[a] & cg[a]) / len(cg[a]) for a in items) / len(items)
    return 2 * p * r / (p + r) if p + r else 0.0


def run_child(engine: str, n: int, master: str, tmp: Path, limit: int, src: Path) -> dict | None:
    dump = tmp / f"spark-scaling-{engine}-{n}.json"
    cmd = [sys.executable, __file__, "--child", engine, "--n", str(n), "--master", master, "--dump", str(dump)]
    # Both engines, driver and executors, import the same frozen copy of the code.
    env = dict(os.environ, PYTHONPATH=str(src))
    try:
        subprocess.run(cmd, check=True, timeout=limit, env=env)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"{engine} {n}: {e}", file=sys.stderr)
        return None
    return json.loads(dump.read_text())


def agreement(local: dict, spark: dict) -> dict[str, str]:
    lo, sp = local["out"], spark["out"]
    void = local["code_mtime"] != spark["code_mtime"]
    ev_l = [e["article_ids"] for e in lo["events"] or []]
    ev_s = [e["article_ids"] for e in sp["events"] or []]
    same = {
        "stories": f"B-cubed {bcubed(ev_s, ev_l):.3f}, " + ("identical" if lo["events"] == sp["events"] else "DIFFER"),
        "reuse": "identical" if all(lo[k] == sp[k] for k in ("derivations", "undirected_reuse", "wire_origins"))
        else "DIFFER",
        "sources": "identical" if lo["attributions"] == sp["attributions"] else "DIFFER",
        "claims": "identical" if all(lo[k] == sp[k] for k in ("claims", "conflicts", "timeline")) else "DIFFER",
        "summary": "identical" if lo["summary"] == sp["summary"] else "DIFFER",
    }
    if void:
        same = {k: v + " (void: code changed between the runs)" for k, v in same.items()}
    return same


def fit(xs: list[float], ys: list[float]) -> float | None:
    """Slope of log y on log x (growth exponent), None with fewer than two usable points."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx, my = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else None


def write(results: list[dict], args, load_avg: list[float]) -> None:
    runs = "; ".join(f"{r['n']:,}: {r.get('when', '')}, load average {r.get('load', '')}" for r in results)
    lines = [f"## Stages on the local engine vs Spark {args.master}: CPU, wall, peak memory", "",
             f"2-core machine shared with other jobs (wall times are inflated by the load, CPU seconds much "
             f"less). One run per size, both engines on the same frozen copy of the code ({runs}). "
             f"Command: `.venv/bin/python bench/spark_scaling.py --sizes {' '.join(str(r['n']) for r in results)}`"
             f"{' (sizes run separately, merged with --keep)' if args.keep else ''}. "
             "CPU and memory are of the whole process tree (driver, JVM, Python workers); "
             "'(driver)' is the Spark driver's own CPU, the part that does not spread over executors.", "",
             "| articles | stage | local CPU s | local wall s | local peak MB | spark CPU s (driver) | spark wall s | "
             "spark peak MB | spark vs local |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lo = {x["stage"]: x for x in (r["local"] or {}).get("rows", [])}
        sp = {x["stage"]: x for x in (r["spark"] or {}).get("rows", [])}
        for st in dict.fromkeys([*sp, *lo]):
            a, b = lo.get(st), sp.get(st)

            def cell(x, k, scale=1.0):
                return f"{x[k] / scale:,.1f}" if x else "-"
            drv = f" ({b['driver_cpu']:,.1f})" if b else ""
            lines.append(f"| {r['n']:,} | {st} | {cell(a, 'cpu')} | {cell(a, 'wall')} | {cell(a, 'peak', 2**20)} | "
                         f"{cell(b, 'cpu')}{drv} | {cell(b, 'wall')} | {cell(b, 'peak', 2**20)} | "
                         f"{r['agree'].get(st, '')} |")
    if len(results) > 1:
        lines += ["", "Growth exponent of CPU seconds (fit of log CPU s on log articles over the sizes above):", "",
                  "| stage | local | spark |", "|---|---|---|"]
        stages = [x["stage"] for x in (results[0]["local"] or {}).get("rows", [])]
        for st in stages:
            cells = []
            for eng in ("local", "spark"):
                xs, ys = [], []
                for r in results:
                    row = next((x for x in (r[eng] or {}).get("rows", []) if x["stage"] == st), None)
                    if row:
                        xs.append(r["n"])
                        ys.append(row["cpu"])
                e = fit(xs, ys)
                cells.append("-" if e is None else f"{e:.2f}")
            lines.append(f"| {st} | {cells[0]} | {cells[1]} |")
    notes = [f"{r['n']:,} {eng}: {n['stage']} {n['status']}: {n['detail'][:160]}"
             for r in results for eng in ("local", "spark") for n in (r[eng] or {}).get("notes", [])]
    notes += [f"{r['n']:,} {eng}: did not finish within {args.limit} s" for r in results
              for eng in ("local", "spark") if r[eng] is None]
    if notes:
        lines += ["", "Stage notes: " + "; ".join(notes)]
    table = START + "\n" + "\n".join(lines) + "\n" + END
    out = Path(args.out)
    text = out.read_text() if out.exists() else ""
    a, b = text.find(START), text.find(END)
    text = text[:a] + table + text[b + len(END):] if a >= 0 and b > a else table + "\n" + text
    out.write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps([{k: v for k, v in r.items()} for r in results], indent=1)[:10_000_000])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", default=str(REPO / "bench/results/spark.md"))
    ap.add_argument("--json", help="also write the per-stage rows as JSON here")
    ap.add_argument("--limit", type=int, default=3600, help="seconds allowed per engine and size")
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--keep", help="a --json file of an earlier run: its other sizes join the table")
    ap.add_argument("--src", help="the source tree to measure (default: a copy of src/ taken at the start, so "
                                  "edits made while the benchmark runs do not mix into it)")
    ap.add_argument("--child", choices=["local", "spark"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.n, args.master, args.dump)
        return
    results: list[dict] = []
    load_avg: list[float] = []
    snap = tempfile.TemporaryDirectory(prefix="storytrace-bench-src-")
    src = Path(snap.name) / "src"
    shutil.copytree(args.src or REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    if args.keep and Path(args.keep).exists():   # sizes measured by an earlier run
        results = [r for r in json.loads(Path(args.keep).read_text()) if r["n"] not in args.sizes]
    for n in args.sizes:
        load_avg.append(os.getloadavg()[0])
        local = run_child("local", n, args.master, Path(args.tmp), args.limit, src)
        load_avg.append(os.getloadavg()[0])
        spark = run_child("spark", n, args.master, Path(args.tmp), args.limit, src)
        load_avg.append(os.getloadavg()[0])
        agree = agreement(local, spark) if local and spark else {}
        for d in (local, spark):   # the outputs served the comparison; keep the rows only
            if d:
                d.pop("out", None)
        results.append({"n": n, "local": local, "spark": spark, "agree": agree,
                        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                        "load": f"{min(load_avg[-3:]):.1f}-{max(load_avg[-3:]):.1f}"})
        results.sort(key=lambda r: r["n"])
        write(results, args, load_avg)
    snap.cleanup()
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
