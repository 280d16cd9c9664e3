"""Event clustering at scale: the fast pair finder, exact average link and incremental updates give
exactly what the plain batch algorithm gives, on real corpus samples (allsides, ECB+)."""
from __future__ import annotations

import json
import random
from itertools import combinations

import pytest

from storytrace.dates import parse_published
from storytrace.model import Article
from storytrace.stories import EventIndex, Params, cluster
from storytrace.stories.index import article_state
from storytrace.stories.linkage import average_link, average_link_ints
from storytrace.stories.pairs import PairInput, cosine, is_candidate, key_terms, pair_arrays, similar_pairs

from conftest import allsides_sample


def _allsides(corpora, n: int, seed: int = 0) -> list[Article]:
    return allsides_sample(corpora, n, seed)


@pytest.fixture(scope="module")
def sample(corpora) -> list[Article]:
    return _allsides(corpora, 700)


@pytest.fixture(scope="module")
def states(sample) -> dict[str, dict]:
    return {a.id: article_state(a) for a in sample}


def _inputs(states, p: Params) -> list[PairInput]:
    return [PairInput(a, s["v"], s["d"], () if s["r"] else key_terms(s["v"], p.key_terms))
            for a, s in sorted(states.items())]


def test_pairs_are_exactly_the_pair_rule(states):
    """Block products find every pair the rule asks for and no other, with the same floats as
    the one-pair cosine (a pair must be the same number whichever path computed it)."""
    p = Params()
    items = _inputs(states, p)[:400]
    got = similar_pairs(items, p)
    want = {}
    for a, b in combinations(items, 2):
        shared = len(set(a.keys) & set(b.keys))
        gap = None if a.day is None or b.day is None else abs(a.day - b.day)
        if a.keys and b.keys and is_candidate(shared, gap, p):
            s = cosine(a.vec, b.vec)
            if s >= p.edge_floor:
                want[(a.id, b.id) if a.id < b.id else (b.id, a.id)] = s
    assert len(want) > 200, "the sample must hold real pairs"
    assert got == want
    assert any(it.day is None for it in items) and any(it.day is not None for it in items)


def test_pairs_of_new_articles_against_a_store_complete_the_batch_pairs(states):
    p = Params()
    items = _inputs(states, p)
    random.Random(4).shuffle(items)
    new, old = items[:60], items[60:]
    whole = similar_pairs(items, p)
    grown = {**similar_pairs(old, p), **similar_pairs(new, p, against=old)}
    assert grown == whole
    # Each pair once, i < j, indices into new + old.
    I, J, S = pair_arrays(new, p, against=old)
    assert (I < J).all() and len(I) == len(set(zip(I.tolist(), J.tolist())))


def _naive_average_link(n, sims, threshold):
    """Textbook average link: recompute every cluster pair's mean after each merge (small n only)."""
    clusters = [[i] for i in range(n)]
    while True:
        best = None
        for x, y in combinations(range(len(clusters)), 2):
            A, B = clusters[x], clusters[y]
            tot = sum(sims.get((min(a, b), max(a, b)), 0.0) for a in A for b in B)
            avg = tot / (len(A) * len(B))
            key = (-avg, min(A), min(B)) if min(A) < min(B) else (-avg, min(B), min(A))
            if avg >= threshold and (best is None or key < best[0]):
                best = (key, x, y)
        if best is None:
            return sorted(sorted(c) for c in clusters)
        _, x, y = best
        clusters[x] = clusters[x] + clusters[y]
        del clusters[y]


def test_average_link_matches_the_textbook_algorithm():
    rnd = random.Random(7)
    for _ in range(60):
        n = rnd.randint(2, 25)
        sims = {}
        for a, b in combinations(range(n), 2):
            if rnd.random() < 0.3:
                # quantised values make ties, which must break on the smallest members
                sims[(a, b)] = rnd.choice([0.5, 0.25, 0.125, -0.125, round(rnd.uniform(-0.2, 0.9), 3)])
        for th in (0.12, 0.25):
            want = _naive_average_link(n, sims, th)
            got = average_link_ints(n, [(a, b, s) for (a, b), s in sorted(sims.items())], th)
            assert got == want
            names = [f"a{k:03d}" for k in range(n)]
            by_name = average_link(names, {(names[a], names[b]): s for (a, b), s in sims.items()}, th)
            assert by_name == [[names[k] for k in c] for c in want]


def test_update_after_adding_articles_equals_batch(sample):
    """A clustered store of 600 allsides articles, then 100 more: `update()` reclusters only the
    components they touch, and the result is exactly the batch result of all 700 (events,
    storylines, ids, evidence, inferred dates)."""
    arts = sorted(sample, key=lambda a: a.id)
    random.Random(1).shuffle(arts)
    old, new = arts[:600], arts[600:]
    batch = cluster(arts)
    idx = EventIndex()
    idx.add(old, place=False)
    idx.recluster()
    assert idx.result().to_dict() == cluster(old).to_dict()
    idx.add(new[:70], place=False)   # the block-product path (many new articles)
    idx.update()
    touched = idx.last_update_size
    assert 70 <= touched < len(idx), "only the components the new articles touch are redone"
    idx.add(new[70:], place=False)   # the inverted-index path (few new articles)
    idx.update()
    assert idx.result().to_dict() == batch.to_dict()
    assert any(a.published is None for a in new), "undated newcomers move estimated days"


def test_update_equals_batch_on_labelled_events(corpora):
    """ECB+ (look-alike events, one-sentence reports): add a third of the articles in two steps."""
    arts = []
    with open(corpora / "ecbplus" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if int(r["id"].split("_")[0]) <= 12:
                arts.append(Article(text=r["text"], title=r["title"], outlet=r["outlet"],
                                    published=parse_published(r["published"]), external_id=r["id"]))
    random.Random(2).shuffle(arts)
    k = len(arts) // 3
    idx = EventIndex()
    idx.add(arts[:-k], place=False)
    idx.recluster()
    for chunk in (arts[-k:-k // 2], arts[-k // 2:]):
        idx.add(chunk, place=False)
        idx.update()
    assert idx.result().to_dict() == cluster(arts).to_dict()


def test_update_after_one_pass_placement_falls_back_to_full_recluster(sample):
    arts = sorted(sample, key=lambda a: a.id)[:200]
    idx = EventIndex()
    idx.add(arts[:150], place=False)
    idx.recluster()
    for a in arts[150:]:
        idx.add([a])  # one-pass placement: close to batch, not equal
    idx.update()
    assert idx.result().to_dict() == cluster(arts).to_dict()


def test_state_round_trip_then_update(sample):
    arts = sorted(sample, key=lambda a: a.id)[:300]
    idx = EventIndex()
    idx.add(arts[:250], place=False)
    idx.recluster()
    idx = EventIndex.from_state(json.loads(json.dumps(idx.to_state())))
    idx.add(arts[250:], place=False)
    idx.update()
    assert idx.result().to_dict() == cluster(arts).to_dict()


def test_heap_order_is_the_documented_tie_break():
    # Two disjoint pairs with the same similarity: the pair with the smaller first member merges
    # first; with min_clusters=3 only that one merges.
    got = average_link_ints(4, [(0, 1, 0.5), (2, 3, 0.5)], 0.1, min_clusters=3)
    assert got == [[0, 1], [2], [3]]
