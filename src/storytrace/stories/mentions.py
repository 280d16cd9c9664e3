"""When was an undated article written? A lower bound from the months and dates its text names.

A report that says "a delegation visited in early January" and "In December, officials warned"
was written after those months. Month names without a year are read around an anchor
(the earliest dated article of its storyline, or its dated neighbours): each is the latest such
month that starts on or before the anchor plus `HORIZON_DAYS`. So seen from 19 November 2022,
"December" is December 2022 and "January" January 2023 (a follow-up), while "February" ("the
war started in February") stays February 2022: a story followed up more than two months later
is rare enough that reading such a month as the past is the safer bet.

Only past-tense mentions that name a month or a year count: "last month" or "on Saturday" need
the very date we are looking for, and "the factory will open in March" says nothing about when
the text was written. The expressions are resolved by `storytrace.claims.times`.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from ..claims.times import _is_future, find_times, normalize_time

HORIZON_DAYS = 60
# A lower bound this far after the anchor is not trusted (a footer year, a typo): ignored.
MAX_AHEAD_DAYS = 366
# Resolving needs a publication date; the expressions are collected against any fixed one and
# resolved again around the real anchor later.
_PROBE = "2001-06-15"
_NAMED = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])|\b(?:19|20)\d{2}\b")
MAX_MENTIONS = 12


def time_mentions(text: str) -> list[str]:
    """The past-tense time expressions of `text` that name a month or a year ("early January")."""
    out: list[str] = []
    for (s, e), tv in find_times(text, _PROBE):
        expr = text[s:e]
        if tv.get("relation") in ("until", "before") or not _NAMED.search(expr):
            continue
        if _is_future(text, s):
            continue
        expr = " ".join(expr.split())
        if expr not in out:
            out.append(expr)
        if len(out) >= MAX_MENTIONS:
            break
    return out


def floor_date(mentions: list[str], anchor: date) -> tuple[date, str] | None:
    """The latest start among `mentions` read around `anchor`, with the expression; None if none."""
    ref = (anchor + timedelta(days=HORIZON_DAYS)).isoformat()
    best: tuple[date, str] | None = None
    for expr in mentions:
        tv = normalize_time(expr, ref, future=False)
        if not tv or not tv.get("start") or tv.get("precision") == "unknown":
            continue
        d = date.fromisoformat(tv["start"])
        if d > anchor + timedelta(days=MAX_AHEAD_DAYS):
            continue
        if best is None or d > best[0]:
            best = (d, expr)
    return best
