"""Events, attributions and claims with their per-article (or per-story) work in Spark executors.

Each function returns exactly what its local counterpart returns for the same input:

* `cluster(articles)` = `storytrace.stories.cluster(articles)`. Executors compute each article's
  event features (the stories module's own vectoriser, through `EventIndex.add` and `to_state`:
  ~55 % of the stage locally); the driver restores the index from those states
  (`EventIndex.from_state`, which builds the pair graph from the vectors) and runs the exact
  batch clustering (`recluster`, `result`). Why not cluster in time blocks: average link is exact
  per connected component of the pairs >= the link threshold, and on real news those components
  chain across months (one component holds 74 % of 3,000 articles of a news feed), so a block split would
  either change the events or leave one block with nearly everything. bench/results/spark.md has
  the figures.
* `attributions(articles)` = `[x for a in articles for x in extract_attributions(a)]`, one
  article per call in the executors.
* `claims_sections_many(jobs, sources)` = `[claims_sections(arts, derivations, attributions,
  sources) for ...]`, one storyline per call in the executors.
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
    from storytrace.stories import EventIndex

    idx = EventIndex(params)
    idx.add([article], place=False)
    return idx.to_state()["articles"][article.id]


def cluster(articles: Sequence, params=None, *, master: str | None = None, spark=None,
            timings: dict[str, float] | None = None):
    """Events and storylines of `articles` (a `StoryResult`), vectors computed on Spark.
    `timings`, when given, receives the seconds spent in executors and on the driver."""
    import time

    from storytrace.stories import EventIndex

    t0 = time.perf_counter()

    first: dict[str, Any] = {}
    for a in sorted(articles, key=lambda a: a.id):   # what cluster() keeps: first per id, in id order
        first.setdefault(a.id, a)
    arts = list(first.values())
    states = S.map_articles(functools.partial(_event_state, params), arts, spark=_session(spark, master),
                            what="event features")
    base = EventIndex(params).to_state()
    base["articles"] = {a.id: st for a, st in zip(arts, states)}
    base["events"] = [[a.id] for a in arts]
    t1 = time.perf_counter()
    idx = EventIndex.from_state(base)
    idx.recluster()
    res = idx.result()
    if timings is not None:
        timings.update(features_in_executors=round(t1 - t0, 3), cluster_on_driver=round(time.perf_counter() - t1, 3))
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

        for k, arts, derivations, atts in rows:
            yield k, claims_sections([S.load_article(a) for a in arts], derivations, atts, sources_bc.value)
    return run


def claims_sections_many(jobs: Sequence[tuple[Sequence, list[dict], list[dict]]], sources: list[dict], *,
                         master: str | None = None, spark=None) -> list[dict[str, list]]:
    """claims_sections(articles, derivations, attributions, sources) for each job (one storyline
    each), computed in the executors; results in job order."""
    import json

    if not jobs:
        return []
    s = _session(spark, master)
    sc = s.sparkContext
    rows = [(k, [json.dumps(S._article_dict(a), ensure_ascii=False) for a in arts], list(d), list(x))
            for k, (arts, d, x) in enumerate(jobs)]
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
