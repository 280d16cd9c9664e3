"""Events, attributions and claims with their per-article (or per-story) work in Spark executors.

Each function returns exactly what its local counterpart returns for the same input:

* `cluster(articles)` = `storytrace.stories.cluster(articles)`. Executors compute each article's
  event features (`stories.index.article_state`) and then the pair similarities in date blocks
  (`event_pairs`: each block of dated articles against itself and the articles at most
  `window_days` before it, undated blocks against every dated article; the stories module's own
  `pairs.pair_arrays` in each task, whose cosines are the same floats whatever the block). The
  driver restores the index with those pairs (`index_with_pairs`) and runs the exact batch
  clustering (`recluster`, `result`); `clustered_index(states)` is that for the pipeline. Why the
  clustering itself is not split into time blocks: average link is exact per connected component
  of the pairs >= the link threshold, and on real news those components chain across months (one
  component holds 74 % of 3,000 articles of a news feed), so a block split would either change the
  events or leave one block with nearly everything. bench/results/spark.md has the figures.
* `attributions(articles)` = `[x for a in articles for x in extract_attributions(a)]`, one
  article per call in the executors.
* `claims_sections_many(jobs, sources)` = `[claims_sections(arts, derivations, attributions,
  sources) for ...]`, one storyline per call in the executors; `claims_per_storyline` is the
  pipeline's claims stage around it (stored results first, only the misses go to Spark).
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

from storytrace.engines import spark as S


def _session(spark, master: str | None):
    return spark if spark is not None else S.shared_session(master)


# -- events ------------------------------------------------------------------------------------

def _event_state(params, article) -> dict[str, Any]:
    """One article's entry of the event index state (vector, day, title, reason)."""
    from storytrace.stories import index as stories_index

    if hasattr(stories_index, "article_state"):
        return stories_index.article_state(article, params)
    idx = stories_index.EventIndex(params)
    idx.add([article], place=False)
    return idx.to_state()["articles"][article.id]


def _pair_input(aid: str, st: dict[str, Any], params):
    """The article as the pair finder sees it: what `EventIndex` records from its state (an article
    kept apart for a stated reason has no key terms: never compared)."""
    from storytrace.stories.pairs import PairInput, key_terms

    return PairInput(aid, st["v"], st["d"], () if st["r"] else key_terms(st["v"], params.key_terms))


def _blocks(states: dict[str, dict[str, Any]], params, size: int) -> list[tuple[list[str], list[str]]]:
    """(block, against) id lists whose pairs, unioned, are every pair of the articles, each once.

    Dated articles in (day, id) order are cut into blocks of `size`; a block's pairs are those
    within it and those with the articles before it dated at most `window_days` before its first
    day (a pair further apart is never compared). Undated articles pair with every date: their
    blocks come last, against every dated article and the undated blocks before them."""
    live = [a for a in sorted(states) if not states[a]["r"]]
    dated = sorted((a for a in live if states[a]["d"] is not None), key=lambda a: (states[a]["d"], a))
    undated = [a for a in live if states[a]["d"] is None]
    out = []
    lo = 0
    for s in range(0, len(dated), size):
        first = states[dated[s]]["d"]
        while states[dated[lo]]["d"] < first - params.window_days:
            lo += 1
        out.append((dated[s:s + size], dated[lo:s]))
    for s in range(0, len(undated), size):
        out.append((undated[s:s + size], dated + undated[:s]))
    return out


def _blocks_touching(states: dict[str, dict[str, Any]], params, size: int,
                     new: set[str]) -> list[tuple[list[str], list[str]]]:
    """(block, against) id lists whose pairs, unioned, are every pair with an article of `new`
    (a pair of two new articles in different blocks comes twice: `event_pairs` keeps one).

    What an increment computes when the last run's pairs among the other articles are known
    (`stories.pairs.KnownPairs`): the new dated articles in (day, id) order cut into blocks, each
    against every other live article dated within `window_days` of the block (before or after)
    and every undated one; new undated articles against every live article."""
    from bisect import bisect_left, bisect_right

    live = [a for a in sorted(states) if not states[a]["r"]]
    dated = sorted((a for a in live if states[a]["d"] is not None), key=lambda a: (states[a]["d"], a))
    undated = [a for a in live if states[a]["d"] is None]
    days = [states[a]["d"] for a in dated]
    out = []
    fresh = [a for a in dated if a in new]
    for s in range(0, len(fresh), size):
        items = fresh[s:s + size]
        lo = bisect_left(days, states[items[0]]["d"] - params.window_days)
        hi = bisect_right(days, states[items[-1]]["d"] + params.window_days)
        mine = set(items)
        out.append((items, [a for a in dated[lo:hi] if a not in mine] + undated))
    fresh = [a for a in undated if a in new]
    for s in range(0, len(fresh), size):
        items = fresh[s:s + size]
        mine = set(items)
        out.append((items, dated + [a for a in undated if a not in mine]))
    return out


