"""Time expressions in news text -> {"start", "end", "precision", "label"} against the publication date.

News dates are mostly relative ("on Wednesday", "last month", "since August", "early November",
"in the past three months", "earlier this month"), and dateparser returns None or the wrong
period for several of them, so these are our own rules. Each result keeps its precision
(day | month | season | year) and a readable `label` ("early 2022-11", "since 2022-08"); an
expression that needs the publication date when there is none is kept with precision "unknown"
and no dates: never invented.

Conventions: a weekday or a month without a year is the most recent one on or before the
publication date (news reports the past), unless the sentence speaks of the future ("will",
"is expected to", "next"), then the next one on or after it.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Callable, TypedDict

from ..dates import published_date
from storytrace.text import trie_pattern

Span = tuple[int, int]


# A month-day without a year up to this many days after publication stays in the publication year.
NEAR_FUTURE_DAYS = 60


class TimeValue(TypedDict, total=False):
    start: str | None
    end: str | None
    precision: str  # day | month | season | year | unknown
    label: str
    relation: str  # "since", "until", "before", "after" where the expression says so


MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
WEEKDAYS.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6})
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_NUMW = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "few": None, "a few": None}

_MON = (r"(?P<mon>jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|"
        r"sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)(?![a-z])")
_WD = (r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
       r"mon\.|tues?\.|wed\.|thu(?:rs?)?\.|fri\.|sat\.|sun\.)")
_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
_MOD = r"(?P<mod>early|earlier|mid|middle|late|later|the (?:start|beginning|middle|end) of|the (?:first|second) half of)"
_REL = r"(?P<rel>since|until|till|by|before|after|from)"
_NUM = r"(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few)"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_FUTURE = re.compile(r"\b(?:will|won't|'ll|shall|is|are) (?:be )?(?:set|due|expected|scheduled|planning|going) to\b|"
                     r"\b(?:will|won't|'ll|shall|upcoming|next|scheduled for|plans? to)\b")  # on lower-cased text


def _iso(d: date) -> str:
    return d.isoformat()


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _tv(start: date, end: date, precision: str, label: str, rel: str | None = None) -> TimeValue:
    tv: TimeValue = {"start": _iso(start), "end": _iso(end), "precision": precision, "label": label}
    if rel:
        tv["relation"] = rel
    return tv


def _unknown(expr: str, rel: str | None = None) -> TimeValue:
    tv: TimeValue = {"start": None, "end": None, "precision": "unknown", "label": expr.strip()}
    if rel:
        tv["relation"] = rel
    return tv


def _narrow(start: date, end: date, mod: str | None) -> tuple[date, date, str]:
    """Narrow a period to its early/mid/late third; returns the word kept in the label."""
    if not mod:
        return start, end, ""
    mod = mod.lower()
    if start.day == 1 and start.month == end.month and start.year == end.year and "half" not in mod:
        # A calendar month: early = 1-10, mid = 11-20, late = 21-end, as newsrooms use them.
        if mod in ("early", "the start of", "the beginning of"):
            return start, start.replace(day=10), "early"
        if mod in ("mid", "middle", "the middle of"):
            return start.replace(day=11), start.replace(day=20), "mid"
        if mod in ("late", "the end of"):
            return start.replace(day=21), end, "late"
    span = (end - start).days + 1
    third = max(1, span // 3)
    if mod in ("early", "the start of", "the beginning of", "the first half of"):
        e = start + timedelta(days=third - 1 if "half" not in mod else span // 2 - 1)
        return start, e, "early"
    if mod in ("mid", "middle", "the middle of"):
        return start + timedelta(days=third), end - timedelta(days=third), "mid"
    if mod in ("late", "the end of", "the second half of"):
        return end - timedelta(days=third - 1 if "half" not in mod else span // 2 - 1), end, "late"
    return start, end, ""


def _apply_rel(tv: TimeValue, rel: str | None, pub: date | None) -> TimeValue:
    """"since X": from X to the publication date; "until/by/before X": up to X; "after X": from X."""
    if not rel or tv["precision"] == "unknown":
        if rel:
            tv["relation"] = rel.lower()
        return tv
    rel = rel.lower()
    tv["relation"] = {"till": "until", "from": "since"}.get(rel, rel)
    if tv["relation"] == "since":
        if pub is not None and tv["start"] and tv["start"] <= _iso(pub):
            tv["end"] = _iso(pub)
        tv["label"] = "since " + tv["label"]
    elif tv["relation"] in ("until", "by", "before"):
        tv["label"] = f"{tv['relation']} {tv['label']}"
    elif tv["relation"] == "after":
        tv["label"] = "after " + tv["label"]
    return tv


def _month_year(mon: int, pub: date | None, future: bool) -> int | None:
    """The year of a month named without one: the latest such month on/before pub (or next if future)."""
    if pub is None:
        return None
    if future:
        return pub.year if mon >= pub.month else pub.year + 1
    return pub.year if mon <= pub.month else pub.year - 1


def _month_value(y: int, mon: int, mod: str | None, expr_label: str | None = None) -> TimeValue:
    s, e, word = _narrow(date(y, mon, 1), _month_end(y, mon), mod)
    label = f"{y:04d}-{mon:02d}"
    return _tv(s, e, "month", f"{word} {label}".strip())


def _weekday(wd: int, pub: date, which: str | None, future: bool) -> date:
    which = (which or "").lower()
    back = (pub.weekday() - wd) % 7
    fwd = (wd - pub.weekday()) % 7
    if which == "last":
        return pub - timedelta(days=back or 7)
    if which == "next":
        return pub + timedelta(days=fwd or 7)
    if future:
        return pub + timedelta(days=fwd)
    return pub - timedelta(days=back)


# ---- the rules: each is (regex, handler(match, pub, future) -> TimeValue | None) ----
Rule = tuple[re.Pattern, Callable[[re.Match, date | None, bool], TimeValue | None]]
_RULES: list[Rule] = []


# Each rule also in a case-sensitive form run on the lower-cased text: `re` scans several times
# faster without IGNORECASE. A hit there is matched again, anchored, on the original text, so the
# handler sees the original case (labels, the capitals checks) exactly as before.
_RULES_LOW: list[re.Pattern] = []


# The kind of trigger word each rule's match must contain (see _TRIGGER_KIND): a rule runs only in
# the windows holding such a word.
_RULE_KINDS: list[str] = []


def _rule(pattern: str, kind: str):
    rx = re.compile(r"(?<![\w-])" + pattern + r"(?![\w])", re.IGNORECASE)

    def deco(fn):
        _RULES.append((rx, fn))
        _RULES_LOW.append(re.compile(r"(?<![\w-])" + pattern + r"(?![\w])"))
        _RULE_KINDS.append(kind)
        return fn
    return deco


def _safe_date(y: int, mon: int, day: int) -> date | None:
    try:
        return date(y, mon, day)
    except ValueError:
        return None


def _mon(m: re.Match) -> int:
    key = m.group("mon").lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


@_rule(rf"(?:{_REL}\s+)?(?:{_WD},?\s+)?{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?", "month")
def _month_day(m, pub, future):
    mon, day = _mon(m), int(m.group("day"))
    if not 1 <= day <= 31:
        return None
    if m.group("year"):
        y = int(m.group("year"))
    elif pub is None:
        return _unknown(m.group(0), m.group("rel"))
    else:
        y = pub.year
    try:
        d = date(y, mon, day)
    except ValueError:
        return None
    if not m.group("year") and pub is not None:
        if future and d < pub:
            d = _safe_date(y + 1, mon, day) or d
        elif not future and (d - pub).days > NEAR_FUTURE_DAYS:
            # A day-month well after publication is last year's; a few weeks ahead is a scheduled date.
            d = _safe_date(y - 1, mon, day) or d
    return _apply_rel(_tv(d, d, "day", _iso(d)), m.group("rel"), pub)


@_rule(rf"(?:{_REL}\s+)?(?:{_WD},?\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MON}(?:,?\s+{_YEAR})?", "month")
def _day_month(m, pub, future):
    return _month_day(m, pub, future)


@_rule(r"(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)", "year")
def _iso_date(m, pub, future):
    try:
        d = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None
    return _tv(d, d, "day", _iso(d))


@_rule(rf"(?:{_REL}\s+|in\s+|during\s+)?(?:{_MOD}[\s-]+)?{_MON}(?:\s+(?:of\s+)?{_YEAR})?", "month")
def _month_only(m, pub, future):
    raw = m.group("mon")
    if raw.lower() == "may" and not (m.group("rel") or m.group("year") or m.group("mod") or m.group(0).lower().startswith(("in ", "during "))):
        return None  # the modal verb
    if raw[0].islower() and not m.group("year"):
        return None  # "mar", "sat", lower-case words that look like months
    if not (m.group("rel") or m.group("year") or m.group("mod") or m.group(0).lower().startswith(("in ", "during "))):
        return None  # a bare "March" or "August" is as often a name ("the March rally") as a date
    if raw.lower().rstrip(".") in ("mar", "jan", "jun", "jul", "aug", "oct", "nov", "dec", "sep", "feb", "apr") and not raw.endswith(".") and not m.group("year") and not m.group("rel") and not m.group(0).lower().startswith(("in ", "during ")):
        return None
    mon = _mon(m)
    y = int(m.group("year")) if m.group("year") else _month_year(mon, pub, future)
    if y is None:
        return _unknown(m.group(0), m.group("rel"))
    return _apply_rel(_month_value(y, mon, m.group("mod")), m.group("rel"), pub)


@_rule(rf"(?:(?:{_REL}|(?P<prep>in|during|of|for|through|throughout))\s+)?(?:{_MOD}[\s-]+)?{_YEAR}", "year")
def _year_only(m, pub, future):
    if not (m.group("rel") or m.group("prep") or m.group("mod")):
        return None  # a bare four-digit number is as often a count or a model as a year
    y = int(m.group("year"))
    s, e, word = _narrow(date(y, 1, 1), date(y, 12, 31), m.group("mod"))
    return _apply_rel(_tv(s, e, "year", f"{word} {y}".strip()), m.group("rel"), pub)


@_rule(rf"(?:{_REL}\s+)?(?:(?P<which>this|last|next|past)\s+|(?:in\s+)?the\s+)?(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?{_YEAR})?", "season")
def _season(m, pub, future):
    season = m.group("season").lower()
    which = (m.group("which") or "").lower()
    if not (which or m.group("year")):
        # "in the summer" is a time; "the fall of the city", "the spring" as a noun are not.
        if not m.group(0).lower().startswith("in the") or pub is None \
                or re.match(r"\s+of\b", m.string[m.end():m.end() + 5]):
            return None
    a, b = SEASONS[season]
    if m.group("year"):
        y = int(m.group("year"))
    elif pub is None:
        return _unknown(m.group(0), m.group("rel"))
    else:
        def occ(yy: int) -> tuple[date, date]:
            return date(yy, a, 1), _month_end(yy + (1 if b < a else 0), b)
        ys = [yy for yy in range(pub.year - 2, pub.year + 2)]
        if which == "last":
            y = max(yy for yy in ys if occ(yy)[1] < pub)
        elif which == "next" or (future and not which):
            y = min(yy for yy in ys if occ(yy)[0] > pub)
        else:  # "this summer", "the summer": the one under way, else the latest begun
            y = max(yy for yy in ys if occ(yy)[0] <= pub)
    start = date(y, a, 1)
    end = _month_end(y + (1 if b < a else 0), b)
    label = f"{season} {y}" if b > a else f"{season} {y}/{(y + 1) % 100:02d}"
    return _apply_rel(_tv(start, end, "season", label), m.group("rel"), pub)


@_rule(r"(?P<word>today|tonight|yesterday|tomorrow|this (?:morning|afternoon|evening)|last night|"
       r"(?:yesterday|tomorrow) (?:morning|afternoon|evening|night))", "deictic")
def _deictic(m, pub, future):
    if m.group("word").isupper() and len(m.group("word")) > 3:
        return None  # "TODAY" in capitals is a masthead or show name, not a date
    if pub is None:
        return _unknown(m.group(0))
    w = m.group("word").lower()
    d = pub - timedelta(days=1) if w.startswith(("yesterday", "last night")) else (
        pub + timedelta(days=1) if w.startswith("tomorrow") else pub)
    return _tv(d, d, "day", _iso(d))


@_rule(rf"(?:{_REL}\s+)?(?:on\s+)?(?:(?P<which>this|last|next|past)\s+|(?:(?:late|early)\s+(?:on\s+)?)|the early hours of\s+)?{_WD}"
       r"(?:\s+(?:morning|afternoon|evening|night))?", "wd")
def _weekday_rule(m, pub, future):
    raw = m.group("wd")
    if raw[0].islower() and ("." in raw or not m.group("which")):
        # A lower-case day name mid-sentence is unusual, and a lower-case "sun." / "sat." / "wed." at
        # the end of a sentence is a word ("orbit around the sun."), not an abbreviated weekday.
        return None
    if pub is None:
        return _unknown(m.group(0), m.group("rel"))
    d = _weekday(WEEKDAYS[raw.lower().rstrip(".")], pub, m.group("which"), future)
    return _apply_rel(_tv(d, d, "day", _iso(d)), m.group("rel"), pub)


@_rule(rf"(?:{_MOD}\s+)?(?P<which>this|last|next|past|earlier this|later this|early this|late this|early last|late last)\s+(?P<unit>week|month|year)", "unit")
def _this_unit(m, pub, future):
    if pub is None:
        return _unknown(m.group(0))
    which = m.group("which").lower()
    unit = m.group("unit").lower()
    mod = m.group("mod")
    if which.startswith(("early ", "late ")):
        mod, which = which.split()[0], which.split()[1]
    shift = {"last": -1, "past": -1, "next": 1}.get(which.split()[-1] if which.startswith(("earlier", "later")) else which, 0)
    if which.startswith("earlier"):
        mod = mod or "earlier"
    if which.startswith("later"):
        mod = mod or "later"
    if unit == "year":
        y = pub.year + shift
        s, e = date(y, 1, 1), date(y, 12, 31)
        prec, label = "year", str(y)
    elif unit == "month":
        first = _add_months(pub.replace(day=1), shift)
        s, e = first, _month_end(first.year, first.month)
        prec, label = "month", f"{first.year:04d}-{first.month:02d}"
    else:
        monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=shift)
        s, e = monday, monday + timedelta(days=6)
        prec, label = "day", f"{s.isoformat()}/{e.isoformat()}"
    if mod and mod.lower() == "earlier":
        e = min(e, pub)  # "earlier this month": between its start and the publication date
        return _tv(s, e, prec, f"earlier {label}" if prec != "day" else f"{s.isoformat()}/{e.isoformat()}")
    if mod and mod.lower() == "later":
        s = max(s, pub)
        return _tv(s, e, prec, f"later {label}" if prec != "day" else f"{s.isoformat()}/{e.isoformat()}")
    s2, e2, word = _narrow(s, e, mod)
    return _tv(s2, e2, prec, f"{word} {label}".strip() if prec != "day" else f"{s2.isoformat()}/{e2.isoformat()}")


@_rule(rf"(?:(?:in|during|over|for|within)\s+)?the\s+(?:past|last|previous)\s+{_NUM}\s+{_UNIT}", "unit")
def _past_n(m, pub, future):
    n = _count(m.group("n"))
    if n is None:
        return None  # "the past few weeks": too vague to date
    if pub is None:
        return _unknown(m.group(0))
    s = _shift(pub, m.group("unit").lower(), -n)
    if s is None:
        return _unknown(m.group(0))
    prec = {"day": "day", "week": "day", "month": "month", "year": "year"}[m.group("unit").lower()]
    return _tv(s, pub, prec, f"{s.isoformat()}/{pub.isoformat()}")


@_rule(rf"{_NUM}\s+{_UNIT}\s+(?P<dir>ago|earlier|before|later|from now)", "unit")
def _n_ago(m, pub, future):
    n = _count(m.group("n"))
    if n is None:
        return None
    if m.group("dir").lower() in ("earlier", "before", "later"):
        return None  # relative to another event, not to the publication date
    if pub is None:
        return _unknown(m.group(0))
    unit = m.group("unit").lower()
    sign = 1 if m.group("dir").lower() == "from now" else -1
    d = _shift(pub, unit, sign * n)
    if d is None:
        return _unknown(m.group(0))
    if unit == "year":
        return _tv(date(d.year, 1, 1), date(d.year, 12, 31), "year", str(d.year))
    if unit == "month":
        return _tv(d.replace(day=1), _month_end(d.year, d.month), "month", f"{d.year:04d}-{d.month:02d}")
    if unit == "week":
        s = d - timedelta(days=3)
        return _tv(s, d + timedelta(days=3), "day", f"{s.isoformat()}/{(d + timedelta(days=3)).isoformat()}")
    return _tv(d, d, "day", _iso(d))


def _count(raw: str) -> int | None:
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    return _NUMW.get(raw)


def _shift(d: date, unit: str, n: int) -> date | None:
    """`d` moved by n units; None when that leaves the calendar ("6,000 years ago", "10 million days")."""
    try:
        return _shift_in_range(d, unit, n)
    except (ValueError, OverflowError):
        return None


def _shift_in_range(d: date, unit: str, n: int) -> date:
    if unit == "day":
        return d + timedelta(days=n)
    if unit == "week":
        return d + timedelta(weeks=n)
    if unit == "month":
        return _add_months(d, n)
    if not 1 <= d.year + n <= 9999:
        raise ValueError("year out of range")
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _pub(published: str | None) -> date | None:
    return published_date(published) if published else None


# Every rule's match contains one of these words; rules run only in windows around them, which
# keeps the scan cheap on the many sentences that name no time at all.
_TRIGGER_WORDS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues
wed thu thur thurs fri sat sun today tonight yesterday tomorrow morning afternoon evening night ago day days week weeks
month months year years spring summer autumn fall winter""".split())
_TRIGGER_KIND = {w: ("month" if w in MONTHS or w == "sept" else "wd" if w in WEEKDAYS else
                     "season" if w in SEASONS else
                     "deictic" if w in ("today", "tonight", "yesterday", "tomorrow", "morning", "afternoon",
                                        "evening", "night") else "unit") for w in _TRIGGER_WORDS}
