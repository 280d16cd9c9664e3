"""Quantities in news text -> {"value", "unit", "approx"}.

Claims are compared across articles by what they measure, so "more than 400 Canadian-made cargo
trucks" and "more than 400 trucks" must both become value 400, unit "trucks", approx "more than".
Rules, not a model: news numbers come in a small set of shapes (digits with separators, number
words, scale words, currency signs, vague plurals such as "hundreds of"), and every result keeps
the span it was read from so a user can check it.
"""
from __future__ import annotations

import re
from typing import Iterator, TypedDict

from storytrace.text import trie_pattern

Span = tuple[int, int]


class Quantity(TypedDict):
    value: float
    unit: str | None
    approx: str | None


_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12,
    "dozen": 12, "half a dozen": 6,
}
_SCALE = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
          "trillion": 1e12, "tn": 1e12, "k": 1e3}
# Vague plurals: a lower bound a reader would grant, and the word kept as `approx`.
_VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "tens of thousands": 20000,
          "hundreds of thousands": 200000, "millions": 2e6, "billions": 2e9}
# Hedges before a number, longest first so "more than" wins over "more".
_APPROX = ["no more than", "no fewer than", "no less than", "more than", "fewer than", "less than",
           "at least", "at most", "up to", "as many as", "as much as", "as few as", "upwards of", "close to",
           "just over", "just under", "well over", "nearly", "almost", "about", "around", "roughly",
           "approximately", "some", "over", "under", "an estimated", "estimated", "a total of", "exactly",
           "only", "below", "above", "a least"]
_APPROX_CANON = {"over": "more than", "well over": "more than", "just over": "more than", "above": "more than",
                 "upwards of": "more than", "under": "less than", "below": "less than", "just under": "less than",
                 "fewer than": "less than", "a least": "at least", "no fewer than": "at least",
                 "no less than": "at least", "no more than": "at most", "as many as": "up to",
                 "as much as": "up to", "around": "about", "roughly": "about", "approximately": "about",
                 "some": "about", "close to": "nearly", "almost": "nearly", "an estimated": "about",
                 "estimated": "about", "a total of": None, "exactly": None, "only": None, "as few as": None}