def _pairs_task(params):
    def run(rows):
        from storytrace.stories.pairs import pair_arrays

        for items, against in rows:
            I, J, S_ = pair_arrays(items, params, against)
            ids = [x.id for x in items] + [x.id for x in against]
            for i, j, s in zip(I.tolist(), J.tolist(), S_.tolist()):
                yield ids[i], ids[j], s
    return run


def event_pairs(states: dict[str, dict[str, Any]], params=None, *, master: str | None = None, spark=None,
                block: int = 1000, only: set[str] | None = None) -> list[tuple[str, str, float]]:
    """Every candidate pair of the articles (`article_state`s by id) with its cosine, as the event
    index computes them (`stories.pairs.pair_arrays`), computed in the executors one date block
    per task: the block against itself and the articles within `window_days` before it. Pairs
    as (id, id, cosine), ids in order, sorted. The cosines are the same floats as a batch product's
    (pairs.cosine sums shared terms in sorted order whatever the block). `only`: just the pairs
    with at least one of these articles (`_blocks_touching`): an increment's."""
    from storytrace.stories import Params

    p = params or Params()
    blocks = _blocks(states, p, block) if only is None else _blocks_touching(states, p, block, only)
    jobs = [([_pair_input(a, states[a], p) for a in items], [_pair_input(a, states[a], p) for a in against])
            for items, against in blocks]
    if not jobs:
        return []
    s = _session(spark, master)
    sc = s.sparkContext
    # Biggest tasks first, one block per partition.
    jobs.sort(key=lambda j: -(len(j[0]) * (len(j[0]) + len(j[1]))))
    with S.job("event pair similarities"):
        got = (sc.parallelize(list(enumerate(jobs)), len(jobs)).partitionBy(len(jobs), lambda k: k).values()
               .mapPartitions(_pairs_task(p)).collect())
    # A pair of two `only` articles in two blocks comes twice, as the same float (see above).
    return sorted({(a, b, x) if a < b else (b, a, x) for a, b, x in got})


def index_with_pairs(states: dict[str, dict[str, Any]], pairs: list[tuple[str, str, float]], params=None,
                     known=None):
    """An `EventIndex` holding the articles (states by id) and the executors' pairs, not clustered
    yet: the pairs are taken as given, never computed again on the driver. `known`: the pairs
    among the other articles, from an earlier run (`KnownPairs`)."""
    from storytrace.stories import EventIndex

    idx = EventIndex(params)
    idx.add_states(states, pairs=pairs, known=known)
    return idx


def clustered_index(states: dict[str, dict[str, Any]], params=None, *, master: str | None = None, spark=None,
                    block: int = 1000, meaning: dict[str, Any] | None = None, known=None):
    """An `EventIndex` of the articles (states by id) with its batch partition (`recluster`): the
    pair similarities computed in the executors (`event_pairs`), the exact clustering on the
    driver. Equal to restoring the states and clustering locally. `meaning`: the optional headline
    vectors by article id (`stories.meaning`), blended in on the driver as the local engine does.
    `known`: the last run's pair graph of the articles whose state is unchanged (`KnownPairs`, as
    the pipeline keeps it): only the other articles' pairs go to the executors (none: no job)."""
    only = None
    if known is not None:
        have = {a for a in known.ids if a is not None}
        only = {a for a in states if a not in have}
    pairs = [] if only == set() else event_pairs(states, params, master=master, spark=spark, block=block, only=only)
    idx = index_with_pairs(states, pairs, params, known=known)
    if meaning:
        idx.add_meaning(meaning)
    idx.recluster()
    return idx


