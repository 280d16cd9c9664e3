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
import collections
import datetime as dt
import gzip
import itertools
import json
import math
import os
import re
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


def child(engine: str, n: int, master: str, dump: str, stages: list[str] | None = None) -> None:
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
        if stages and name not in stages:   # --stages: a prefix of the pipeline (later stages read earlier ones)
            continue
        measure(name, lambda fn=fn: fn(ctx))
    out = {k: ctx.out.get(k) for k in ("events", "derivations", "undirected_reuse", "wire_origins", "attributions",
                                        "claims", "conflicts", "timeline", "summary")}
    import storytrace

    code = max(p.stat().st_mtime for p in Path(storytrace.__file__).parent.rglob("*.py"))
    Path(dump).write_text(json.dumps({"engine": engine, "n": len(arts), "rows": rows, "out": out,
                                      "notes": ctx.notes, "code_mtime": code}))


def count_pairs(n: int) -> dict[str, float]:
    """The pairs the reuse stage aligns over the first n articles, counted with the local engine's
    own steps (`find_derivations`' candidate and same-story proposal, without aligning): the unit of
    the reuse stage's cost, which grows faster than the articles."""
    import numpy as np

    from storytrace.reuse import derive as D
    from storytrace.reuse.candidates import NUM_PERM, CandidateIndex

    arts = load(n)
    c0 = time.process_time()
    by_id: dict[str, object] = {}
    for a in arts:
        by_id.setdefault(a.id, a)
    preps = D._preparations(list(by_id.values()), None)
    usable = [a for a in by_id.values() if preps[a.id].n_tokens >= D.SHINGLE + 1]
    sig = np.stack([preps[a.id].sig for a in usable]) if usable else np.zeros((0, NUM_PERM), np.uint32)
    cands = CandidateIndex().add_prepared([a.id for a in usable], sig, [preps[a.id].sampled for a in usable])
    have = {frozenset((c.a, c.b)) for c in cands}
    topic, _ = D._same_story_pairs(usable, [preps[a.id].terms for a in usable])
    extra = sum(1 for k in topic if k not in have)
    return {"articles": len(arts), "usable": len(usable), "candidates": len(cands), "same_story": len(topic),
            "pairs": len(cands) + extra, "cpu": time.process_time() - c0}


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


def run_child(engine: str, n: int, master: str, tmp: Path, limit: int, src: Path,
              stages: list[str] | None = None) -> dict | None:
    dump = tmp / f"spark-scaling-{engine}-{n}.json"
    cmd = [sys.executable, __file__, "--child", engine, "--n", str(n), "--master", master, "--dump", str(dump)]
    cmd += ["--stages", *stages] if stages else []
    # Both engines, driver and executors, import the same frozen copy of the code.
    env = dict(os.environ, PYTHONPATH=str(src))
    try:
        subprocess.run(cmd, check=True, timeout=limit, env=env)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"{engine} {n}: {e}", file=sys.stderr)
        return None
    return json.loads(dump.read_text())


def _same(lo: dict, sp: dict, keys: tuple[str, ...]) -> str:
    """'identical', or which outputs differ and in how many entries (so a difference can be traced)."""
    bad = []
    for k in keys:
        a, b = lo[k] or [], sp[k] or []
        if a != b:
            # entries of one side missing from the other (as a multiset: one entry inserted early
            # does not count every later one as different)
            ca = collections.Counter(json.dumps(x, sort_keys=True) for x in a)
            cb = collections.Counter(json.dumps(x, sort_keys=True) for x in b)
            bad.append(f"{k} {max(sum((ca - cb).values()), sum((cb - ca).values()))} of {max(len(a), len(b)):,}")
    return "identical" if not bad else "DIFFER: " + ", ".join(bad) + f" (same: {', '.join(k for k in keys if lo[k] == sp[k]) or 'none'})"


