"""CPU time (and optionally a cProfile) of the claims and summary stages on the first N allsides articles.

    nice .venv/bin/python bench/claims_profile.py --sizes 1000,5000 [--profile] [--save-outputs DIR]

The stages before claims (stories, reuse, sources) run once per size and their context is cached as
a pickle under the temp dir (so a before/after comparison of the claims stage sees the same input
even while other stages change); then the claims stage (`pipeline._claims`, as `run_stages` calls
it) and the summary stage (`pipeline._summary`) are timed with `time.process_time`, and the peak
RSS of each is read as in bench/e2e_scale.py (reset via /proc/self/clear_refs).

--save-outputs writes the claims/conflicts/timeline/novelty/summary sections of each size as JSON,
to compare the results of two versions of the code (bench/claims_profile.py --compare A B).
"""
from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import math
import os
import pickle
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))
CACHE = Path(tempfile.gettempdir()) / "storytrace-claims-profile"


def _status_kb(field: str) -> int:
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def write_subset(n: int, path: Path) -> int:
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


def prepared(n: int):
    """The pipeline context after stories, reuse and sources on the first n allsides articles (cached)."""
    from storytrace import pipeline
    from storytrace.store import Store

    CACHE.mkdir(exist_ok=True)
    pkl = CACHE / f"ctx-{n}.pkl"
    if pkl.exists():
        return _upgrade(pickle.loads(pkl.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "in.jsonl"
        write_subset(n, data)
        store = Store(Path(tmp) / "s.db")
        opts = pipeline.Options(quiet=True)
        pipeline.ingest([str(data)], store, opts)
        ctx = pipeline.Context(articles=store.articles(), options=opts)
        store.close()
    for name, fn in pipeline.STAGES:
        if name in ("claims", "summary"):
            break
        fn(ctx)
    pkl.write_bytes(pickle.dumps(ctx))
    return ctx


def _upgrade(ctx):
    """A context pickled by an older `Context` gets the fields added since, at their defaults."""
    import dataclasses

    for f in dataclasses.fields(ctx):
        if f.name not in ctx.__dict__:
            setattr(ctx, f.name, f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
    return ctx


def run(n: int, profile: bool, save: Path | None, stages: list[str]) -> dict:
    from storytrace import pipeline

    ctx = prepared(n)
    fns = dict(pipeline.STAGES)
    res = {"n": len(ctx.articles)}
    for name in stages:
        prof = cProfile.Profile() if profile else None
        _reset_peak()
        c0 = time.process_time()
        if prof:
            prof.enable()
        fns[name](ctx)
        if prof:
            prof.disable()
        res[name] = {"cpu": time.process_time() - c0, "peak_mb": _status_kb("VmHWM") / 1024}
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(35)
            s2 = io.StringIO()
            pstats.Stats(prof, stream=s2).sort_stats("tottime").print_stats(25)
            print(f"==== {name} N={n} cumulative\n{s.getvalue()}\n==== {name} N={n} tottime\n{s2.getvalue()}")
    if save:
        save.mkdir(parents=True, exist_ok=True)
        keep = {k: ctx.out.get(k) for k in ("claims", "conflicts", "timeline", "novelty", "summary")}
        (save / f"out-{n}.json").write_text(json.dumps(keep, sort_keys=True))
    return res


def compare(a: Path, b: Path) -> None:
    """Say how two saved outputs differ, section by section."""
    for fa in sorted(a.glob("out-*.json")):
        fb = b / fa.name
        if not fb.exists():
            continue
        da, db = json.loads(fa.read_text()), json.loads(fb.read_text())
        for k in da:
            xa, xb = da[k] or [], db.get(k) or []
            same = json.dumps(xa, sort_keys=True) == json.dumps(xb, sort_keys=True)
            if k == "claims":
                ka = {(c["id"], json.dumps(c["evidence"]), c["independent_support"]) for c in xa}
                kb = {(c["id"], json.dumps(c["evidence"]), c["independent_support"]) for c in xb}
                print(f"{fa.name} {k}: {len(xa)} vs {len(xb)}, identical={same}, only in A {len(ka - kb)}, only in B {len(kb - ka)}")
            else:
                sa = {json.dumps(x, sort_keys=True) for x in xa}
                sb = {json.dumps(x, sort_keys=True) for x in xb}
                print(f"{fa.name} {k}: {len(xa)} vs {len(xb)}, identical={same}, only in A {len(sa - sb)}, only in B {len(sb - sa)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--stages", default="claims,summary")
    ap.add_argument("--save-outputs")
    ap.add_argument("--compare", nargs=2)
    args = ap.parse_args()
    if args.compare:
        compare(Path(args.compare[0]), Path(args.compare[1]))
        return
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        r = run(n, args.profile, Path(args.save_outputs) if args.save_outputs else None, args.stages.split(","))
        rows.append(r)
        print(json.dumps(r), flush=True)
    stages = args.stages.split(",")
    print("\n| N | " + " | ".join(f"{s} CPU s | {s} art/CPU-s | {s} peak MB" for s in stages) + " |")
    print("|---|" + "---|---|---|" * len(stages))
    for r in rows:
        print(f"| {r['n']} | " + " | ".join(f"{r[s]['cpu']:.2f} | {r['n'] / max(r[s]['cpu'], 1e-9):,.0f} | "
                                           f"{r[s]['peak_mb']:.0f}" for s in stages) + " |")
    if len(rows) >= 2:
        for s in stages:
            b = math.log(rows[-1][s]["cpu"] / rows[0][s]["cpu"]) / math.log(rows[-1]["n"] / rows[0]["n"])
            print(f"growth exponent {s} (CPU, {rows[0]['n']} -> {rows[-1]['n']}): {b:.2f}")


if __name__ == "__main__":
    main()