_CURRENCY_SIGN = {"$": "USD", "us$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "c$": "CAD", "a$": "AUD"}
_CURRENCY_WORD = {"dollars": "USD", "dollar": "USD", "pounds": "GBP", "pound": "GBP", "euros": "EUR",
                  "euro": "EUR", "rubles": "RUB", "roubles": "RUB", "yuan": "CNY", "yen": "JPY", "rupees": "INR"}
_TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century"}
_MEASURE_UNITS = {"km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km", "kilometer": "km",
                  "miles": "mile", "mile": "mile", "m": "m", "metres": "m", "meters": "m", "kg": "kg",
                  "tons": "ton", "tonnes": "tonne", "mph": "mph", "km/h": "km/h", "percent": "percent",
                  "per cent": "percent", "%": "percent", "feet": "foot", "ft": "foot"}
# Words that end the noun phrase after a number (its head noun is the last word before them).
_STOP = frozenset("""of in on at to for from by with against into onto over under since during after before
and or but that which who whom whose than as is are was were be been being has have had do does did will would
can could may might must shall should not no this these those it its their his her our your them they he she we
you i a an the per each every both either neither more most less least so such up down out off about when
where while if then also just only even still yet there here what how why said says say told according
other others another""".split())
_NUM_WORD = "|".join(sorted((re.escape(w) for w in _SMALL), key=len, reverse=True))
_SCALE_RX = r"(?:hundred|thousand|million|billion|trillion|bn|mn|tn|m|k)\b"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_APPROX_RX = "|".join(re.escape(a) for a in sorted(_APPROX, key=len, reverse=True))
_MONTH_RX = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")

_QTY = re.compile(
    rf"(?<![\w\-/.])(?:(?P<approx>{_APPROX_RX})\s+)?"
    rf"(?:(?P<vague>tens\s+of\s+thousands|hundreds\s+of\s+thousands|dozens|scores|hundreds|thousands|millions|billions)(?:\s+of\b|(?=\s+(?:were|are|have|had|more)\b))"
    rf"|(?P<cur>US\$|C\$|A\$|[$£€¥])?\s?(?P<num>{_DIGITS}|(?:half\s+a\s+|a\s+)?(?:{_NUM_WORD})(?:[\s-](?:{_NUM_WORD}))?\b)"
    rf"(?:\s?(?P<scale>{_SCALE_RX}))?(?:\s?(?P<pct>%|per\s?cent\b))?)",
    re.IGNORECASE)
_QTY_LOW = re.compile(_QTY.pattern.replace("US\\$|C\\$|A\\$", "us\\$|c\\$|a\\$"))
_WORD = re.compile(r"[A-Za-z][\w'\u2019]*(?:-[\w]+)*|\S")
_TIME_OF_DAY = re.compile(r"\s?(?:a\.?m\.?|p\.?m\.?|am|pm|GMT|BST|ET|EST|local time)\b", re.IGNORECASE)

_SPACES = re.compile(r"\s+")
_SPACE_OR_HYPHEN = re.compile(r"[\s-]")
_UNIT_AFTER = re.compile(r"\s?(km/h|per cent|[A-Za-z]+)\b")


def _number(raw: str) -> float | None:
    s = raw.lower().replace(",", "").strip()
    s = _SPACES.sub(" ", s)
    try:
        return float(s)
    except ValueError:
        pass
    if s in _SMALL:
        return float(_SMALL[s])
    if s.startswith("a ") and s[2:] in _SMALL:
        return float(_SMALL[s[2:]])
    parts = _SPACE_OR_HYPHEN.split(s)
    if len(parts) == 2 and parts[0] in _SMALL and parts[1] in _SMALL and _SMALL[parts[0]] >= 20 and _SMALL[parts[1]] < 10:
        return float(_SMALL[parts[0]] + _SMALL[parts[1]])
    return None


def _singular(w: str) -> str:
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def _head_noun(text: str, pos: int) -> tuple[str | None, int]:
    """The head noun of the phrase starting at `pos` ("Canadian-made cargo trucks against" -> trucks)."""
    run: list[tuple[str, int]] = []
    start = pos
    for m in _WORD.finditer(text, pos):
        gap = text[pos:m.start()]
        if "\n" in gap and run or len(gap) > 2 or not m.group()[0].isalpha():
            break
        w = m.group()
        lw = w.lower()
        if lw in _STOP or len(run) >= 4:
            break
        run.append((lw if not w[0].isupper() else "^" + lw, m.end()))
        pos = m.end()
        if lw.endswith("s") and not lw.endswith(("ss", "ous", "is", "us")) and not w[0].isupper():
            break  # a plural noun ends the phrase: "6,000 trucks built by" -> trucks
    # A trailing participle or adverb is a verb, not the head: "people killed", "trucks quickly".
    while run and (run[-1][0].startswith("^") or run[-1][0].endswith(("ed", "ing", "ly"))):
        if len(run) == 1 and not run[0][0].startswith("^") and not run[0][0].endswith(("ed", "ly")):
            break
        run.pop()
    if not run:
        return None, start
    return run[-1][0].lstrip("^"), run[-1][1]


def _parse(m: re.Match, text: str) -> tuple[Quantity, int] | None:
    """A Quantity from one regex match, and where it ends (after its unit)."""
    approx_raw = (m.group("approx") or "").lower()
    approx_raw = _SPACES.sub(" ", approx_raw)
    approx = _APPROX_CANON.get(approx_raw, approx_raw) if approx_raw else None
    end = m.end()
    if m.group("vague"):
        vague = _SPACES.sub(" ", m.group("vague").lower())
        value = float(_VAGUE[vague])
        approx = vague if not approx else f"{approx} {vague}"
        unit, end = _head_noun(text, m.end())
        return {"value": value, "unit": unit, "approx": approx}, end
    raw = m.group("num")
    value = _number(raw)
    if value is None:
        return None
    scale = (m.group("scale") or "").lower()
    if scale:
        # "5 m" after a bare number is metres, not millions, unless money.
        if scale in ("m", "k") and not m.group("cur"):
            return None
        value *= _SCALE[scale]
    if m.group("cur"):
        unit: str | None = _CURRENCY_SIGN.get(m.group("cur").lower(), m.group("cur"))
        return {"value": value, "unit": unit, "approx": approx}, end
    if m.group("pct"):
        return {"value": value, "unit": "percent", "approx": approx}, end
    rest = text[end:end + 20]
    mu = _UNIT_AFTER.match(rest)
    if mu and mu.group(1).lower() in _CURRENCY_WORD:
        return {"value": value, "unit": _CURRENCY_WORD[mu.group(1).lower()], "approx": approx}, end + mu.end()
    if mu and mu.group(1).lower() in _MEASURE_UNITS and (mu.group(1) != "m" or not rest.startswith(" ")):
        return {"value": value, "unit": _MEASURE_UNITS[mu.group(1).lower()], "approx": approx}, end + mu.end()
    unit, uend = _head_noun(text, end)
    if unit and _singular(unit) in _TIME_UNITS:
        unit = _singular(unit)
    return {"value": value, "unit": unit, "approx": approx}, max(end, uend)


# The tests of `_skip`, compiled once (an f-string pattern in the function is rebuilt and looked
# up in re's cache on every call, which cost more than the tests themselves).
_YEAR4 = re.compile(r"\d{4}")
_MONTH_BEFORE = re.compile(rf"{_MONTH_RX}\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"\s*(?:st|nd|rd|th)?\s+{_MONTH_RX}\b", re.IGNORECASE)
_ORDINAL_AFTER = re.compile(r"(?:st|nd|rd|th)\b")
_CLOCK_AFTER = re.compile(r"[:.]\d")
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\s$")
_PAIR_AFTER = re.compile(r"[-/]\d")
_REFERENCE_BEFORE = re.compile(r"\b(?:the|these|those|both|its|their|his|her|our|all)\s+$", re.IGNORECASE)


def _skip(m: re.Match, text: str) -> bool:
    """Numbers that are not quantities: years, dates, clock times, model names, ordinals."""
    if m.group("vague") or m.group("cur") or m.group("pct"):
        return False
    num = m.group("num")
    s, e = m.start("num"), m.end("num")
    before = text[max(0, s - 12):s]
    after = text[e:e + 12]
    if _YEAR4.fullmatch(num) and 1800 <= int(num) <= 2100 and not m.group("scale"):
        return True  # a year
    if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after) and num.isdigit():
        return True  # "Nov. 10", "10 November"
    if _ORDINAL_AFTER.match(after):
        return True
    if _CLOCK_AFTER.match(after) or (_TIME_OF_DAY.match(after) and num[0].isdigit()):
        return True  # 6.10am, 11:30
    if _NAME_BEFORE.search(before) and num.isdigit() and not _MONTH_BEFORE.search(before):
        return True  # "Falcon 9", "Apollo 11", "Boeing 737": a name, not a count
    if before.endswith(("-", "#", "/")) or _PAIR_AFTER.match(after):
        return True  # model numbers ("X-101") and number pairs ("24/7")
    if _REFERENCE_BEFORE.search(text[max(0, m.start() - 8):m.start()]) and not m.group("approx"):
        return True  # "the two countries": a reference, not a count
    low = num.lower()
    if low in ("one", "a dozen") or low.startswith("a "):
        # "one of the", "one day": too often not a count; keep only "one <noun>s"? no: drop.
        return low == "one"
    return False


_NUMBER_WORDS = sorted({w.split()[-1] for w in _SMALL} | {"dozens", "scores", "hundreds", "thousands", "millions",
                                                             "billions"})
# Every match of the long pattern holds a digit or one of these words (its number, or the last word
# of "half a dozen" / "tens of thousands"), and reaches at most a hedge and a currency sign before it
# ("no fewer than US$ 5") and a scale and "per cent" after it ("5 billion per cent"). So the long
# pattern only needs to run in windows around them: most of a text is neither, and `re` pays for
# every position it tries.
_DIGIT_RUN = re.compile(r"\d+")
_NUMBER_WORD = re.compile(r"\b(?:" + trie_pattern(_NUMBER_WORDS) + r")\b")  # on lower-cased text
_QTY_BEFORE, _QTY_AFTER = 48, 40


def _qty_windows(low: str, word_spans: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Stretches of `low` that can hold a quantity: around digits and number words, overlaps merged.

    `word_spans`: where the caller has found them already (the claims extractor reads them in its
    one pass over an article's cue words), the spans of the number words and of the words (runs of
    word characters) that start with a digit, in text order. Those hold every digit a match can
    hold: a match's number starts after a non-word character (a space, a currency sign) and its
    digits are joined only by commas and points."""
    if word_spans is None:
        anchors = [m.span() for m in _DIGIT_RUN.finditer(low)]
        words = [m.span() for m in _NUMBER_WORD.finditer(low)]
        if words:
            anchors = sorted(anchors + words)
    else:
        anchors = word_spans
    out: list[tuple[int, int]] = []
    n = len(low)
    for s, e in anchors:
        lo, hi = s - _QTY_BEFORE, e + _QTY_AFTER
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], min(n, hi))
        else:
            out.append((max(0, lo), min(n, hi)))
    return out


def _qty_matches(text: str, low: str, word_spans: list[tuple[int, int]] | None = None) -> Iterator[re.Match]:
    """The matches of the long pattern, as a scan of the whole text would give them."""
    if len(low) != len(text):
        yield from _QTY.finditer(text)  # lower() moved offsets (a few rare letters): the slow exact path
        return
    for lo, hi in _qty_windows(low, word_spans):
        # A window starts well before its first number, so a match never starts before `lo`; windows
        # that a match could join overlap and were merged; a match ends well before `hi`.
        yield from _QTY_LOW.finditer(low, lo, hi)


def find_quantities(text: str, low: str | None = None,
                    word_spans: list[tuple[int, int]] | None = None) -> list[tuple[Span, Quantity]]:
    """Every quantity in `text`, with the [start, end) span of the number and its unit.

    `low` (`text.lower()`) and `word_spans` (the spans of `_NUMBER_WORDS` in it) may be passed by a
    caller that has them already; results are the same either way."""
    out: list[tuple[Span, Quantity]] = []
    if low is None:
        low = text.lower()
    for m in _qty_matches(text, low, word_spans):
        if not (m.group("vague") or m.group("num")):
            continue
        if _skip(m, text):
            continue
        parsed = _parse(m, text)
        if parsed is None:
            continue
        q, end = parsed
        out.append(((m.start(), end), q))
    return out


def normalize_quantity(text: str) -> Quantity | None:
    """The first quantity in `text` ("more than 400 trucks" -> 400, "trucks", "more than"), or None."""
    found = find_quantities(text)
    return found[0][1] if found else None


def interval(q: Quantity) -> tuple[float, float]:
    """The range of values a quantity allows, for deciding whether two figures can both hold."""
    v, a = q["value"], (q.get("approx") or "")
    inf = float("inf")
    if "dozens" in a:
        return 24.0, 99.0
    if "tens of thousands" in a:
        return 2e4, 99999.0
    if "hundreds of thousands" in a:
        return 2e5, 999999.0
    for word, lo in (("hundreds", 200.0), ("thousands", 2000.0), ("millions", 2e6), ("billions", 2e9), ("scores", 40.0)):
        if word in a:
            return lo, lo * 5 - 1
    if a in ("more than",):
        return v, inf
    if a == "at least":
        return v, inf
    if a in ("less than", "at most", "up to"):
        return 0.0, v
    if a in ("about", "nearly"):
        return v * 0.85, v * 1.1
    return v, v


def compatible(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities of one unit can both be true (ranges overlap)."""
    lo1, hi1 = interval(a)
    lo2, hi2 = interval(b)
    return lo1 <= hi2 and lo2 <= hi1


def unit_key(q: Quantity) -> str | None:
    u = q.get("unit")
    return _singular(u) if u else None
