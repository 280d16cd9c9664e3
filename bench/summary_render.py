"""Speed and size of what people look at: summary, report.html, exports, on a real analysis.

    .venv/bin/python bench/summary_render.py [ANALYSIS_JSON ...]

Without arguments it analyses corpora/seeds with `storytrace.api.analyze` first. Give the
analysis.json of a bigger run (e.g. `storytrace analyze corpora/giveme5w1h/articles.jsonl
--out DIR`) to time a realistic corpus. Appends a section to bench/results/outputs.md.
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


def main() -> None:
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
    out = REPO / "bench" / "results" / "outputs.md"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    marker = "## Outputs: summary, report, exports"
    if marker in old:
        head, _, rest = old.partition(marker)
        nxt = rest.find("\n## ")
        old = head + (rest[nxt + 1:] if nxt >= 0 else "")
    out.write_text((old.rstrip() + "\n\n" if old.strip() else "") + text, encoding="utf-8")


if __name__ == "__main__":
    main()
