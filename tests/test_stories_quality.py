"""Event clustering quality on real corpus samples: look-alike events kept apart, one event's outlets together.

The look-alike split (`storytrace.stories.linkage.split_lookalikes`) keeps a cut when its halves are
far more cohesive than across (ratio) or when the cut stands far above random cuts of the same sizes
(a permutation test). These tests use ECB+ topics whose two real events were merged whole before the
permutation test (the ratio alone was 2.2-2.9, below the 3.0 that single events also reach) and
giveme5w1h events reported by many outlets that must stay one event.
"""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import pytest

from storytrace.dates import parse_published
from storytrace.model import Article
from storytrace.stories import cluster, features
from storytrace.stories.linkage import split_lookalikes


def _rows(path, keep):
    with open(path, encoding="utf-8") as fh:
        return [r for r in map(json.loads, fh) if keep(r)]


def _article(r) -> Article:
    return Article(text=r["text"], title=r["title"], outlet=r["outlet"],
                   published=parse_published(r["published"]), external_id=r["id"])


def _bcubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    pc, gc = defaultdict(set), defaultdict(set)
    for i in gold:
        pc[pred[i]].add(i)
        gc[gold[i]].add(i)
    p = sum(len(pc[pred[i]] & gc[gold[i]]) / len(pc[pred[i]]) for i in gold) / len(gold)
    r = sum(len(pc[pred[i]] & gc[gold[i]]) / len(gc[gold[i]]) for i in gold) / len(gold)
    return p, r, 2 * p * r / (p + r)


@pytest.fixture(scope="module")
def ecb(corpora):
    """ECB+ topics 9 (Bush's endangered-species rule / Obama's reversal) and 35 (two San Diego
    Chargers players arrested for drunk driving, a year apart): articles and sub-topic labels."""
    topics = {"9", "35"}
    gold = {g["id"]: g["subtopic"] for g in _rows(corpora / "ecbplus" / "gold.jsonl", lambda g: g["topic"] in topics)}
    arts = [_article(r) for r in _rows(corpora / "ecbplus" / "articles.jsonl", lambda r: r["id"] in gold)]
    return arts, {a.id: gold[a.external_id] for a in arts}


def test_lookalike_events_of_one_topic_are_separated(ecb):
    arts, gold = ecb
    ev = cluster(arts).event_of()
    for topic in ("9", "35"):
        events = {sub: Counter(ev[i] for i, g in gold.items() if g == sub)
                  for sub in (f"{topic}_ecb", f"{topic}_ecbplus")}
        (ea, ca), (eb, cb) = (c.most_common(1)[0] for c in events.values())
        assert ea != eb, f"topic {topic}: the two real events share their main event"
        # Each real event is (nearly) whole in its own event.
        assert ca >= 0.8 * sum(events[f"{topic}_ecb"].values())
        assert cb >= 0.8 * sum(events[f"{topic}_ecbplus"].values())
    p, r, f = _bcubed(ev, gold)
    assert p >= 0.9 and f >= 0.9, (p, r, f)


def test_permutation_test_is_what_parts_them(ecb):
    """The cut of topic 35's merged cluster fails the cohesion ratio; the permutation test keeps it."""
    arts, gold = ecb
    ids = sorted(a.id for a in arts if gold[a.id].startswith("35_"))
    vecs = {a.id: features.vectorize(a) for a in arts if a.id in ids}
    ratio_only = split_lookalikes(ids, vecs, 3.0, 0.2, min_half=3, min_z=0)
    with_test = split_lookalikes(ids, vecs, 3.0, 0.2, min_half=3)
    assert ratio_only == [ids], "the ratio alone keeps the two DUI arrests together"
    assert len(with_test) == 2
    for part in with_test:
        assert len({gold[i] for i in part}) == 1, "each half is one real event"


def test_single_events_are_not_split(corpora):
    """One real event reported in varied words stays whole: its best cut is not far above chance.
    ECB+ 1_ecbplus (21 reports of one rehab check-in, some of the check-in, some of the court order
    behind it), 1_ecb, 12_ecb, 13_ecb (18, 19, 22 articles)."""
    subs = {"1_ecbplus", "1_ecb", "12_ecb", "13_ecb"}
    gold = {g["id"]: g["subtopic"] for g in _rows(corpora / "ecbplus" / "gold.jsonl", lambda g: g["subtopic"] in subs)}
    arts = [_article(r) for r in _rows(corpora / "ecbplus" / "articles.jsonl", lambda r: r["id"] in gold)]
    vecs = {a.id: features.vectorize(a) for a in arts}
    for sub in subs:
        ids = sorted(a.id for a in arts if gold[a.external_id] == sub)
        assert split_lookalikes(ids, vecs, 3.0, 0.2, min_half=3) == [ids], sub


def test_split_does_not_depend_on_input_order(ecb):
    arts, _ = ecb
    ref = {frozenset(e.article_ids) for e in cluster(arts).events}
    shuffled = arts[:]
    random.Random(7).shuffle(shuffled)
    assert {frozenset(e.article_ids) for e in cluster(shuffled).events} == ref


def test_one_event_many_outlets_grouped(corpora):
    """giveme5w1h: the Costa Rica plane crash (12 articles) and the first Falcon Heavy launch
    reports stay one event each across their outlets, next to the Tesla-to-Mars announcement."""
    keep = {"35", "49", "18"}
    gold = {g["id"]: str(g["event_id"]) for g in _rows(corpora / "giveme5w1h" / "gold.jsonl",
                                                        lambda g: str(g["event_id"]) in keep)}
    arts = [_article(r) for r in _rows(corpora / "giveme5w1h" / "articles.jsonl", lambda r: r["id"] in gold)]
    ev = cluster(arts).event_of()
    crash = [a for a in arts if gold[a.external_id] == "35"]
    main, n = Counter(ev[a.id] for a in crash).most_common(1)[0]
    assert n >= 11, "all but the crawl failure (its text is another page) in one event"
    assert len({a.outlet for a in crash if ev[a.id] == main}) >= 8, "reported by many outlets, grouped"
    others = {ev[a.id] for a in arts if gold[a.external_id] != "35"}
    assert main not in others, "the crash shares no event with the space stories"