_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_BEFORE, _AFTER = 60, 45


def _lookbehind_trie(words: frozenset[str]) -> str:
    """`(?<![a-z])` + a prefix tree of `words`, with the look-behind moved after each first letter.

    Same matches; but a pattern that starts with a literal letter lets `re` skip positions holding
    none of the first letters in C, where a leading look-behind is tried at every position."""
    tree: dict[str, list[str]] = {}
    for w in words:
        tree.setdefault(w[0], []).append(w[1:])
    branches = []
    for c, rests in sorted(tree.items()):
        rest = trie_pattern([r for r in rests if r])
        if "" in rests:
            rest = f"(?:{rest})?"
        branches.append(re.escape(c) + r"(?<![a-z]" + re.escape(c) + ")" + rest)
    return "(?:" + "|".join(branches) + ")"


# On lower-cased text: a trigger word as a whole run of ASCII letters, or a 19xx/20xx as a whole run
# of digits (the tokens of _TOKEN); two scans (the year scan skips every non-digit in C) instead of
# a Python loop over every token.
_TRIGGER_WORD = re.compile(_lookbehind_trie(_TRIGGER_WORDS) + r"(?![a-z])", re.ASCII)
_TRIGGER_YEAR = re.compile(r"(?:19|20)(?<!\d..)\d\d(?!\d)", re.ASCII)


