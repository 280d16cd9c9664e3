"""Text evidence for who copied whom when publication times cannot say.

Each function looks at one article (or one aligned passage) and returns facts a person can
check: wire furniture (agency slug lines, datelines, sign-offs), agency credits, truncation,
quotation marks around words, and phrases that report on another report. None of them names an
outlet of any corpus; the agencies below are the global wire services a reader would expect.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

# -- news agencies --------------------------------------------------------------------------
# (name, dateline/credit patterns). Only *credits for the text* count: "AP Photo" captions and
# "told Reuters" attributions do not make an article wire copy.
_AGENCIES: list[tuple[str, list[str]]] = [
    ("Associated Press", [r"\(AP\)\s*[\u2014\u2013-]", r"\bcopyright \d{4} (by )?the associated press\b",
                          r"\bthe associated press contributed\b", r"\bassociated press (writers?|reporters?) [A-Z].{0,80}contributed\b",
                          r"^\s*by (the )?associated press\s*$", r"^\s*by [^\n,]{2,60},\s*(the )?associated press\s*$",
                          r"^\s*(the )?associated press\s*$"]),
    ("Reuters", [r"\(Reuters\)\s*[\u2014\u2013-]", r"\breporting by [A-Z][^\n]{2,120}editing by\b",
                 r"^\s*by [^\n,]{2,60},?\s*reuters\s*$", r"\bcopyright \d{4} reuters\b"]),
    ("Agence France-Presse", [r"\(AFP\)\s*[\u2014\u2013-]", r"^\s*by [^\n,]{2,60},?\s*(afp|agence france-presse)\s*$",
                              r"\bcopyright \d{4} (afp|agence france-presse)\b"]),
    ("United Press International", [r"\(UPI\)\s*[\u2014\u2013-]", r"^\s*by [^\n,]{2,60},?\s*(upi|united press international)\s*$"]),
    ("dpa", [r"\(dpa\)\s*[\u2014\u2013-]"]),
    ("Xinhua", [r"\(Xinhua\)\s*[\u2014\u2013-]"]),
    ("Bloomberg News", [r"^\s*by [^\n,]{2,60},?\s*bloomberg( news)?\s*$"]),
]
# Datelines "(AP) —" are matched case-sensitively ("(ap)" is not a credit); credit lines are not.
_AGENCY_RX = [(name, [re.compile(p, re.MULTILINE if p.startswith(r"\(") else re.IGNORECASE | re.MULTILINE)
                      for p in pats]) for name, pats in _AGENCIES]

# Wire furniture as it survives in text or in the cleaner's removed lines: slug lines with a
# time and date, "Page N" headers, sign-offs, transmission line-end markers.
_WIRE_SLUG = re.compile(r"^\s*\d{1,2}[:.]\d{2}\s+\d{1,2}/\d{1,2}/\d{2,4}\b", re.MULTILINE)
_WIRE_PAGE = re.compile(r"\bPage \d+ \([A-Z]{2,4}\)")
_WIRE_LINE_END = re.compile(r"<\s*$", re.MULTILINE)
_WIRE_SIGNOFF = re.compile(r"^\s*(ENDS|MORE|MORE FOLLOWS|MORE TO FOLLOW)\s*$", re.MULTILINE)


def agency_credits(text: str, removed: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(agency name, the matching words) for each wire agency the text credits as its source."""
    hay = text[:600] + "\n" + text[-800:] + "\n" + "\n".join(removed)
    out = []
    for name, rxs in _AGENCY_RX:
        for rx in rxs:
            m = rx.search(hay)
            if m:
                out.append((name, " ".join(m.group().split())))
                break
    return out


