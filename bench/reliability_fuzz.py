"""A longer fuzz campaign over every reader: tests/test_reliability_fuzz.py with the example
counts multiplied (STORYTRACE_FUZZ_SCALE) and random (not derandomized) seeds, recording how
many inputs each property saw, the failures, and the time.

    .venv/bin/python bench/reliability_fuzz.py --scale 10
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_crash import update_section  # noqa: E402


def hypothesis_stats(out: str, module: str) -> tuple[dict[str, list[int]], str]:
    """Per test of `module`: [passing, failing, invalid] examples from pytest's --hypothesis-show-statistics
    output ("tests/...py::test_x:" then "- during generate phase (...): N passing, M failing, and K invalid"),
    and pytest's summary line."""
    stats: dict[str, list[int]] = {}
    current = None
    for line in out.splitlines():
        m = re.match(rf"^tests/{module}\.py::(\w+)", line.strip())
        if m:
            current = m.group(1)
            continue
        m = re.search(r"(\d+) passing, (\d+) failing, and (\d+) invalid", line)
        if current and m:
            s = stats.setdefault(current, [0, 0, 0])
            for i in range(3):
                s[i] += int(m.group(i + 1))
    summary = (re.findall(r"=+ (.*(?:passed|failed).*) =+", out) or [out.strip().splitlines()[-1] if out.strip() else "?"])[-1]
    return stats, summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--out", default=str(REPO / "bench/results/reliability.md"))
    args = ap.parse_args()
    env = dict(os.environ, STORYTRACE_FUZZ_SCALE=str(args.scale))
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pytest", "tests/test_reliability_fuzz.py", "-q", "-p", "no:cacheprovider",
                        "--hypothesis-show-statistics", "-rf"], cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    out = p.stdout + p.stderr
    stats, summary = hypothesis_stats(out, "test_reliability_fuzz")
    params = re.findall(r"(\d+) passed", summary)
    lines = [f"## Reliability: readers fuzzed over every format ({dt.date.today()})", "",
             f"Command: `.venv/bin/python bench/reliability_fuzz.py --scale {args.scale:g}` (runs tests/test_reliability_fuzz.py "
             f"with {args.scale:g}x the examples, random seeds); wall {wall:.0f} s on {os.cpu_count()} shared cores; "
             f"pytest: {summary}.", "",
             "| property (hypothesis) | inputs generated | failing | invalid |", "|---|---|---|---|"]
    for name, (ok, bad, inv) in sorted(stats.items()):
        lines.append(f"| {name} | {ok + bad} | {bad} | {inv} |")
    lines += ["", f"Parametrized attack cases (XML entity attacks x names, gzip bombs x names, fixed cases) run once each: "
                  f"included in the pytest total above ({params[0] if params else '?'} passed).", ""]
    if p.returncode:
        fails = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
        lines += ["Failures:", ""] + [f"- {f}" for f in fails[:20]] + [""]
    update_section(Path(args.out), "reliability_fuzz", "\n".join(lines))
    print("\n".join(lines))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