def _triggers(text: str, low: str, words: list[Span] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every trigger token, in text order.

    `words`: the spans of the trigger words and years where a caller found them already, in text
    order, as whole words (runs of word characters equal to a trigger word, or of four digits 19xx /
    20xx). Those are the only ones a rule's match can hold: every rule starts and ends at a non-word
    character and joins its words with spaces, commas, periods or hyphens, and a year ends a rule or
    is followed by a hyphen ("2016-11-09"); the other trigger words ("@morning_joe", "clinton2020")
    only widen windows."""
    if len(low) == len(text):
        if words is not None:
            return [(s, e, _TRIGGER_KIND.get(low[s:e], "year")) for s, e in words]
        out = [(m.start(), m.end(), _TRIGGER_KIND[m.group()]) for m in _TRIGGER_WORD.finditer(low)]
        years = [(m.start(), m.end(), "year") for m in _TRIGGER_YEAR.finditer(low)]
        if years:
            out = sorted(out + years)
        return out
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group()
        if w.lower() in _TRIGGER_WORDS:
            out.append((m.start(), m.end(), _TRIGGER_KIND[w.lower()]))
        elif len(w) == 4 and w[:2] in ("19", "20") and w.isdigit():
            out.append((m.start(), m.end(), "year"))
    return out


# The commonest triggers are mostly not dates: "year", "day", "weeks" ("a 30-year-old", "every day")
# and month names ("may" the verb, "March" the protest). A rule's match around one lies within the
# margins and needs words there: "this/last/next/past/previous" before a unit or "ago/earlier/
# before/later/from now" after it (`_this_unit`, `_past_n`, `_n_ago`); a digit near a month name (a
# day or a year), or a preposition or modifier right before it ("in May", "since March", "early
# June"), without which `_month_only` rejects a bare month name. A trigger with none of these cannot
# be part of a time, so it opens no window (the tests are looser than the rules: they only skip
# what no rule could match).
_UNIT_BEFORE = ("this", "last", "next", "past", "previous")
_UNIT_AFTER = ("ago", "earlier", "before", "later", "from now")
_MONTH_BEFORE = re.compile(r"(?:since|until|till|by|before|after|from|in|during|early|earlier|mid|middle|late|later|of)"
                           r"[\s-]+$")
_ANY_DIGIT = re.compile(r"\d")


def _can_hold_a_time(low: str, s: int, e: int, kind: str) -> bool:
    """Whether a rule could match around the trigger word `low[s:e]` (False only where none can)."""
    if kind == "unit":
        if low[s:e] == "ago":
            return True
        before = low[max(0, s - _BEFORE):s]
        if any(x in before for x in _UNIT_BEFORE):
            return True
        after = low[e:e + _AFTER]
        return any(x in after for x in _UNIT_AFTER)
    if kind == "month":
        lo = max(0, s - _BEFORE)
        return bool(_ANY_DIGIT.search(low, lo, e + _AFTER) or _MONTH_BEFORE.search(low, lo, s))
    return True


def _kind_windows(text: str, low: str, words: list[Span] | None = None) -> dict[str, list[tuple[int, int]]]:
    """Per kind of trigger, the stretches around its triggers (overlaps merged).

    A rule's match holds a trigger of its kind and lies within the margins around it, so a rule
    only scans the windows of its own kind: windows merged with other kinds' triggers add only
    text where it cannot match. (A match never starts inside a window it does not begin: the
    window of the trigger it holds would overlap, and have been merged.)"""
    out: dict[str, list[tuple[int, int]]] = {}
    n = len(text)
    same = len(low) == n
    for s, e, kind in _triggers(text, low, words):
        if same and not _can_hold_a_time(low, s, e, kind):
            continue
        lo, hi = max(0, s - _BEFORE), min(n, e + _AFTER)
        ws = out.get(kind)
        if ws is None:
            out[kind] = [(lo, hi)]
        elif lo <= ws[-1][1]:
            ws[-1] = (ws[-1][0], hi)
        else:
            ws.append((lo, hi))
    return out


def find_times(text: str, published: str | None, future: bool | None = None, *, low: str | None = None,
               trigger_words: list[Span] | None = None) -> list[tuple[Span, TimeValue]]:
    """Every time expression in `text` with its span, resolved against `published`.

    Overlaps are settled longest first ("since early November" beats "November"). `future`
    forces the reading of bare weekdays and months; by default each sentence's tense decides.
    `low` (`text.lower()`) and `trigger_words` (see `_triggers`) may be passed by a caller that has
    them already; the result is the same.
    """
    pub = _pub(published)
    cands: list[tuple[int, int, TimeValue]] = []
    if low is None:
        low = text.lower()
    same = len(low) == len(text)  # lower() keeps offsets (true but for a few rare letters)
    windows = _kind_windows(text, low, trigger_words)
    tense: dict[tuple[int, int], bool] = {}  # the tense of each clause, read once
    for k, (rx, fn) in enumerate(_RULES):
        for lo, hi in windows.get(_RULE_KINDS[k], ()):
            for m in (rx.finditer(text, lo, hi) if not same else
                      filter(None, (rx.match(text, ml.start(), hi) for ml in _RULES_LOW[k].finditer(low, lo, hi)))):
                if future is not None:
                    fut = future
                else:
                    clause = _clause(text, m.start())
                    fut = tense.get(clause)
                    if fut is None:
                        fut = tense[clause] = bool(_FUTURE.search(low[clause[0]:clause[1]] if same else
                                                                  text[clause[0]:clause[1]].lower()))
                tv = fn(m, pub, fut)
                if tv is not None:
                    cands.append((m.start(), m.end(), tv))
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    out: list[tuple[Span, TimeValue]] = []
    for s, e, tv in cands:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        out.append(((s, e), tv))
    out.sort(key=lambda x: x[0])
    return out


def _clause(text: str, pos: int) -> tuple[int, int]:
    """The stretch around `pos` between sentence breaks (". " or a line break) that `_is_future` reads."""
    s = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    e_candidates = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i != -1]
    e = min(e_candidates) if e_candidates else len(text)
    return s, e


def _is_future(text: str, pos: int) -> bool:
    """Whether the clause around `pos` speaks of the future (a cheap tense cue, no parser)."""
    s, e = _clause(text, pos)
    return bool(_FUTURE.search(text[s:e].lower()))


def normalize_time(expr: str, published: str | None, future: bool = False) -> TimeValue | None:
    """Resolve one time expression ("since August", "early November", "last month") or None.

    With no usable publication date, a relative expression comes back with precision "unknown".
    """
    found = find_times(expr, published, future=future)
    if not found:
        return None
    # The expression that covers most of the input ("last month in October" -> both; take the longest).
    return max(found, key=lambda f: f[0][1] - f[0][0])[1]
