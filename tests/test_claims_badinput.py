"""Claims on the bad input of real articles: unclosed quotes, mixed quote styles, verbless lines,
dates that cannot be resolved. Each case is a real corpus article (BASIL, Giveme5W1H), read in place."""
from __future__ import annotations

import json

import pytest

from storytrace.claims import align_claims, build_timeline, extract_claims, find_conflicts, find_times, novelty
from storytrace.claims.fivew import event_time
from storytrace.model import Article


def _rows(path):
    return {r["id"]: r for r in (json.loads(l) for l in open(path, encoding="utf-8"))}


@pytest.fixture(scope="module")
def basil(corpora):
    return _rows(corpora / "basil" / "articles.jsonl")


@pytest.fixture(scope="module")
def giveme(corpora):
    return _rows(corpora / "giveme5w1h" / "articles.jsonl")


def _article(r, published="keep"):
    return Article(text=r["text"], title=r.get("title"), published=r["published"] if published == "keep" else published)


# ------------------------------------------------------------------ quotes never closed

UNCLOSED = "6b541575-99b1-40d2-8730-9bb868ee38ed_3"  # a blog's 3-paragraph quote: opened, closed two paragraphs on


def test_unclosed_quote_does_not_swallow_the_rest(basil):
    a = _article(basil[UNCLOSED])
    opened = a.text.index("\u201cExpect more of this")
    para_end = a.text.index("\n", opened)
    assert "\u201d" not in a.text[opened:para_end]  # the paragraph opens a quote and never closes it
    ms = extract_claims(a)
    for m in ms:
        assert a.text[m.span[0]:m.span[1]] == m.text
        assert "\n\n" not in m.text  # a mention is one sentence, never a run of paragraphs
    # The figure inside the open quote is read, and the article goes on being read after it.
    inside = [m for m in ms if opened <= m.span[0] < para_end]
    assert any(m.quantity and m.quantity["approx"] == "millions" for m in inside)
    assert any(m.span[0] > para_end for m in ms)
    claims = align_claims([a], ms, [])
    find_conflicts(claims, ms)
    assert novelty([a], claims)[0]["claim_ids"]


# ------------------------------------------------------------------ curly vs straight quotes

def _quoted_sentence(basil):
    """A real sentence with a curly-quoted figure, as a fact-checker would meet it twice."""
    for rid in sorted(basil):
        a = _article(basil[rid])
        for m in extract_claims(a):
            if m.quantity and "\u201c" in m.text and "\u201d" in m.text and len(m.text) > 80:
                return a, m
    raise AssertionError("no curly-quoted sentence with a figure in BASIL")


def test_curly_and_straight_quoted_copies_are_one_claim(basil):
    """One outlet prints curly quotes, another straight ones (and a stray apostrophe style): still one claim."""
    a, m = _quoted_sentence(basil)
    straight = (m.text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'"))
    b = Article(text="Other coverage. " + straight + " More follows here.", published=a.published)
    mb = extract_claims(b)
    assert any(x.text == straight for x in mb)
    claims = align_claims([a, b], extract_claims(a) + mb, [])
    joint = [c for c in claims if set(c.article_ids) == {a.id, b.id}]
    assert joint and any(m.span in [x.span for x in c.mentions] for c in joint)
    assert all(c.support == 2 and c.independent_support == 2 for c in joint)


def test_quote_continued_after_the_fact_in_either_style(basil):
    """'"...," he also noted' keeps the quote's time, whether the outlet closes with a straight or curly quote."""
    a, _ = _quoted_sentence(basil)
    lead = "The minister told reporters on Monday that 40 trucks had crossed the border."
    for close in ('"', "\u201d"):
        text = f"{lead} \u201cWe sent them to the front line as agreed{close}, he also noted. {a.text[:400]}"
        ms = extract_claims(Article(text=text, published="2022-11-20"))
        cont = [m for m in ms if "he also noted" in m.text]
        assert cont and cont[0].time_inherited and cont[0].time["start"] == "2022-11-14"


# ------------------------------------------------------------------ sentences without verbs

def test_verbless_timestamp_lines_are_not_claims(giveme):
    """A live-blog timestamp ('12 p.m. AEST Saturday, September 16') is a date with nothing said about it."""
    r = giveme["093c655f7b04e78f432a7b220b219c495031363d1319363f5d0bed37"]
    a = _article(r)
    stamp = a.text.index("12 p.m. AEST Saturday, September 16")
    ms = extract_claims(a)
    assert len(ms) >= 10  # the article's real claims are kept
    assert not [m for m in ms if m.span[0] <= stamp < m.span[1]]


def test_lower_case_sun_at_sentence_end_is_not_sunday(giveme):
    """'...in orbit around the sun.' ends a verbless-looking quote fragment: no weekday, no invented date."""
    r = giveme["10f26ac662bd4171e73c44b33d487634b89538d78fe31b52fbd11f00"]
    a = _article(r)
    i = a.text.index("orbit around the sun.")
    assert not [t for (s, e), t in find_times(a.text, a.published) if s <= i + 18 < e]
    for m in extract_claims(a):
        if "around the sun" in m.text:
            assert m.time is None or m.time_span is None or "sun" not in a.text[m.time_span[0]:m.time_span[1]].lower()
    # an abbreviated weekday in capitals still reads as one
    assert find_times("He arrived Sun. at noon", "2017-12-27")[0][1]["start"] == "2017-12-24"


# ------------------------------------------------------------------ dates that cannot be resolved

def test_unresolvable_dates_kept_unknown_never_invented(giveme):
    """Without a publication date, 'on Tuesday' / 'last year' stay 'unknown' (no dates); dates with a year resolve."""
    r = giveme["22ceaac661fce2ce0325ef77232842ce794b92bc77c941bd37cf9758"]
    a = _article(r, published=None)
    found = find_times(a.text, None)
    unknown = [t for _, t in found if t["precision"] == "unknown"]
    known = [t for _, t in found if t["precision"] != "unknown"]
    assert {"on Tuesday", "last year"} <= {t["label"] for t in unknown}
    assert all(t["start"] is None and t["end"] is None for t in unknown)
    assert any(t["label"] == "2017" for t in known)
    ms = extract_claims(a)
    claims = align_claims([a], ms, [])
    timeline = build_timeline(claims, include_background=True)
    assert timeline and all(e["precision"] != "unknown" and e["start"] for e in timeline)
    assert any(m.time and m.time["precision"] == "unknown" for m in ms)  # kept on the mention, with its words
    # The same article with its date: the relative times resolve against it.
    dated = extract_claims(_article(r))
    assert not any(m.time and m.time["precision"] == "unknown" for m in dated)
    # No publication date and no absolute day in the lead: no event day is invented.
    tv = event_time(a)
    assert tv is None or tv.get("source") == "text"


def test_spans_beyond_the_calendar_stay_unknown_instead_of_failing_the_stage():
    """A real allsides article said "6,000 years ago": shifting the publication date that far left the
    calendar and failed the whole claims stage at 37k articles. Such spans are kept with precision unknown."""
    from storytrace.claims.times import find_times
    found = find_times("The valley was settled 6000 years ago. It flooded 3 years ago.", "2020-05-01")
    assert [(tv["precision"], tv["label"]) for _, tv in found] == [("unknown", "6000 years ago"), ("year", "2017")]