def wire_furniture(text: str, removed: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Wire-service transmission furniture found in the text or its removed boilerplate."""
    found = []
    for label, rx in (("wire slug line", _WIRE_SLUG), ("wire page header", _WIRE_PAGE),
                      ("wire sign-off", _WIRE_SIGNOFF)):
        for src in (text, "\n".join(removed)):
            m = rx.search(src)
            if m:
                found.append(f"{label} '{' '.join(m.group().split())[:60]}'")
                break
    if len(_WIRE_LINE_END.findall(text)) >= 3:
        found.append("wire line-end markers '<'")
    return found


# -- page furniture that survived cleaning ----------------------------------------------------
_FURNITURE = re.compile(
    r"all rights reserved|\bcopyright\b|\u00a9|https?://|www\.\w|@\w+\.\w|\bsign up\b|\bsubscribe\b|"
    r"\bnewsletter\b|\bclick here\b|read or share|continue reading|\badvertisement\b|not a robot|"
    r"\bemail us\b|\bmost read\b|\bterms of use\b|\bprivacy policy\b|\bfollow us\b", re.IGNORECASE)


def furniture(passage_text: str) -> str | None:
    """The furniture marker in a shared passage (footer, newsletter box, link list), if any."""
    m = _FURNITURE.search(passage_text)
    return m.group() if m else None


# -- reporting on a report -------------------------------------------------------------------
_REPORTS_ON = re.compile(
    r"\b(according to (a|the|an?) (new |recent )?(report|article|story|investigation)|"
    r"(the|a) (report|article|story) (said|says|noted|added|reported|revealed)|as the (report|article) (noted|said|added)|"
    r"first reported by|(was|were) first reported|(reported|wrote) (by|in) (the )?[A-Z]\w+|per the [A-Z]\w+|"
    r"(told|according to) the [A-Z][\w.]+( [A-Z][\w.]+){0,3}, (which|citing))", re.IGNORECASE)


def reports_on_report(text: str) -> str | None:
    """The first phrase saying this article relays another publication's report, if any."""
    m = _REPORTS_ON.search(text)
    return " ".join(m.group().split()) if m else None


# -- truncation --------------------------------------------------------------------------------
_CUT_END = re.compile(r"(\.\.\.|\u2026|\[\s*continue reading.{0,3}\]|continue reading\W*|read more\W*)\s*$", re.IGNORECASE)


def looks_truncated(text: str, flagged: bool) -> bool:
    """True when the cleaner flagged a cut or the text ends with an ellipsis / read-more marker."""
    return flagged or bool(_CUT_END.search(text[-80:]))


# -- quotation marks ---------------------------------------------------------------------------
_Q_OPEN = "\u201c\u201e\u00ab"
_Q_CLOSE = "\u201d\u00bb"


_WORDCH = re.compile(r"\w")


@lru_cache(maxsize=512)
def quote_mask(text: str) -> np.ndarray:
    """Boolean per character: inside a quotation.

    Handles curly and straight double quotes, ``TeX-style'' quotes and 'single' quotes (an
    opening ' at a word start, a closing ' after a word or punctuation; apostrophes inside words
    are neither). An unclosed straight or single quote runs to the paragraph break.
    """
    n = len(text)
    mask = np.zeros(n + 2, dtype=np.int32)
    opened: int | None = None     # curly / TeX double
    straight: int | None = None   # "
    single: int | None = None     # '
    for i, c in enumerate(text):
        if c in _Q_OPEN or (c == "`" and text.startswith("``", i)):
            if opened is None:
                opened = i
        elif (c in _Q_CLOSE or (c == "'" and text.startswith("''", i))) and opened is not None:
            mask[opened] += 1
            mask[i + (1 if c in _Q_CLOSE else 2)] -= 1
            opened = None
        elif c == '"':
            if straight is None:
                straight = i
            else:
                mask[straight] += 1
                mask[i + 1] -= 1
                straight = None
        elif c in "'\u2018\u2019" and opened is None:
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < n else " "
            if single is None and c != "\u2019" and not _WORDCH.match(before) and _WORDCH.match(after):
                single = i
            elif single is not None and c != "\u2018" and not _WORDCH.match(after) and \
                    (_WORDCH.match(before) or before in ".,!?;:-") and i - single > 1:
                mask[single] += 1
                mask[i + 1] -= 1
                single = None
        elif c == "\n" and text.startswith("\n\n", i):
            # A quotation left open at a paragraph end runs on into the next paragraph (the
            # convention for multi-paragraph quotes): mark it to the break.
            for o in (straight, single):
                if o is not None:
                    mask[o] += 1
                    mask[i] -= 1
            straight = single = None
    if opened is not None:            # a quotation running on to the end (multi-paragraph quote)
        mask[opened] += 1
        mask[n] -= 1
    return np.cumsum(mask[:n]) > 0
