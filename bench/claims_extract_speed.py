"""Claim extraction speed, this tree against a baseline commit, side by side in one run; outputs compared.

    nice .venv/bin/python bench/claims_extract_speed.py [--sizes 1000,5000] [--reps 3] [--base f160aa8]
                                                        [--stage]

The baseline is the package at `--base` (default: the commit before this session's extraction
work), unpacked with `git archive` into a temp dir. The articles are the first N allsides articles
as the claims stage sees them (the context `bench/claims_profile.py` caches after stories, reuse and
sources). Each version runs `extract_claims` over them in its own subprocess, alternating
baseline / current `--reps` times; the CPU time (`time.process_time`) of each run is reported, with
the minimum (the least disturbed by other jobs on a shared machine) and the median. Then every
mention of every article is compared key by key (to_dict) and each difference is listed.

--stage also times the whole claims stage (`pipeline._claims`: extraction, alignment, conflicts,
timeline) of both versions with bench/claims_profile.py, once each.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import io
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASE = "f160aa8"

_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from storytrace.claims.extract import extract_claims
from storytrace.model import Article
rows = json.load(open(sys.argv[2]))
arts = [Article(text=r["text"], title=r["title"], published=r["published"], id=r["id"]) for r in rows]
c0 = time.process_time()
res = [extract_claims(a) for a in arts]
cpu = time.process_time() - c0
if len(sys.argv) > 3:
    json.dump([[m.to_dict() for m in ms] for ms in res], open(sys.argv[3], "w"))
print(json.dumps({"cpu": cpu, "mentions": sum(map(len, res))}))
"""


def baseline_tree(rev: str, dest: Path) -> Path:
    """The repository at `rev` (src and bench), unpacked under `dest`."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src", "bench"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest)
    return dest


def articles(n: int, path: Path) -> int:
    sys.path.insert(0, str(REPO / "bench"))
    from claims_profile import prepared  # noqa: E402

    ctx = prepared(n)
    rows = [{"text": a.text, "title": a.title, "published": a.published, "id": a.id} for a in ctx.articles]
    path.write_text(json.dumps(rows))
    return len(rows)


def run_worker(src: Path, data: Path, out: Path | None = None) -> dict:
    cmd = [sys.executable, "-c", _WORKER, str(src), str(data)] + ([str(out)] if out else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def compare(a: list, b: list) -> list[str]:
    """Every mention that differs between two runs, as one line each."""
    lines = []
    for i, (xa, xb) in enumerate(zip(a, b)):
        if xa == xb:
            continue
        da, db = {m["id"]: m for m in xa}, {m["id"]: m for m in xb}
        for k in sorted(set(da) | set(db)):
            ma, mb = da.get(k), db.get(k)
            if ma == mb:
                continue
            if ma and mb:
                diff = {f: (ma[f], mb[f]) for f in ma if ma[f] != mb.get(f)}
                lines.append(f"article {i} mention {k}: {diff}")
            else:
                lines.append(f"article {i} mention {k} only in {'baseline' if ma else 'current'}: "
                             f"{(ma or mb)['text'][:100]!r}")
    return lines


def stage_cpu(tree: Path, n: int) -> float:
    """CPU s of the claims stage at N (bench/claims_profile.py of that tree, same cached context)."""
    out = subprocess.run([sys.executable, str(tree / "bench" / "claims_profile.py"), "--sizes", str(n),
                          "--stages", "claims"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[0])["claims"]["cpu"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--stage", action="store_true")
    args = ap.parse_args()
    rows_md = []
    stage_md = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_tree(args.base, tmp / "base")
        for n in [int(x) for x in args.sizes.split(",")]:
            data = tmp / f"articles-{n}.json"
            k = articles(n, data)
            times: dict[str, list[float]] = {"baseline": [], "current": []}
            for rep in range(args.reps):
                for name, src in (("baseline", base / "src"), ("current", REPO / "src")):
                    out = tmp / f"{name}-{n}.json" if rep == 0 else None
                    r = run_worker(src, data, out)
                    times[name].append(r["cpu"])
                    print(f"N={k} {name} rep {rep}: {r['cpu']:.2f} CPU s, {r['mentions']} mentions", flush=True)
            diffs = compare(json.loads((tmp / f"baseline-{n}.json").read_text()),
                            json.loads((tmp / f"current-{n}.json").read_text()))
            nm = sum(len(x) for x in json.loads((tmp / f"current-{n}.json").read_text()))
            for line in diffs[:50]:
                print("  DIFF", line)
            b, c = min(times["baseline"]), min(times["current"])
            rows_md.append(f"| {k:,} | {b:.2f} | {k / b:,.0f} | {c:.2f} | {k / c:,.0f} | **{b / c:.2f}x** | "
                           f"{statistics.median(times['baseline']) / statistics.median(times['current']):.2f}x | "
                           f"{nm:,} | {len(diffs)} |")
            if args.stage:
                sb, sc = stage_cpu(base, n), stage_cpu(REPO, n)
                stage_md.append(f"| {k:,} | {sb:.2f} | {k / sb:,.0f} | {sc:.2f} | {k / sc:,.0f} | {sb / sc:.2f}x |")
    print(f"\n| N | baseline CPU s (min of {args.reps}) | art/CPU-s | current CPU s | art/CPU-s | speed-up (min) | "
          "speed-up (median) | mentions | mentions differing |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows_md))
    if stage_md:
        print("\n| N | claims stage, baseline CPU s | art/CPU-s | current CPU s | art/CPU-s | speed-up |")
        print("|---|---|---|---|---|---|")
        print("\n".join(stage_md))


if __name__ == "__main__":
    main()
