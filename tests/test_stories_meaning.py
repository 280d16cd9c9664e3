"""The optional meaning signal for events (headline embeddings, `storytrace.stories.meaning`).

Tests that need the model fail when the models extra is missing (the test command installs it: a
missing model is a broken install, `conftest.missing_optional`); the rest check that
without vectors clustering is the lexical path, and the helpers that need no model.
"""
from __future__ import annotations

import dataclasses
import json
import random

import numpy as np
import pytest

from storytrace.dates import parse_published
from storytrace.model import Article
from storytrace.stories import EventIndex, Params, cluster, meaning

from conftest import missing_optional


def _giveme(corpora, events: set[str]) -> tuple[list[Article], dict[str, str]]:
    gold = {}
    with open(corpora / "giveme5w1h" / "gold.jsonl", encoding="utf-8") as fh:
        for g in map(json.loads, fh):
            if str(g["event_id"]) in events:
                gold[g["id"]] = str(g["event_id"])
    arts, lab = [], {}
    with open(corpora / "giveme5w1h" / "articles.jsonl", encoding="utf-8") as fh:
        for r in map(json.loads, fh):
            if r["id"] in gold:
                a = Article(text=r["text"], title=r["title"], outlet=r["outlet"],
                            published=parse_published(r["published"]), external_id=r["id"])
                arts.append(a)
                lab[a.id] = gold[r["id"]]
    return arts, lab


@pytest.fixture(scope="module")
def sample(corpora):
    """giveme5w1h: microbes identified in space (48: one of its pages is a crawl whose body is a
    test-series ad), the Costa Rica plane crash (35), the Falcon Heavy launch (49) and the
    Tesla-to-Mars announcement (18)."""
    return _giveme(corpora, {"48", "35", "49", "18"})


def _cluster_with(arts, params, vecs):
    idx = EventIndex(params)
    idx.add_meaning(vecs)
    idx.add(sorted(arts, key=lambda a: a.id), place=False)
    idx.recluster()
    return idx.result()


ON = dataclasses.replace(Params(), meaning_weight=0.5, meaning_center=0.3)


def test_meaning_text_is_the_headline_else_the_first_sentence(sample):
    arts, _ = sample
    a = arts[0]
    assert meaning.meaning_text(a) == " ".join(a.title.split())
    untitled = Article(text="Astronauts identified microbes aboard the station. More follows here.")
    assert meaning.meaning_text(untitled) == "Astronauts identified microbes aboard the station."
    assert meaning.meaning_text(Article(text="   ")) == ""


def test_vector_text_round_trip():
    v = meaning._canonical(np.random.default_rng(0).standard_normal(meaning.DIM).astype(np.float32))
    back = meaning.from_text(meaning.to_text(v))
    assert back.dtype == np.float32 and np.array_equal(back, v)
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-3


def test_no_model_means_lexical(sample, monkeypatch):
    """Without the model there are no vectors and clustering is the lexical result."""
    arts, _ = sample
    monkeypatch.setattr(meaning, "load", lambda: None)
    assert meaning.article_vectors(arts) == {}
    lexical = cluster(arts).to_dict()
    assert _cluster_with(arts, ON, {}).to_dict() == lexical
    assert meaning.cluster_with_meaning(arts, ON).to_dict() == lexical


def test_cluster_with_meaning_uses_the_vectors(sample, embedder):
    arts, _ = sample
    vecs = meaning.article_vectors(arts, embedder)
    assert meaning.cluster_with_meaning(arts, ON, vecs).to_dict() == _cluster_with(arts, ON, vecs).to_dict()


def test_vectors_depend_on_the_article_alone(sample, embedder):
    arts, _ = sample
    alone = meaning.article_vector(arts[3], embedder)
    embedder._cache.clear()
    shuffled = arts[:]
    random.Random(5).shuffle(shuffled)
    many = meaning.article_vectors(shuffled, embedder)
    assert np.array_equal(many[arts[3].id], alone)
    assert set(many) == {a.id for a in arts}


def test_headlines_of_one_event_are_close(sample, embedder):
    """The crawled microbes page (its body an ad for test series, no lexical pair with its event)
    still says the same thing in its headline; other events' headlines are far."""
    arts, gold = sample
    vecs = meaning.article_vectors(arts, embedder)
    microbes = [a.id for a in arts if gold[a.id] == "48"]
    crash = [a.id for a in arts if gold[a.id] == "35"]
    same = [float(vecs[x] @ vecs[y]) for x in microbes for y in microbes if x < y]
    other = [float(vecs[x] @ vecs[y]) for x in microbes for y in crash]
    assert min(same) >= 0.8, same
    assert max(other) < 0.3, other


