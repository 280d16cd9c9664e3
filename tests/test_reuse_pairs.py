"""The per-pair reuse step (`reuse.align_pair`), its cached form, and the pair cache inside
`find_derivations`: results from a cache equal a run without one, on real corpus texts."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from storytrace.ingest import read_paths
from storytrace.model import Article
from storytrace.reuse import PairResult, align_pair, find_derivations
from storytrace.reuse import derive as D
from storytrace.reuse.candidates import CandidateIndex
from storytrace.reuse.topic import topic_pairs

SEED_DATES = {"000": "2022-11-20", "001": "2022-11-19", "002": "2022-11-20", "003": "2023-01-30",
              "004": "2022-11-19T14:15-06:00"}


@pytest.fixture(scope="module")
def seeds_by_name(seeds):
    arts = {}
    for a in read_paths([str(seeds)]):
        if isinstance(a, Article):
            a.path = a.path.rsplit("/", 1)[-1][:3]
            a.published = SEED_DATES[a.path]
            arts[a.path] = a
    return arts


@pytest.fixture(scope="module")
def giveme(corpora):
    return [a for a in read_paths([str(corpora / "giveme5w1h" / "articles.jsonl")]) if isinstance(a, Article)]


class DictCache:
    """A PairCache kept in memory (the store's is store.cache.PairCache)."""

    def __init__(self) -> None:
        self.data: dict[str, dict] = {}

    def key(self, a, b, extra) -> str:
        return repr((a.id, a.published, b.id, b.published, extra))

    def load(self, keys):
        return {k: self.data[k] for k in keys if k in self.data}

    def save(self, key, value) -> None:
        self.data[key] = value


def test_align_pair_finds_the_seed_rewrite_with_its_direction(seeds_by_name):
    a, b = seeds_by_name["001"], seeds_by_name["000"]
    r = align_pair(a, b)
    assert r.edge is not None
    assert (r.edge["from"], r.edge["to"]) == (a.id, b.id)
    assert r.edge["kind"] == "rewrite" and r.edge["directed"]
    # spans index the texts they name
    p = r.edge["passages"][0]
    assert a.text[slice(*p["from_span"])].split()[:3] == b.text[slice(*p["to_span"])].split()[:3]
    # the graph step's masks cover the passages
    d, s_mask, t_mask, strong = r.edge_tuple()
    assert len(s_mask) == r.n_src and s_mask.sum() > 100 and strong
    # same as the whole stage's edge for this pair (nothing else explains it)
    whole = {(x.source, x.target): x.to_dict() for x in find_derivations(list(seeds_by_name.values())).derivations}
    assert whole[(a.id, b.id)]["passages"] == r.edge["passages"]
    assert whole[(a.id, b.id)]["kind"] == r.edge["kind"]


def test_pair_result_is_plain_data(seeds_by_name):
    r = align_pair(seeds_by_name["001"], seeds_by_name["000"])
    assert PairResult.from_dict(r.to_dict()) == r
    assert pickle.loads(pickle.dumps(r)) == r
    import json

    assert PairResult.from_dict(json.loads(json.dumps(r.to_dict()))).edge == r.edge


def test_same_story_cosine_depends_on_the_two_texts_only(giveme):
    """Fixed background idf: adding other articles never moves a pair's same-story cosine."""
    texts = [a.text for a in giveme[:120]]
    small, _ = topic_pairs(texts[:40])
    big, _ = topic_pairs(texts)
    s = {(p.i, p.j): p.cosine for p in small}
    b = {(p.i, p.j): p.cosine for p in big if p.j < 40}
    assert s, "no same-story pair among 40 giveme5w1h articles"
    assert s == b


def test_a_stored_pair_is_rechecked_against_the_corpus_furniture_counts(giveme):
    # a real pair with verbatim passages, not near-copies: its passages are looked up in the df
    idx = CandidateIndex()
    pairs = idx.add([a.id for a in giveme], [a.text for a in giveme])
    by_id = {a.id: a for a in giveme}
    r = None
    for c in pairs:
        r = align_pair(by_id[c.a], by_id[c.b], df=idx.df)
        if r.checks and not any(f for _, f in r.checks):
            break
    assert r is not None and r.checks
    assert r.valid_under(idx.df)
    assert not r.valid_under(lambda g: np.full(len(g), 1000, dtype=np.int64))  # now everywhere: furniture


def test_find_derivations_with_a_pair_cache_equals_without(giveme, monkeypatch):
    """First 300 articles, then all 382: the second run aligns only pairs with a new article
    (or a stored pair whose furniture check the grown corpus decides otherwise) and gives the
    result of a run without cache. BOILER_DF is lowered so that added articles do flip checks."""
    monkeypatch.setattr(D, "BOILER_DF", 3)
    cache = DictCache()
    first = find_derivations(giveme[:300], pair_cache=cache)
    assert first.stats["pairs_from_cache"] == 0 and cache.data
    aligned: list[tuple[str, str]] = []
    real = D._pair_result

    def spy(da, db, *args):
        aligned.append((da.article.id, db.article.id))
        return real(da, db, *args)

    monkeypatch.setattr(D, "_pair_result", spy)
    inc = find_derivations(giveme, pair_cache=cache)
    monkeypatch.setattr(D, "_pair_result", real)
    full = find_derivations(giveme)
    assert inc.to_dict() | {"stats": None} == full.to_dict() | {"stats": None}
    new = {a.id for a in giveme[300:]}
    assert inc.stats["pairs_from_cache"] > len(aligned) / 2
    assert inc.stats["cached_pairs_invalidated"] > 0
    touching_new = [p for p in aligned if new & set(p)]
    assert len(aligned) - len(touching_new) == inc.stats["cached_pairs_invalidated"]

