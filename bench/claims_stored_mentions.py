"""What keeping claim mentions per article saves an increment's claims stage, side by side in one process.

    nice .venv/bin/python bench/claims_stored_mentions.py [--sizes 5000,10000] [--add 100] [--repeat 2] [--first-too]

For each N: the first N allsides records (shard order) are ingested into a store and analysed (the
first run, which keeps every article's claim mentions, stage `claims_mentions`), then the next
`--add` records are ingested. That store is copied, and each copy analysed again (the incremental
run), alternately with the stored mentions (what `analyze` does) and without them (every article of
a storyline whose claims must be recomputed is extracted again: what it did before). The claims
stage's CPU seconds are compared; the two analyses must be equal. Wall time moves with other
people's load on the shared 2-core machine; CPU seconds of one process are the figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_scale import write_subset  # noqa: E402
from events_common import replace_section  # noqa: E402

from storytrace import pipeline  # noqa: E402
from storytrace.store import Store  # noqa: E402

VOLATILE = ("timings", "cached_results")


def _extracting(cache, version):
    """`pipeline._stored_mentions` as it was before: every article extracted afresh."""
    from storytrace.claims.extract import extract_claims

    return lambda arts: [m for a in arts for m in extract_claims(a)]


def run_size(n: int, add: int, repeat: int, first_too: bool = False) -> dict:
    opts = pipeline.Options(quiet=True)
    cpu: dict[str, float] = {}

    def timed_stage(name, fn):
        def run(ctx):
            c0 = time.process_time()
            try:
                fn(ctx)
            finally:
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - c0
        return run

    pipeline.STAGES[:] = [(nm, timed_stage(nm, f)) for nm, f in pipeline.STAGES]
    real = pipeline._stored_mentions
    with tempfile.TemporaryDirectory(prefix="mentions-") as tmp:
        t = Path(tmp)
        both = t / "all.jsonl"
        got = write_subset(n + add, both)
        lines = both.read_text(encoding="utf-8").splitlines(keepends=True)
        (t / "base.jsonl").write_text("".join(lines[:n]), encoding="utf-8")
        (t / "new.jsonl").write_text("".join(lines[n:got]), encoding="utf-8")
        with Store(t / "base.db") as st:
            pipeline.ingest([str(t / "base.jsonl")], st, opts)
        def analyze_copy(name: str, variant: str) -> dict:
            """`analyze_store` on a copy of base.db, with (stored) or without (extracted) kept mentions."""
            db = t / f"{name}.db"
            for f in t.glob("base.db*"):
                shutil.copy(f, db.with_name(db.name + f.name[len("base.db"):]))
            pipeline._stored_mentions = real if variant == "stored" else _extracting
            try:
                with Store(db) as st:
                    cpu.clear()
                    return pipeline.analyze_store(st, opts)
            finally:
                pipeline._stored_mentions = real
                for f in t.glob(f"{name}.db*"):
                    f.unlink()

        first_rows = []
        if first_too:  # the first analysis itself, with and without keeping the mentions
            for k in range(repeat):
                for variant in ("stored", "extracted"):
                    analyze_copy(f"first-{variant}{k}", variant)
                    first_rows.append({"variant": variant, "claims_cpu": cpu["claims"]})
                    print(n, "first", first_rows[-1], flush=True)
        with Store(t / "base.db") as st:
            cpu.clear()
            first = pipeline.analyze_store(st, opts)
            first_claims = cpu["claims"]
            del first
            pipeline.ingest([str(t / "new.jsonl")], st, opts)
        rows, docs = [], {}
        for k in range(repeat):
            for variant in ("stored", "extracted"):
                doc = analyze_copy(f"{variant}{k}", variant)
                rows.append({"variant": variant, "claims_cpu": cpu["claims"], "summary_cpu": cpu["summary"],
                             "claims": doc["cached_results"].get("claims"),
                             "mentions": doc["cached_results"].get("claims_mentions")})
                print(n, rows[-1], flush=True)
                docs[variant] = {kk: v for kk, v in doc.items() if kk not in VOLATILE}
                del doc
        return {"n": n, "first_claims": first_claims, "rows": rows, "first_rows": first_rows,
                "equal": docs["stored"] == docs["extracted"]}


def render(results: list[dict], cmd: str) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"{now}, 2-core machine shared with other jobs. Command: `{cmd}`. The claims stage of one increment "
           "(+100 allsides articles) on copies of the same store, alternately with the stored mentions and with every "
           "article of a recomputed storyline extracted again; CPU s of one process, each row one run.", "",
           "| N | first run claims CPU s | increment claims CPU s: stored mentions (runs) | extracted again (runs) "
           "| ratio (means) | storylines recomputed | mentions read back / extracted | same analysis |",
           "|---:|---:|---|---|---:|---|---|---|"]
    for r in results:
        st = [x["claims_cpu"] for x in r["rows"] if x["variant"] == "stored"]
        ex = [x["claims_cpu"] for x in r["rows"] if x["variant"] == "extracted"]
        one = next(x for x in r["rows"] if x["variant"] == "stored")
        m = one["mentions"] or {}
        out.append(f"| {r['n']:,} | {r['first_claims']:.1f} | {' / '.join(f'{x:.1f}' for x in st)} | "
                   f"{' / '.join(f'{x:.1f}' for x in ex)} | {(sum(st) / len(st)) / (sum(ex) / len(ex)):.2f} | "
                   f"{(one['claims'] or {}).get('misses')} | {m.get('hits')} / {m.get('misses')} | "
                   f"{'yes' if r['equal'] else 'NO'} |")
    for r in results:
        if r.get("first_rows"):
            st = [x["claims_cpu"] for x in r["first_rows"] if x["variant"] == "stored"]
            ex = [x["claims_cpu"] for x in r["first_rows"] if x["variant"] == "extracted"]
            out += ["", f"First analysis of N={r['n']:,}, claims stage CPU s: keeping the mentions "
                    f"{' / '.join(f'{x:.1f}' for x in st)}, not keeping them {' / '.join(f'{x:.1f}' for x in ex)} "
                    f"(ratio of means {(sum(st) / len(st)) / (sum(ex) / len(ex)):.2f})."]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000")
    ap.add_argument("--add", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--first-too", action="store_true", help="also time the first analysis with and without keeping them")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "claims.md")
    a = ap.parse_args()
    cmd = "nice .venv/bin/python bench/claims_stored_mentions.py " + " ".join(sys.argv[1:])
    results = [run_size(int(n), a.add, a.repeat, a.first_too) for n in a.sizes.split(",")]
    body = render(results, cmd)
    print(body)
    replace_section(a.out, "claims-stored-mentions", body)


if __name__ == "__main__":
    main()