def agreement(local: dict, spark: dict) -> dict[str, str]:
    lo, sp = local["out"], spark["out"]
    void = local["code_mtime"] != spark["code_mtime"]
    ev_l = [e["article_ids"] for e in lo["events"] or []]
    ev_s = [e["article_ids"] for e in sp["events"] or []]
    same = {
        "stories": f"B-cubed {bcubed(ev_s, ev_l):.3f}, " + ("identical" if lo["events"] == sp["events"] else "DIFFER"),
        "reuse": _same(lo, sp, ("derivations", "undirected_reuse", "wire_origins")),
        "sources": "identical" if lo["attributions"] == sp["attributions"] else "DIFFER",
        "claims": _same(lo, sp, ("claims", "conflicts", "timeline")),
        "summary": "identical" if lo["summary"] == sp["summary"] else "DIFFER",
    }
    ran = {x["stage"] for x in local["rows"]} & {x["stage"] for x in spark["rows"]}
    same = {k: v for k, v in same.items() if k in ran}   # a stage left out (--stages) agrees on nothing
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


PIPELINE_STAGES = ("stories", "reuse", "sources", "claims", "summary")


def e2e_rows(path: Path) -> tuple[int, dict[str, float]] | None:
    """The local engine's CPU s per pipeline stage at the largest size in an e2e_scale.py table
    (bench/results/e2e.md), where every stage finished ("ok"): a size this benchmark does not run
    itself (37k on both engines does not fit the machine), used for the local growth only."""
    if not path.exists():
        return None
    found: dict[int, dict[str, float]] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^\| (\d+) \| (\w+) \| ok \| ([\d.]+) \| ([\d.]+) \|", line)
        if m and m.group(2) in PIPELINE_STAGES:
            found.setdefault(int(m.group(1)), {})[m.group(2)] = float(m.group(4))
    full = {n: r for n, r in found.items() if len(r) == len(PIPELINE_STAGES)}
    if not full:
        return None
    n = max(full)
    return n, full[n]


def _series(results: list[dict], eng: str, stage: str, key) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for r in results:
        row = next((x for x in (r[eng] or {}).get("rows", []) if x["stage"] == stage), None)
        if row:
            xs.append(r["n"])
            ys.append(key(row))
    return xs, ys


