"""Escaping campaign: hostile strings in every article-derived field of the report and web UI.

    .venv/bin/python bench/reliability_escaping.py [--scale 10] [--no-mutations]

1. Runs tests/test_reliability_escaping.py with STORYTRACE_FUZZ_SCALE (10x the examples, random
   seeds instead of the derandomized test run) and records how many hostile analyses each
   property rendered and checked.
2. Mutation check (the oracle can fail): breaks escaping in one place at a time (a `|safe` in a
   template, the http(s)-only rule of `safe_url`, the `<` escaping of inline JSON, an unescaped
   SVG tooltip or highlight title...) in a private copy of src/, runs the derandomized property
   tests against it (PYTHONPATH puts the copy first). Every mutation must be caught.
Writes the "Reliability: hostile strings in the report and web UI" section of
bench/results/reliability.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_crash import update_section  # noqa: E402
from reliability_fuzz import hypothesis_stats  # noqa: E402

TEST = "tests/test_reliability_escaping.py"
# (file, what to break, broken version, what it stands for)
MUTATIONS = [
    ("src/storytrace/report/templates/report.html.j2", "<h3>[{{ a.num }}] {{ a.title }}</h3>",
     "<h3>[{{ a.num }}] {{ a.title|safe }}</h3>", "report: an article title marked safe"),
    ("src/storytrace/report/safe.py", '    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:\n        return None\n',
     "", "safe_url lets any scheme through"),
    ("src/storytrace/report/safe.py", 's = s.replace("<", "\\\\u003c")', "s = s", "inline JSON keeps `<` (`</script>` ends it)"),
    ("src/storytrace/report/highlight.py", 'title="{escape(clip(tip, 400))}"', 'title="{clip(tip, 400)}"',
     "highlight tooltip attribute unescaped"),
    ("src/storytrace/report/graph.py", "<title>{escape(tip)}</title>'\n                   f'<line",
     "<title>{tip}</title>'\n                   f'<line", "derivation-graph edge tooltip unescaped"),
    ("src/storytrace/report/timeline.py", "class=\"rowlabel\">{escape(clip(name, 26))}</text>",
     "class=\"rowlabel\">{clip(name, 26)}</text>", "timeline outlet label unescaped"),
    ("src/storytrace/web/templates/event.html", "<dt>{{ k }}</dt>", "<dt>{{ k|safe }}</dt>",
     "web: an event's why-key marked safe"),
    ("src/storytrace/web/templates/_macros.html", "[{{ a.num }}] {{ a.title }}</a>", "[{{ a.num }}] {{ a.title|safe }}</a>",
     "web: article links marked safe"),
    ("src/storytrace/web/templates/article.html", '{% if url %}<a href="{{ url }}"', '{% if a.url %}<a href="{{ a.url }}"',
     "web: any article URL made a link (no safe_url)"),
]


def run_tests(env: dict, extra: list[str] = ()) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider", *extra],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    return p.returncode, p.stdout + p.stderr, time.perf_counter() - t0


def mutation_check() -> list[tuple[str, str, float]]:
    """Each mutation on a private copy of src/ (imported first through PYTHONPATH), never on the
    working tree, which other people's test runs share."""
    rows = []
    for path, old, new, what in MUTATIONS:
        src = (REPO / path).read_text(encoding="utf-8")
        if old not in src:
            rows.append((what, "not applied (code changed: update the mutation)", 0.0))
            continue
        with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
            shutil.copytree(REPO / "src", Path(tmp) / "src", ignore=shutil.ignore_patterns("__pycache__"))
            (Path(tmp) / path).write_text(src.replace(old, new, 1), encoding="utf-8")
            env = dict(os.environ, STORYTRACE_FUZZ_SCALE="1", PYTHONPATH=str(Path(tmp) / "src"))
            rc, out, wall = run_tests(env, ["-x"])
            rows.append((what, "caught" if rc else "NOT CAUGHT", wall))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--no-mutations", action="store_true")
    ap.add_argument("--out", default=str(REPO / "bench/results/reliability.md"))
    args = ap.parse_args()
    env = dict(os.environ, STORYTRACE_FUZZ_SCALE=str(args.scale))
    rc, out, wall = run_tests(env, ["--hypothesis-show-statistics", "-rf"])
    stats, summary = hypothesis_stats(out, "test_reliability_escaping")
    lines = [f"## Reliability: hostile strings in the report and web UI ({dt.date.today()})", "",
             f"Command: `.venv/bin/python bench/reliability_escaping.py --scale {args.scale:g}` (runs {TEST} with "
             f"{args.scale:g}x the examples, random seeds); wall {wall:.0f} s on {os.cpu_count()} shared cores; pytest: {summary}.",
             "", "| property (hypothesis) | hostile analyses generated | failing | invalid |", "|---|---|---|---|"]
    for name, (ok, bad, inv) in sorted(stats.items()):
        lines.append(f"| {name} | {ok + bad} | {bad} | {inv} |")
    lines += ["", "Each example: a hostile string in every one of 20 article-derived fields and 9 ids; the report "
              "(complete and capped) or every web page (13 + one per article, 404 pages with hostile ids, hostile "
              "search queries) and 14 /api responses parsed and checked (see the test's docstring).", ""]
    if rc:
        lines += ["Failures:", "", "```", *[ln for ln in out.splitlines() if ln.startswith(("FAILED", "E "))][:30], "```", ""]
    if not args.no_mutations:
        muts = mutation_check()
        lines += ["Mutation check (the oracle must catch a deliberate escaping break; derandomized test run per mutation):", "",
                  "| broken on purpose | result | s |", "|---|---|---|"]
        lines += [f"| {what} | {res} | {w:.0f} |" for what, res, w in muts]
        lines.append("")
    text = "\n".join(lines)
    update_section(Path(args.out), "reliability_escaping", text)
    print(text)
    return 0 if rc == 0 and "NOT CAUGHT" not in text else 1


if __name__ == "__main__":
    sys.exit(main())
