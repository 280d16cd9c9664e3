"""The fast paths of claim extraction read exactly what a plain scan of the whole text reads.

Extraction looks for figures and times only in windows around cue words found in one pass over an
article (bench/claims_extract_speed.py: about 1.7x less CPU). These tests hold the windowed
readers to a plain reference (every pattern over the whole text) on real articles of two corpora,
so a cue list or margin that misses a shape fails here rather than silently losing claims.
Also: the event day of a Giveme5W1H lead skips days that name another event.
"""
from __future__ import annotations

import json
from bisect import bisect_left

import pytest

from storytrace.claims import extract as X
from storytrace.claims import quantities as Q
from storytrace.claims import times as T
from storytrace.claims.fivew import event_time
from storytrace.dates import parse_published
from storytrace.model import Article


@pytest.fixture(scope="module")
def real_articles(corpora) -> list[Article]:
    out = []
    for name in ("giveme5w1h/articles.jsonl", "giveme5w1h/fivew1h_articles.jsonl", "basil/articles.jsonl"):
        for line in open(corpora / name, encoding="utf-8"):
            r = json.loads(line)
            out.append(Article(text=r["text"], title=r.get("title"), published=parse_published(r.get("published"))))
    assert len(out) >= 700
    return out


def _reference_quantities(text: str) -> list:
    """find_quantities as a scan of the long pattern over the whole text."""
    low = text.lower()
    out = []
    for m in (Q._QTY_LOW.finditer(low) if len(low) == len(text) else Q._QTY.finditer(text)):
        if not (m.group("vague") or m.group("num")) or Q._skip(m, text):
            continue
        parsed = Q._parse(m, text)
        if parsed is not None:
            out.append(((m.start(), parsed[1]), parsed[0]))
    return out


def _reference_times(text: str, published: str | None) -> list:
    """find_times as every rule run over the whole text (no trigger windows), overlaps settled as it does."""
    pub = T._pub(published)
    cands = []
    for rx, fn in T._RULES:
        for m in rx.finditer(text):
            tv = fn(m, pub, T._is_future(text, m.start()))
            if tv is not None:
                cands.append((m.start(), m.end(), tv))
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken, out = [], []
    for s, e, tv in cands:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        out.append(((s, e), tv))
    return sorted(out, key=lambda x: x[0])


def test_windowed_quantities_equal_a_whole_text_scan(real_articles):
    found = 0
    for a in real_articles:
        ref = _reference_quantities(a.text)
        assert Q.find_quantities(a.text) == ref
        low = a.text.lower()
        if len(low) == len(a.text):
            # the extractor's path: number words and digit words from its one cue pass
            assert Q.find_quantities(a.text, low, X._cues(low)[3]) == ref
        found += len(ref)
    assert found > 5000  # real articles are full of figures: the comparison is not vacuous


def test_windowed_times_equal_every_rule_over_the_whole_text(real_articles):
    found = 0
    for a in real_articles[::2]:  # every other one: the reference runs all eleven rules over every text
        ref = _reference_times(a.text, a.published)
        assert T.find_times(a.text, a.published) == ref
        low = a.text.lower()
        if len(low) == len(a.text):
            assert T.find_times(a.text, a.published, low=low, trigger_words=X._cues(low)[4]) == ref
        found += len(ref)
    assert found > 1500


def test_one_cue_pass_finds_what_the_separate_scans_found(real_articles):
    for a in real_articles:
        low = a.text.lower()
        if len(low) != len(a.text):
            continue
        ev, neg, stance, _, _ = X._cues(low)
        assert ev == [m.start() for m in X._EVENT.finditer(low)]
        assert neg == [m.start() for m in X._NEGATION.finditer(low)]
        # every denial/concession phrase has a stance cue at or just after its start (same sentence)
        for m in (*X._DENY.finditer(low), *X._CONCEDE.finditer(low)):
            i = bisect_left(stance, m.start())
            assert i < len(stance) and stance[i] < m.end() + 1, low[m.start():m.end()]


def _giveme(corpora, article_id: str) -> Article:
    for line in open(corpora / "giveme5w1h" / "fivew1h_articles.jsonl", encoding="utf-8"):
        r = json.loads(line)
        if r["id"] == article_id:
            return Article(text=r["text"], title=r["title"], published=parse_published(r["published"]))
    raise AssertionError(article_id)


def test_event_day_skips_a_day_used_as_a_possessive(corpora):
    """"blamed ... for her defeat in Tuesday's presidential election in a conference call ... on Saturday":
    the election is Tuesday's; the event the lead reports (gold: Saturday) is the call."""
    a = _giveme(corpora, "83c0cf4e59d1b03e8ce0b8a0c5ad37a8e4e183cb950de461db3391b6")
    tv = event_time(a)
    assert (tv["start"], tv["source"], tv["evidence"]) == ("2016-11-12", "text", "on Saturday")


def test_event_day_skips_a_day_inside_a_relative_clause(corpora):
    """"Mr Trump, who stormed to a shock election victory on Wednesday, said ... during the transition talks
    on Thursday": Wednesday is background about Trump; the meeting (gold: Thursday) is the event."""
    a = _giveme(corpora, "36ed35f8c78eda121afe93cbe867946d07b7e59278d2a125a23ec1bd")
    tv = event_time(a)
    assert (tv["start"], tv["evidence"]) == ("2016-11-10", "on Thursday")


def test_event_day_still_takes_the_lead_day_when_it_names_the_event(corpora):
    """A plain lead ("... derailed on Wednesday") keeps its day: the two skips are narrow."""
    a = _giveme(corpora, "360dc38b43abfdd2ed72352b6fd7424f361cdde7ad48e2c044b32166")
    tv = event_time(a)
    assert (tv["start"], tv["evidence"]) == ("2016-11-09", "on Wednesday")
