"""Events and storylines on real corpus samples: what a user of `storytrace.stories` relies on."""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import pytest

from storytrace.dates import parse_published
from storytrace.model import Article
from storytrace.stories import EventIndex, StoryResult, cluster


def _rows(path, keep=None):
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if keep is None or keep(r):
                out.append(r)
    return out


def _article(r) -> Article:
    return Article(text=r["text"], title=r["title"], outlet=r["outlet"],
                   published=parse_published(r["published"]), external_id=r["id"])


def _bcubed_f1(pred: dict[str, str], gold: dict[str, str]) -> float:
    pc, gc = defaultdict(set), defaultdict(set)
    for i in gold:
        pc[pred[i]].add(i)
        gc[gold[i]].add(i)
    p = sum(len(pc[pred[i]] & gc[gold[i]]) / len(pc[pred[i]]) for i in gold) / len(gold)
    r = sum(len(pc[pred[i]] & gc[gold[i]]) / len(gc[gold[i]]) for i in gold) / len(gold)
    return 2 * p * r / (p + r)


def _partition(res: StoryResult) -> set[frozenset[str]]:
    return {frozenset(e.article_ids) for e in res.events}


# The sample corpus: four reports of the November 2022 deal, one follow-up about the factory
# (January 2023). The files carry no dates (one has a "Posted" header): the lead's reader gives
# what it finds; here they are dated as the issue describes.
SEED_DATES = {"000": "2022-11-20", "001": "2022-11-19", "002": "2022-11-21", "003": "2023-01-20",
              "004": "2022-11-19"}


@pytest.fixture(scope="module")
def seed_articles(seeds):
    out = {}
    for p in sorted(seeds.glob("*.txt")):
        out[p.name[:3]] = Article(text=p.read_text(encoding="utf-8"), path=str(p),
                                  published=SEED_DATES[p.name[:3]])
    return out


def test_seeds_four_reports_one_event_follow_up_same_storyline(seed_articles):
    res = cluster(list(seed_articles.values()))
    ev = res.event_of()
    ids = {k: a.id for k, a in seed_articles.items()}
    november = {ev[ids[k]] for k in ("000", "001", "002", "004")}
    assert len(november) == 1, "the four November reports should be one event"
    assert ev[ids["003"]] not in november, "the factory follow-up is a later, different event"
    story = {e.id: e.storyline_id for e in res.events}
    assert story[ev[ids["003"]]] == story[next(iter(november))], "...but the same storyline"
    line = next(s for s in res.storylines if s.id == story[ev[ids["003"]]])
    assert line.event_ids[-1] == ev[ids["003"]], "storyline events are in date order"
    big = next(e for e in res.events if e.id in november)
    assert big.why["similarity"] > 0 and {"drones", "iran", "russia"} <= set(big.why["terms"])


def test_undated_article_inherits_its_events_date(seed_articles):
    arts = [a for k, a in seed_articles.items() if k != "002"]
    undated = Article(text=seed_articles["002"].text, path="x")  # the same report, no date
    res = cluster(arts + [undated])
    assert res.inferred_dates.get(undated.id, "").startswith("2022-11")
    assert all(a.id not in res.inferred_dates for a in arts if a.published)


@pytest.fixture(scope="module")
def basil(corpora):
    rows = _rows(corpora / "basil" / "articles.jsonl")
    gold = {g["id"]: g["triplet"] for g in _rows(corpora / "basil" / "gold.jsonl")}
    triplets = sorted({gold[r["id"]] for r in rows})[:40]
    arts = [_article(r) for r in rows if gold[r["id"]] in triplets]
    return arts, {a.id: gold[a.external_id] for a in arts}


def test_basil_triplets_recovered(basil):
    arts, gold = basil
    f1 = _bcubed_f1(cluster(arts).event_of(), gold)
    assert f1 >= 0.93, f1


