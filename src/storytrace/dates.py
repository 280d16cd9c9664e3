"""Publication dates as sources give them -> ISO 8601 strings.

One place for this knowledge: readers, clustering and claims all call `parse_published`.
Crawled dates come in many shapes ("2016-09-20", "9/6/17", "Posted Nov 19, 2022 2:15 PM CST",
RFC 822 feed dates) and some junk ("0001-11-30"); junk becomes None, never a guess.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

# Years outside this window are crawl junk, not publication dates.
MIN_YEAR, MAX_YEAR = 1990, 2100

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_DMY_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
# North American zone abbreviations seen in news headers; the rest goes through dateparser.
_TZ_ABBR = {"UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
            "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2}


def _year_ok(y: int) -> bool:
    return MIN_YEAR <= y <= MAX_YEAR


def _fmt(dt: datetime | date) -> str:
    if isinstance(dt, datetime):
        if dt.hour == dt.minute == dt.second == 0 and dt.tzinfo is None:
            return dt.date().isoformat()
        return dt.isoformat(timespec="minutes" if dt.second == 0 else "seconds")
    return dt.isoformat()


def _two_digit_year(y: int) -> int:
    return 2000 + y if y < 70 else 1900 + y


@lru_cache(maxsize=4096)
def parse_published(value: object) -> str | None:
    """Normalise a publication date to ISO 8601 (`YYYY-MM-DD` or with time), or None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            dt = datetime.fromtimestamp(float(value) / (1000 if value > 1e11 else 1), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        return _fmt(dt) if _year_ok(dt.year) else None
    s = str(value).strip()
    if not s or len(s) > 80:
        return None
    try:
        m = _ISO.match(s)
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            if not _year_ok(y):
                return None
            if m[4] is None:
                return date(y, mo, d).isoformat()
            tz = None
            if m[7]:
                if m[7] == "Z":
                    tz = timezone.utc
                else:
                    off = m[7].replace(":", "")
                    sign = -1 if off[0] == "-" else 1
                    tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
            return _fmt(datetime(y, mo, d, int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=tz))
        m = _US.match(s)
        if m:
            y = int(m[3]);  y = _two_digit_year(y) if y < 100 else y
            return date(y, int(m[1]), int(m[2])).isoformat() if _year_ok(y) else None
        m = _DMY_DOT.match(s)
        if m:
            y = int(m[3]);  y = _two_digit_year(y) if y < 100 else y
            return date(y, int(m[2]), int(m[1])).isoformat() if _year_ok(y) else None
    except ValueError:
        return None
    # RFC 822 (RSS pubDate) before the general parser: it is exact and cheap.
    try:
        dt = parsedate_to_datetime(s) if _RFC822.match(s) else None
        if dt is not None and _year_ok(dt.year):
            return _fmt(dt)
    except (TypeError, ValueError, IndexError):
        pass
    return _general(s)


_RFC822 = re.compile(r"^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{2,4} \d{1,2}:\d{2}")
_ABBR_AT_END = re.compile(r"\s([A-Z]{3,4})$")


def _general(s: str) -> str | None:
    s2 = s.replace("Posted", "").replace("Updated", "").strip(" :,")
    tz = None
    m = _ABBR_AT_END.search(s2)
    if m and m[1] in _TZ_ABBR:
        tz = timezone(timedelta(hours=_TZ_ABBR[m[1]]))
        s2 = s2[: m.start()].strip()
    try:
        import dateparser  # slow to import: only when the cheap paths fail
    except ImportError:  # pragma: no cover - dateparser is a core dependency
        return None
    dt = dateparser.parse(s2, languages=["en"], settings={"STRICT_PARSING": False,
                                                         "PREFER_DAY_OF_MONTH": "first",
                                                         "REQUIRE_PARTS": ["year"]})
    if dt is None or not _year_ok(dt.year):
        return None
    if tz is not None and dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return _fmt(dt)


def published_date(iso: str | None) -> date | None:
    """The calendar date of an ISO string made by `parse_published` (for arithmetic)."""
    if not iso:
        return None
    try:
        return date.fromisoformat(iso[:10])
    except ValueError:
        return None
