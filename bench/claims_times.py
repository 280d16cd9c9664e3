"""Relative time expressions of news, resolved against a publication date: storytrace vs dateparser.

The expressions the issue lists (and a few more common in news), each with the period a reader
means, published 2022-11-20 (a Sunday). Correct = the start day and the precision agree (for
dateparser: `DateDataParser.get_date_data` date and period, RELATIVE_BASE = publication, past preferred).

Run from the repository root: .venv/bin/python bench/claims_times.py
"""
from __future__ import annotations

import sys
import time
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.claims import normalize_time  # noqa: E402

PUB = "2022-11-20"
# expression -> (start, precision) a reader means
CASES = {
    "since August": ("2022-08-01", "month"),
    "early November": ("2022-11-01", "month"),
    "last month": ("2022-10-01", "month"),
    "this Saturday": ("2022-11-19", "day"),
    "in the past three months": ("2022-08-20", "month"),
    "earlier this month": ("2022-11-01", "month"),
    "in December": ("2021-12-01", "month"),
    "on Wednesday": ("2022-11-16", "day"),
    "in 2021": ("2021-01-01", "year"),
    "mid-September": ("2022-09-11", "month"),
    "late October": ("2022-10-21", "month"),
    "yesterday": ("2022-11-19", "day"),
    "last week": ("2022-11-07", "day"),
    "two weeks ago": ("2022-11-03", "day"),
    "Nov. 17": ("2022-11-17", "day"),
    "this summer": ("2022-06-01", "season"),
    "last year": ("2021-01-01", "year"),
    "August 2022": ("2022-08-01", "month"),
    "late Thursday": ("2022-11-17", "day"),
    "early this month": ("2022-11-01", "month"),
}


def dateparser_resolve(expr: str):
    from dateparser.date import DateDataParser
    p = DateDataParser(languages=["en"], settings={"RELATIVE_BASE": datetime(2022, 11, 20), "PREFER_DATES_FROM": "past",
                                                   "PREFER_DAY_OF_MONTH": "first"})
    d = p.get_date_data(expr)
    if d is None or d.date_obj is None:
        return None, None
    period = d.period
    return d.date_obj.date().isoformat(), period


def main() -> str:
    rows = []
    ok_ours = ok_dp = 0
    t_ours = t_dp = 0.0
    dateparser_resolve("warm up")
    for expr, (start, prec) in CASES.items():
        t = time.perf_counter(); tv = normalize_time(expr, PUB); t_ours += time.perf_counter() - t
        t = time.perf_counter(); ds, dper = dateparser_resolve(expr); t_dp += time.perf_counter() - t
        ours_ok = bool(tv) and tv["start"] == start and tv["precision"] == prec
        # dateparser has no "season"; its period "week" is counted right for day-precision weeks.
        dp_ok = ds == start and (dper == prec or (dper == "week" and prec == "day"))
        ok_ours += ours_ok
        ok_dp += dp_ok
        rows.append((expr, f"{start} ({prec})", f"{tv['start']} ({tv['precision']}, {tv['label']})" if tv else "None",
                     f"{ds} ({dper})" if ds else "None", ours_ok, dp_ok))
    lines = ["## claims: relative times against the publication date (published 2022-11-20)", "",
             f"storytrace normalize_time: **{ok_ours}/{len(CASES)}** correct ({t_ours * 1000:.1f} ms); "
             f"dateparser 1.5.0 get_date_data: **{ok_dp}/{len(CASES)}** ({t_dp * 1000:.1f} ms).", "",
             "| expression | meant | storytrace | dateparser |", "|---|---|---|---|"]
    for e, m, o, d, oo, dd in rows:
        lines.append(f"| {e} | {m} | {o} {'ok' if oo else 'WRONG'} | {d} {'ok' if dd else 'WRONG'} |")
    lines += ["", "Reproduce: `.venv/bin/python bench/claims_times.py`  ", f"Date: {date.today().isoformat()}", ""]
    out = "\n".join(lines)
    print(out)
    return out


if __name__ == "__main__":
    main()