def test_partition_and_ids_do_not_depend_on_input_order(basil):
    arts, _ = basil
    ref = cluster(arts).to_dict()
    for seed in (1, 2):
        shuffled = arts[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster(shuffled).to_dict() == ref


def test_incremental_placement_close_to_batch_and_state_round_trip(basil):
    arts, gold = basil
    batch = cluster(arts)
    shuffled = arts[:]
    random.Random(3).shuffle(shuffled)
    idx = EventIndex()
    half = len(shuffled) // 2
    for a in shuffled[:half]:
        idx.add([a])
    # The store persists the index as JSON and reopens it later.
    idx = EventIndex.from_state(json.loads(json.dumps(idx.to_state())))
    for a in shuffled[half:]:
        idx.add([a])
    inc = idx.result()
    assert _bcubed_f1(inc.event_of(), batch.event_of()) >= 0.95
    assert _bcubed_f1(inc.event_of(), gold) >= 0.93
    idx.recluster()  # the exact batch partition on demand
    assert _partition(idx.result()) == _partition(batch)
    assert idx.add(arts[:3]) == [], "articles already placed are not added twice"


def test_lookalike_events_kept_apart(corpora):
    """ECB+ topic 1: two different celebrity rehab check-ins must not be one event."""
    rows = _rows(corpora / "ecbplus" / "articles.jsonl", keep=lambda r: r["id"].split("_")[0] == "1")
    gold = {g["id"]: g["subtopic"] for g in _rows(corpora / "ecbplus" / "gold.jsonl")}
    arts = [_article(r) for r in rows]
    res = cluster(arts)
    ev = res.event_of()
    by_sub = defaultdict(set)
    for a in arts:
        by_sub[gold[a.external_id]].add(ev[a.id])
    a_events, b_events = by_sub.values()
    assert not (a_events & b_events), "no event mixes the two rehab stories"
    assert _bcubed_f1(ev, {a.id: gold[a.external_id] for a in arts}) >= 0.9


def test_event_evidence_and_ids(basil):
    arts, _ = basil
    res = cluster(arts)
    for e in res.events:
        d = e.to_dict()
        assert set(d) == {"id", "storyline_id", "article_ids", "title", "why"}
        assert d["id"].startswith("ev-") and d["article_ids"] == sorted(d["article_ids"])
        assert d["title"]
        if len(e.article_ids) > 1:
            assert 0 < d["why"]["similarity"] <= 1 and d["why"]["terms"]
    assert {s.id for s in res.storylines} == {e.storyline_id for e in res.events}
    json.dumps(res.to_dict())


def test_bad_input_is_placed_with_a_reason_never_a_crash(basil):
    arts, _ = basil
    odd = [Article(text=""), Article(text="Breaking."), Article(text="UPDATED: " + arts[0].text, title=None),
           Article(text="El presidente anunció hoy un nuevo acuerdo comercial con los países vecinos "
                        "para reducir los aranceles sobre productos agrícolas y manufacturados " * 3),
           Article(text="UPDATED: " + arts[1].text, title=arts[1].title, published=parse_published("not a date"))]
    res = cluster(arts[:6] + odd)
    ev = {e.id: e for e in res.events}
    of = res.event_of()
    assert len({a.id for a in odd}) == len(odd)
    for a in odd[:2]:
        e = ev[of[a.id]]
        assert e.article_ids == [a.id] and e.why["reason"]
    # An article without a title still joins its event; so does one with an unparseable date.
    assert of[odd[2].id] == of[arts[0].id]
    assert of[odd[4].id] == of[arts[1].id]


def test_seeds_as_read_follow_up_is_a_later_event_with_a_later_inferred_date(corpora):
    """The sample files as the reader gives them: one has a date ("Posted Nov 19, 2022"), four none.

    The follow-up names "In December" and "early January": it must come out as a second event of
    the same storyline, dated no earlier than January 2023, while the undated November reports
    inherit the November date.
    """
    from pathlib import Path

    from storytrace.ingest import read_paths

    arts = [a for a in read_paths([corpora / "seeds"]) if isinstance(a, Article)]
    by = {Path(a.path).name[:3]: a for a in arts}
    assert sorted(by) == ["000", "001", "002", "003", "004"]
    assert [k for k, a in sorted(by.items()) if a.published] == ["004"]
    res = cluster(arts)
    ev = res.event_of()
    november = {ev[by[k].id] for k in ("000", "001", "002", "004")}
    assert len(november) == 1, "the four November reports are one event"
    follow = ev[by["003"].id]
    assert follow not in november, "the factory follow-up is a second event"
    story = {e.id: e.storyline_id for e in res.events}
    assert story[follow] == story[next(iter(november))], "...in the same storyline"
    line = next(s for s in res.storylines if s.id == story[follow])
    assert line.event_ids == [next(iter(november)), follow], "storyline events in date order"
    for k in ("000", "001", "002"):
        assert res.inferred_dates[by[k].id].startswith("2022-11"), (k, res.inferred_dates)
    assert res.inferred_dates[by["003"].id] >= "2023-01-01", res.inferred_dates
    assert by["004"].id not in res.inferred_dates
    # Shuffled input: the same result.
    assert cluster(arts[::-1]).to_dict() == res.to_dict()


def test_time_mentions_give_a_lower_bound_read_around_the_anchor():
    from datetime import date

    from storytrace.stories.mentions import floor_date, time_mentions

    text = ("The war started in February. A delegation visited Russia in early January. "
            "In December, officials warned of the plan. The factory will open in March.")
    m = time_mentions(text)
    assert "in March" not in m, "a future-tense month says nothing about when the text was written"
    d, expr = floor_date(m, date(2022, 11, 19))
    assert (d, expr) == (date(2023, 1, 1), "in early January")
    # Seen from June 2023, every month named is in the past half year: February is the latest.
    assert floor_date(m, date(2023, 6, 1)) == (date(2023, 2, 1), "in February")
    assert floor_date(["in February"], date(2022, 11, 19))[0] == date(2022, 2, 1)


def test_two_wire_versions_of_one_event_stay_one_event(corpora):
    """giveme5w1h events told by two wire services, each copied by several outlets (the $284 billion
    power bill, the New England fireball, the boy in the well in Hebei, ...): the two copy families
    differ in wording only, not in who/where/how many, and must not be split as look-alike events."""
    keep = {"4", "5", "16", "44", "77"}
    gold = {g["id"]: str(g["event_id"]) for g in _rows(corpora / "giveme5w1h" / "gold.jsonl")}
    rows = _rows(corpora / "giveme5w1h" / "articles.jsonl", keep=lambda r: gold[r["id"]] in keep)
    arts = [_article(r) for r in rows]
    ev = cluster(arts).event_of()
    by_event = defaultdict(set)
    for a in arts:
        by_event[gold[a.external_id]].add(ev[a.id])
    assert {g: len(e) for g, e in by_event.items()} == {g: 1 for g in keep}
    assert len({e for es in by_event.values() for e in es}) == len(keep), "...and the events stay apart"


def test_one_sentence_reports_join_their_event(corpora):
    """ECB+ topic 23: nine one-sentence reports of a climber's death on Mt Cook (names, places, few
    words) join their event instead of being left as 'too short' singletons."""
    rows = _rows(corpora / "ecbplus" / "articles.jsonl", keep=lambda r: r["id"].split("_")[0] == "23")
    gold = {g["id"]: g["subtopic"] for g in _rows(corpora / "ecbplus" / "gold.jsonl")}
    arts = [_article(r) for r in rows]
    res = cluster(arts)
    short = [a for a in arts if gold[a.external_id] == "23_ecb"]
    assert len(short) >= 9 and all(len(a.text.split()) < 40 for a in short)
    sizes = Counter(res.event_of()[a.id] for a in short)
    assert max(sizes.values()) >= 0.7 * len(short), sizes
    assert _bcubed_f1(res.event_of(), {a.id: gold[a.external_id] for a in arts}) >= 0.85
