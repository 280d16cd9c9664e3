"""Sources stage speed, this tree against a baseline commit, side by side in one run; outputs compared.

    nice .venv/bin/python bench/sources_speed.py [--sizes 1000,5000] [--reps 3] [--base c971e33]
                                                 [--check-only] [--profile N]

The baseline is the package at `--base` (default: the commit before this session's speed work),
unpacked with `git archive` (read-only) into a temp dir. The articles are the first N allsides
articles (articles-00.jsonl.gz, then -01 ...), read as `bench/sources_basil.py --speed` reads them.
Each version runs the stage as `pipeline._sources` calls it (`extract_attributions` for every article,
then `build_registry`) in its own subprocess, alternating baseline / current `--reps` times; the CPU
time (`time.process_time`) of each part is reported, with the minimum over the runs (the least
disturbed by other jobs on a shared machine). Then the outputs are compared, exactly: every
attribution of every article (`Attribution.to_dict`: spans, speakers, kinds, roles, scores,
evidence, affiliations, on_behalf_of) and the registry (sources with ids, aliases, roles and
affiliations; attribution dicts with source ids). The same identity check runs on every BASIL,
giveme5w1h and seeds article (`--check-only` runs only the checks).
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path("/work/shared/corpora")
DEFAULT_BASE = "c971e33"

_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from storytrace.model import Article
from storytrace.sources import build_registry, extract_attributions
rows = json.load(open(sys.argv[2]))
arts = [Article(text=r["text"], external_id=r["id"], outlet=r.get("outlet"), title=r.get("title")) for r in rows]
extract_attributions(Article(text="Jane Roe said the plan would work, according to the Daily Courier."))  # warm
c0 = time.process_time()
per = [extract_attributions(a) for a in arts]
c1 = time.process_time()
reg = build_registry(arts, [x for xs in per for x in xs])
c2 = time.process_time()
if len(sys.argv) > 3:
    json.dump({"attributions": [[x.to_dict() for x in xs] for xs in per],
               "sources": [s.to_dict() | {"roles": s.roles} for s in reg.sources],
               "registry_attributions": reg.attributions}, open(sys.argv[3], "w"))
print(json.dumps({"extract": c1 - c0, "registry": c2 - c1, "attributions": sum(map(len, per)),
                  "sources": len(reg.sources)}))
"""


def baseline_tree(rev: str, dest: Path) -> Path:
    """The repository's src at `rev`, unpacked under `dest` (git archive: reads, changes nothing)."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest)
    return dest / "src"


def allsides(n: int) -> list[dict]:
    out: list[dict] = []
    for part in sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                out.append({"text": d["text"], "id": d["id"], "outlet": d.get("outlet"), "title": d.get("title")})
                if len(out) >= n:
                    return out
    return out


def jsonl(name: str) -> list[dict]:
    rows = []
    for line in open(CORPORA / name / "articles.jsonl", encoding="utf-8"):
        d = json.loads(line)
        rows.append({"text": d.get("text") or "", "id": str(d.get("id")), "outlet": d.get("outlet"),
                     "title": d.get("title")})
    return rows


def run_worker(src: Path, data: Path, out: Path | None = None) -> dict:
    cmd = [sys.executable, "-c", _WORKER, str(src), str(data)] + ([str(out)] if out else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def compare(a: dict, b: dict) -> list[str]:
    """Every difference between two runs' outputs, one line each (empty = identical)."""
    lines = []
    for i, (xa, xb) in enumerate(zip(a["attributions"], b["attributions"])):
        if xa != xb:
            sa = {json.dumps(x, sort_keys=True) for x in xa}
            sb = {json.dumps(x, sort_keys=True) for x in xb}
            for x in sorted(sa - sb)[:3]:
                lines.append(f"article {i} only in baseline: {x[:300]}")
            for x in sorted(sb - sa)[:3]:
                lines.append(f"article {i} only in current: {x[:300]}")
            if sa == sb:
                lines.append(f"article {i}: same attributions, another order")
    if len(a["attributions"]) != len(b["attributions"]):
        lines.append("article counts differ")
    if a["sources"] != b["sources"]:
        lines.append(f"registry sources differ ({len(a['sources'])} vs {len(b['sources'])})")
    if a["registry_attributions"] != b["registry_attributions"]:
        lines.append("registry attribution dicts differ")
    return lines