def test_weight_zero_ignores_vectors(sample, embedder):
    """`meaning_weight=0` is the lexical path even with vectors recorded; the defaults use them."""
    arts, _ = sample
    vecs = meaning.article_vectors(arts, embedder)
    off = dataclasses.replace(Params(), meaning_weight=0.0)
    assert _cluster_with(arts, off, vecs).to_dict() == cluster(arts).to_dict()
    assert Params().meaning_weight > 0 and Params().meaning_max_days >= 0
    idx = EventIndex()
    idx.add_meaning(vecs)
    idx.add(sorted(arts, key=lambda a: a.id), place=False)
    lex = EventIndex()
    lex.add(sorted(arts, key=lambda a: a.id), place=False)
    I, J, S = lex.graph.arrays()
    assert not np.array_equal(idx._event_sims(I, J, S), lex._event_sims(I, J, S))


def test_meaning_on_is_order_free_and_incremental_equals_batch(sample, embedder):
    arts, gold = sample
    vecs = meaning.article_vectors(arts, embedder)
    ref = _cluster_with(arts, ON, vecs)
    shuffled = arts[:]
    random.Random(3).shuffle(shuffled)
    assert _cluster_with(shuffled, ON, vecs).to_dict() == ref.to_dict()
    idx = EventIndex(ON)
    idx.add_meaning(vecs)
    for a in shuffled:
        idx.add([a])
    idx.recluster()
    assert idx.result().to_dict() == ref.to_dict()
    # The single-pair similarity equals the array path's float.
    I, J, S = idx.graph.arrays()
    E = idx._event_sims(I, J, S)
    for k in range(min(len(I), 50)):
        assert idx.event_sim(idx.ids[I[k]], idx.ids[J[k]], float(S[k])) == E[k]
    # The crash reports stay one event across their outlets with meaning on.
    ev = ref.event_of()
    crash = [a.id for a in arts if gold[a.id] == "35"]
    assert max(sum(1 for a in crash if ev[a] == ev[b]) for b in crash) >= 11


def test_meaning_moves_similarities_by_headline(sample, embedder):
    """With meaning on every pair, pairs of one event gain and pairs across events lose, by the
    headline cosine; with the default time gate only pairs dated within a week move."""
    arts, gold = sample
    vecs = meaning.article_vectors(arts, embedder)
    lex = EventIndex(Params())
    lex.add(sorted(arts, key=lambda a: a.id), place=False)
    I, J, S = lex.graph.arrays()
    same = np.array([gold[lex.ids[i]] == gold[lex.ids[j]] for i, j in zip(I, J)])
    assert same.any() and (~same).any()
    d = {}
    for name, params in (("all", dataclasses.replace(ON, meaning_max_days=-1)), ("gated", ON)):
        on = EventIndex(params)
        on.add_meaning(vecs)
        on.add(sorted(arts, key=lambda a: a.id), place=False)
        d[name] = on._event_sims(I, J, S) - lex._event_sims(I, J, S)
    assert d["all"][same].mean() > 0 > d["all"][~same].mean()
    gap = np.array([lex.gap_days(lex.ids[i], lex.ids[j]) for i, j in zip(I, J)])
    assert (d["gated"][gap > ON.meaning_max_days] == 0).all()
    near = gap <= ON.meaning_max_days
    assert np.array_equal(d["gated"][near], d["all"][near])


def test_pipeline_embeddings_place_the_seed_story_and_keep_vectors(seeds, tmp_path, monkeypatch):
    """`analyze --embeddings` on the sample corpus: the four November reports are one event and the
    follow-up a second event of the same storyline (as on the lexical path); the headline vectors
    are kept per article, so a second run computes none."""
    if meaning.load() is None:
        missing_optional("sentence-embedding model not installed (storytrace[models])")
    from storytrace import api

    db = tmp_path / "s.db"
    first = api.analyze([seeds], db=db, embeddings=True)
    events = sorted(len(e["article_ids"]) for e in first["events"])
    assert events == [1, 4]
    assert len(first["storylines"]) == 1 and len(first["storylines"][0]["event_ids"]) == 2
    assert first["cached_results"]["stories_meaning"] == {"hits": 0, "misses": 5}
    again = api.analyze([seeds], db=db, embeddings=True)
    assert again["cached_results"]["stories_meaning"] == {"hits": 5, "misses": 0}
    assert [e["article_ids"] for e in again["events"]] == [e["article_ids"] for e in first["events"]]
    # Without the model the run says so and stays lexical.
    from storytrace.reuse.embed import load_embedder

    monkeypatch.setenv("STORYTRACE_NO_EMBEDDINGS", "1")
    load_embedder.cache_clear()  # the embedder is loaded once per process
    try:
        meaning_off = api.analyze([seeds], db=tmp_path / "t.db", embeddings=True)
    finally:
        monkeypatch.delenv("STORYTRACE_NO_EMBEDDINGS")
        load_embedder.cache_clear()
    assert any(n["stage"] == "stories" and "no sentence-embedding model" in n["detail"]
               for n in meaning_off["stage_notes"])
    assert sorted(len(e["article_ids"]) for e in meaning_off["events"]) == [1, 4]