def growth_table(results: list[dict], e2e: tuple[int, dict[str, float]] | None) -> list[str]:
    """Growth exponents of CPU s per stage: over all sizes, between the two largest (does growth
    speed up?), and for Spark split into executors (tree minus driver: what spreads over a cluster)
    and the driver (what does not)."""
    def e(xs, ys):
        v = fit(xs, ys)
        return "-" if v is None else f"{v:.2f}"

    sizes = [r["n"] for r in results]
    last2 = results[-2:]
    span = f"{sizes[0]:,}-{sizes[-1]:,}"
    tail = f"{last2[0]['n']:,}->{last2[1]['n']:,}"
    both = len(results) > 2   # the last step only says something new beside a fit over 3+ sizes
    head = [f"local {span}"] + ([f"local {tail}"] if both else [])
    if e2e:
        head.append(f"local {sizes[0]:,}-{e2e[0]:,} (with e2e.md)")
    head += [f"spark {span}"] + ([f"spark {tail}"] if both else []) + [f"spark executors {span}",
                                                                         f"spark driver {span}"]
    out = ["", "Growth exponent of CPU seconds (least squares of log CPU s on log articles; 1 = linear). "
           "'executors' = Spark tree CPU minus the driver's own (the part a cluster divides), 'driver' = the "
           "driver's own CPU (the part it does not)" + (
               f"; the local column 'with e2e.md' adds the {e2e[0]:,}-article local run of bench/results/e2e.md "
               "(bench/e2e_scale.py, other code version and measurement: process CPU time)" if e2e else "") + ":",
           "", "| stage | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    stages = [x["stage"] for x in (results[0]["local"] or {}).get("rows", [])]
    for st in stages:
        cells = []
        xs, ys = _series(results, "local", st, lambda x: x["cpu"])
        cells += [e(xs, ys)] + ([e(*_series(last2, "local", st, lambda x: x["cpu"]))] if both else [])
        if e2e:
            cells.append(e(xs + [e2e[0]], ys + [e2e[1][st]]) if st in e2e[1] else "-")
        cells += [e(*_series(results, "spark", st, lambda x: x["cpu"]))]
        cells += [e(*_series(last2, "spark", st, lambda x: x["cpu"]))] if both else []
        cells += [e(*_series(results, "spark", st, lambda x: x["cpu"] - x["driver_cpu"])),
                  e(*_series(results, "spark", st, lambda x: x["driver_cpu"]))]
        out.append(f"| {st} | " + " | ".join(cells) + " |")
    return out


def write(results: list[dict], args, load_avg: list[float]) -> None:
    runs = "; ".join(f"{r['n']:,}: {r.get('when', '')}, load average {r.get('load', '')}"
                     + (f", stages {' and '.join(r['stages'])} only (--stages)" if r.get("stages") else "")
                     for r in results)
    lines = [f"## Stages on the local engine vs Spark {args.master}: CPU, wall, peak memory", "",
             f"2-core machine shared with other jobs (wall times are inflated by the load, CPU seconds much "
             f"less). One run per size, both engines of one size on the same frozen copy of the code ({runs}). "
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
        lines += growth_table(results, e2e_rows(Path(args.e2e)) if args.e2e else None)
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
    ap.add_argument("--e2e", default=str(REPO / "bench/results/e2e.md"),
                    help="an e2e_scale.py results file: its largest complete local size joins the local growth fit "
                         "('' to leave it out)")
    ap.add_argument("--table-only", action="store_true",
                    help="rewrite the table from --keep without running anything")
    ap.add_argument("--src", help="the source tree to measure (default: a copy of src/ taken at the start, so "
                                  "edits made while the benchmark runs do not mix into it)")
    ap.add_argument("--pairs", action="store_true",
                    help="only count the pairs the reuse stage aligns at each size (local code, no Spark)")
    ap.add_argument("--stages", nargs="+", help="run only these pipeline stages (a prefix: stories reuse ...)")
    ap.add_argument("--child", choices=["local", "spark"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pairs:   # pair counts only (light: no alignment, no Spark)
        print("| articles | usable | n-gram/LSH candidates | same-story pairs | pairs aligned | CPU s to count |")
        print("|---|---|---|---|---|---|")
        for n in args.sizes:
            c = count_pairs(n)
            print(f"| {c['articles']:,} | {c['usable']:,} | {c['candidates']:,} | {c['same_story']:,} | "
                  f"{c['pairs']:,} | {c['cpu']:.1f} |", flush=True)
        return
    if args.child:
        child(args.child, args.n, args.master, args.dump, args.stages)
        return
    results: list[dict] = []
    load_avg: list[float] = []
    if args.table_only:
        write(json.loads(Path(args.keep).read_text()), args, load_avg)
        print(Path(args.out).read_text())
        return
    snap = tempfile.TemporaryDirectory(prefix="storytrace-bench-src-")
    src = Path(snap.name) / "src"
    shutil.copytree(args.src or REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    if args.keep and Path(args.keep).exists():   # sizes measured by an earlier run
        results = [r for r in json.loads(Path(args.keep).read_text()) if r["n"] not in args.sizes]
    for n in args.sizes:
        load_avg.append(os.getloadavg()[0])
        local = run_child("local", n, args.master, Path(args.tmp), args.limit, src, args.stages)
        load_avg.append(os.getloadavg()[0])
        spark = run_child("spark", n, args.master, Path(args.tmp), args.limit, src, args.stages)
        load_avg.append(os.getloadavg()[0])
        agree = agreement(local, spark) if local and spark else {}
        for d in (local, spark):   # the outputs served the comparison; keep the rows only
            if d:
                d.pop("out", None)
        results.append({"n": n, "local": local, "spark": spark, "agree": agree,
                        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                        "load": f"{min(load_avg[-3:]):.1f}-{max(load_avg[-3:]):.1f}", "stages": args.stages})
        results.sort(key=lambda r: r["n"])
        write(results, args, load_avg)
    snap.cleanup()
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