def cluster(articles: Sequence, params=None, *, master: str | None = None, spark=None,
            timings: dict[str, float] | None = None, block: int = 1000):
    """Events and storylines of `articles` (a `StoryResult`) = `stories.cluster(articles)`:
    features and pair similarities computed on Spark, clustering on the driver. `timings`, when
    given, receives the seconds of each part."""
    import time

    t0 = time.perf_counter()
    first: dict[str, Any] = {}
    for a in sorted(articles, key=lambda a: a.id):   # what cluster() keeps: first per id, in id order
        first.setdefault(a.id, a)
    arts = list(first.values())
    s = _session(spark, master)
    states = S.map_articles(functools.partial(_event_state, params), arts, spark=s, what="event features")
    by_id = {a.id: st for a, st in zip(arts, states)}
    t1 = time.perf_counter()
    pairs = event_pairs(by_id, params, spark=s, block=block)
    t2 = time.perf_counter()
    idx = index_with_pairs(by_id, pairs, params)
    idx.recluster()
    res = idx.result()
    if timings is not None:
        timings.update(features_in_executors=round(t1 - t0, 3), pairs_in_executors=round(t2 - t1, 3),
                       cluster_on_driver=round(time.perf_counter() - t2, 3))
    return res


# -- attributions ------------------------------------------------------------------------------

def _attributions_of(article) -> list:
    from storytrace.sources import extract_attributions

    return extract_attributions(article)


def attributions(articles: Sequence, *, master: str | None = None, spark=None) -> list:
    """Attributions of every article, in article order, extracted in the executors."""
    per = S.map_articles(_attributions_of, list(articles), spark=_session(spark, master), what="attributions")
    return [x for xs in per for x in xs]


# -- claims ------------------------------------------------------------------------------------

def _claims_task(sources_bc):
    def run(rows):
        from storytrace.claims import claims_sections

        for k, arts, derivations, atts, own, sources in rows:
            src = sources if own else sources_bc.value
            yield k, claims_sections([S.load_article(a) for a in arts], derivations, atts, src)
    return run


def claims_sections_many(jobs: Sequence[tuple], sources: list[dict] | dict[str, str] | None = None, *,
                         master: str | None = None, spark=None) -> list[dict[str, list]]:
    """[claims_sections(articles, derivations, attributions, sources) for each job], one storyline
    per call, computed in the executors; results in job order.

    A job is (articles, derivations, attributions) and reads `sources` (sent once, as a
    broadcast), or (articles, derivations, attributions, its own sources): the pipeline hands each
    storyline only the registry entries it names."""
    import json

    if not jobs:
        return []
    s = _session(spark, master)
    sc = s.sparkContext
    rows = [(k, [json.dumps(S._article_dict(a), ensure_ascii=False) for a in job[0]], list(job[1]), list(job[2]),
             len(job) > 3, job[3] if len(job) > 3 else None)
            for k, job in enumerate(jobs)]
    # Largest storylines first, spread round-robin: one huge story must not share a task with others.
    order = sorted(range(len(rows)), key=lambda k: -len(rows[k][1]))
    parts = max(1, min(len(rows), S.default_partitions(s, sum(len(r[1]) for r in rows))))
    out: list[Any] = [None] * len(rows)
    with S.job("claims"):
        bc = sc.broadcast(sources)
        try:
            spread = (sc.parallelize([(i % parts, rows[k]) for i, k in enumerate(order)], parts)
                      .partitionBy(parts, lambda p: p).values())
            for k, sec in spread.mapPartitions(_claims_task(bc)).collect():
                out[k] = sec
        finally:
            bc.unpersist()
    return out


def claims_per_storyline(cache, version: str, groups: Sequence[tuple], *, master: str | None = None,
                         spark=None) -> list[dict[str, list]]:
    """The claims stage of the pipeline with its storylines computed in the executors.

    `groups`: one (articles, derivations, attributions, sources, cache key inputs) per storyline.
    Returns, in order, what `cache.per_group("claims", version, key, lambda: claims_sections(...))`
    returns for each (plain `claims_sections(...)` when `cache` is None): stored results are read
    first, only the storylines without one travel to Spark, and the cache then records the new
    results exactly as for the local engine. No storyline to compute: no job, no JVM."""
    from storytrace.store.cache import group_key

    todo = list(range(len(groups)))
    if cache is not None:
        todo = [k for k in todo if cache.store.load_group_result("claims", group_key("claims", version, groups[k][4]))
                is None]
    pre: dict[int, Any] = {}
    if todo:
        secs = claims_sections_many([groups[k][:4] for k in todo], master=master, spark=spark)
        pre = dict(zip(todo, secs))
    if cache is None:
        return [pre[k] for k in range(len(groups))]

    def compute(k: int) -> dict[str, list]:
        if k in pre:
            return pre[k]
        from storytrace.claims import claims_sections  # a result the lookup missed: same value, on the driver

        return claims_sections(*groups[k][:4])

    return [cache.per_group("claims", version, g[4], lambda k=k: compute(k)) for k, g in enumerate(groups)]