def identical(base: Path, current: Path, rows: list[dict], tmp: Path, label: str) -> tuple[int, list[str]]:
    data = tmp / f"{label}.json"
    data.write_text(json.dumps(rows))
    outs = []
    for name, src in (("baseline", base), ("current", current)):
        o = tmp / f"{label}-{name}.out.json"
        r = run_worker(src, data, o)
        outs.append(json.loads(o.read_text()))
    return r["attributions"], compare(*outs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--check-only", action="store_true", help="only the identity checks (BASIL, giveme5w1h, seeds)")
    ap.add_argument("--src", type=Path, default=REPO / "src", help="the current code (default: this tree's src)")
    args = ap.parse_args()
    current = args.src
    speed_md, check_md = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_tree(args.base, tmp / "base")
        for label in ("basil", "giveme5w1h", "seeds"):
            try:
                rows = jsonl(label)
            except FileNotFoundError:
                continue
            k, diffs = identical(base, current, rows, tmp, label)
            for line in diffs[:20]:
                print("  DIFF", label, line)
            check_md.append(f"| {label} | {len(rows):,} | {k:,} | {len(diffs)} |")
            print(check_md[-1], flush=True)
        if not args.check_only:
            for n in [int(x) for x in args.sizes.split(",")]:
                rows = allsides(n)
                data = tmp / f"allsides-{n}.json"
                data.write_text(json.dumps(rows))
                times: dict[str, list[dict]] = {"baseline": [], "current": []}
                outs = {}
                for rep in range(args.reps):
                    for name, src in (("baseline", base), ("current", current)):
                        o = tmp / f"{name}-{n}.out.json" if rep == 0 else None
                        r = run_worker(src, data, o)
                        times[name].append(r)
                        if o:
                            outs[name] = json.loads(o.read_text())
                        print(f"N={len(rows)} {name} rep {rep}: extract {r['extract']:.2f} + registry "
                              f"{r['registry']:.2f} CPU s, {r['attributions']} attributions, {r['sources']} sources",
                              flush=True)
                diffs = compare(outs["baseline"], outs["current"])
                for line in diffs[:20]:
                    print("  DIFF", line)
                k = times["current"][0]["attributions"]

                def best(name: str, part: str) -> float:
                    return min(t[part] for t in times[name])

                def total(name: str) -> float:
                    return min(t["extract"] + t["registry"] for t in times[name])

                bt, ct = total("baseline"), total("current")
                speed_md.append(
                    f"| {len(rows):,} | {best('baseline', 'extract'):.2f} + {best('baseline', 'registry'):.2f} = {bt:.2f} | "
                    f"{k / bt:,.0f} | {len(rows) / bt:,.0f} | {best('current', 'extract'):.2f} + "
                    f"{best('current', 'registry'):.2f} = {ct:.2f} | {k / ct:,.0f} | {len(rows) / ct:,.0f} | "
                    f"**{bt / ct:.2f}x** | {k:,} | {len(diffs)} |")
    print("\n| corpus | articles | attributions | differences (baseline vs current) |\n|---|---|---|---|")
    print("\n".join(check_md))
    if speed_md:
        print(f"\n| N allsides | baseline CPU s: extract + registry = stage (min of {args.reps}) | attributions/CPU-s | "
              "articles/CPU-s | current CPU s: extract + registry = stage | attributions/CPU-s | articles/CPU-s | "
              "speed-up | attributions | differences |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(speed_md))


if __name__ == "__main__":
    main()
