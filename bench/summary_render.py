"""Speed and size of what people look at: summary, report.html, exports, on a real analysis.

    .venv/bin/python bench/summary_render.py [ANALYSIS_JSON ...]
    nice .venv/bin/python bench/summary_render.py --scale 1000,5000 [--workdir DIR]

Without arguments it analyses corpora/seeds with `storytrace.api.analyze` first. Give the
analysis.json of a bigger run (e.g. `storytrace analyze corpora/giveme5w1h/articles.jsonl
--out DIR`) to time a realistic corpus. Appends a section to bench/results/outputs.md.

`--scale N,...`: output size and peak memory at N articles (the first N allsides records, as
bench/e2e_scale.py takes them; each analysis is computed once and kept under --workdir). For
each N, separate child processes load analysis.json and then run (1) the session-1 way of
writing outputs (`json.dumps` of the whole document and the whole uncapped report as strings,
then written), (2) `storytrace.api.write_outputs` as it is now (both streamed, report capped by
`ReportLimits`), (3) the csv, jsonl and graphml exports. Peak memory is the child's peak resident set
during that step (the kernel's peak is reset after loading: /proc/self/clear_refs), next to
what the loaded document itself takes. Writes the "Outputs at scale" section of outputs.md.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.export import export  # noqa: E402
from storytrace.report import render_report  # noqa: E402
from storytrace.summary import summarize  # noqa: E402

CORPORA = Path(__import__("os").environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))


def timed(fn, *a):
    t = time.perf_counter()
    out = fn(*a)
    return out, time.perf_counter() - t


def _status_kb(field: str) -> int:
    import re
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def child(mode: str, analysis: str, out: str) -> None:
    """One measured step in this (fresh) process; prints a JSON line."""
    import gc
    from storytrace import api
    from storytrace.report import ReportLimits
    doc = json.loads(Path(analysis).read_text(encoding="utf-8"))
    gc.collect()
    loaded = _status_kb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    t0 = time.perf_counter()
    outd = Path(out)
    outd.mkdir(parents=True, exist_ok=True)
    sizes = {}
    if mode == "session1":
        # write_outputs as it was: both documents built as strings, the report uncapped.
        unbounded = ReportLimits(storylines=10**9, articles=10**9, claims=10**9, sources=10**9, listed=10**9)
        contents = (json.dumps(doc, ensure_ascii=False, indent=1), render_report(doc, unbounded))
        for name, text in zip(("analysis.json", "report.html"), contents):
            (outd / name).write_text(text, encoding="utf-8")
        del contents
    elif mode == "now":
        api.write_outputs(doc, outd)
    else:
        export(doc, outd, mode)
    wall = time.perf_counter() - t0
    for p in outd.iterdir():
        sizes[p.name] = p.stat().st_size
    print(json.dumps({"mode": mode, "loaded_mb": loaded / 1024, "peak_mb": _status_kb("VmHWM") / 1024,
                      "peak_reset": reset, "wall": wall, "sizes": sizes}))


def make_analysis(n: int, workdir: Path) -> Path:
    """analysis.json of the first n allsides records (computed once, then reused)."""
    import gzip
    d = workdir / str(n)
    path = d / "analysis.json"
    if path.exists():
        return path
    from storytrace import pipeline
    from storytrace.store import Store
    d.mkdir(parents=True, exist_ok=True)
    data, k = d / "input.jsonl", 0
    with open(data, "w", encoding="utf-8") as out:
        for shard in sorted((CORPORA / "allsides").glob("articles-0*.jsonl.gz")):
            with gzip.open(shard, "rt", encoding="utf-8") as f:
                for line in f:
                    if k >= n:
                        break
                    out.write(line if line.endswith("\n") else line + "\n")
                    k += 1
    opts = pipeline.Options(quiet=True)
    with Store(d / "storytrace.db") as store:
        pipeline.ingest([str(data)], store, opts)
        doc = pipeline.analyze_store(store, opts)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def scale(sizes: list[int], workdir: Path) -> None:
    import os
    import subprocess
    rows = []
    for n in sizes:
        analysis = make_analysis(n, workdir)
        doc_mb = analysis.stat().st_size / 1e6
        for mode in ("session1", "now", "csv", "jsonl", "graphml"):
            with tempfile.TemporaryDirectory(prefix="outputs-scale-") as tmp:
                p = subprocess.run([sys.executable, __file__, "--child", mode, str(analysis), tmp],
                                   capture_output=True, text=True, timeout=3600)
                if p.returncode != 0:
                    rows.append((n, doc_mb, {"mode": mode, "error": (p.stderr or "")[-300:]}))
                    continue
                rows.append((n, doc_mb, json.loads(p.stdout.strip().splitlines()[-1])))
            print(rows[-1], flush=True)
    label = {"session1": "write_outputs, session 1 (strings, report uncapped)",
             "now": "write_outputs now (streamed, report capped)", "csv": "export csv (streamed)",
             "jsonl": "export jsonl (streamed)", "graphml": "export graphml (streamed)"}
    lines = [f"## Outputs at scale: report size and write_outputs memory — {date.today().isoformat()}", "",
             "| N articles | step | report.html MB | analysis.json MB | other files MB | wall s | RSS with the document loaded MB | peak RSS MB | peak above loaded MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n, doc_mb, r in rows:
        if "error" in r:
            lines.append(f"| {n:,} | {label[r['mode']]} | failed: {r['error'].splitlines()[-1] if r['error'] else '?'} | | | | | | |")
            continue
        sz = r["sizes"]
        rep = sz.get("report.html")
        js = sz.get("analysis.json")
        other = sum(v for k, v in sz.items() if k not in ("report.html", "analysis.json"))
        lines.append(f"| {n:,} | {label[r['mode']]} | {rep / 1e6:.1f} | " if rep else f"| {n:,} | {label[r['mode']]} | — | ")
        lines[-1] += (f"{js / 1e6:.1f} | " if js else "— | ") + (f"{other / 1e6:.1f} | " if other else "— | ")
        lines[-1] += f"{r['wall']:.1f} | {r['loaded_mb']:.0f} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['loaded_mb']:.0f} |"
    load = os.getloadavg()
    lines += ["", "Each step in a fresh child process that first loads analysis.json (compact, as the pipeline's "
              "document); peak RSS is the kernel's peak resident set after that load "
              + ("(reset through /proc/self/clear_refs)" if all(r.get("peak_reset", True) for _, _, r in rows) else
                 "(the kernel refused the reset: peak since the child started)") + ". "
              f"Report limits now: `storytrace.report.DEFAULT_LIMITS`. Load average at the end: "
              f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (shared 2-core machine: wall seconds are upper bounds).",
              "", f"Reproduce: `nice .venv/bin/python bench/summary_render.py --scale {','.join(map(str, sizes))}"
              f" --workdir {workdir}` (the analyses are computed first when missing: minutes at 5,000).", ""]
    text = "\n".join(lines)
    print(text)
    _merge(text, "## Outputs at scale")


def _merge(text: str, marker: str) -> None:
    out = REPO / "bench" / "results" / "outputs.md"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if marker in old:
        head, _, rest = old.partition(marker)
        nxt = rest.find("\n## ")
        old = head + (rest[nxt + 1:] if nxt >= 0 else "")
    out.write_text((old.rstrip() + "\n\n" if old.strip() else "") + text, encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--scale":
        args = sys.argv[2:]
        workdir = Path(args[args.index("--workdir") + 1]) if "--workdir" in args else Path(tempfile.gettempdir()) / "storytrace-outputs-scale"
        scale([int(x) for x in args[0].split(",")], workdir)
        return
    docs = []
    if len(sys.argv) > 1:
        for p in sys.argv[1:]:
            docs.append((p, json.loads(Path(p).read_text(encoding="utf-8"))))
    else:
        from storytrace.api import analyze
        docs.append(("corpora/seeds (storytrace.api.analyze)", dict(analyze([CORPORA / "seeds"]))))
    lines = [f"## Outputs: summary, report, exports — {date.today().isoformat()}", "",
             "| analysis | articles | storylines | claims | summarize s | report s | report MB | csv s | graphml s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, doc in docs:
        _, t_sum = timed(summarize, doc)
        html, t_rep = timed(render_report, doc)
        with tempfile.TemporaryDirectory() as d:
            _, t_csv = timed(export, doc, Path(d) / "csv", "csv")
            _, t_gml = timed(export, doc, Path(d) / "gml", "graphml")
        lines.append(f"| {name} | {len(doc.get('articles') or [])} | {len(doc.get('storylines') or [])} | "
                     f"{len(doc.get('claims') or [])} | {t_sum:.2f} | {t_rep:.2f} | {len(html.encode()) / 1e6:.2f} | "
                     f"{t_csv:.2f} | {t_gml:.2f} |")
    lines += ["", "Wall-clock seconds on the shared 2-core dev machine (load varies: treat as upper bounds).",
              "Reproduce: `.venv/bin/python bench/summary_render.py [DIR/analysis.json ...]`.", ""]
    text = "\n".join(lines)
    print(text)
    _merge(text, "## Outputs: summary, report, exports")


if __name__ == "__main__":
    main()
