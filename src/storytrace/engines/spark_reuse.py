"""Passage alignment distributed by pair, assembled into the local engine's derivations.

How the work splits (same input, same derivations as `storytrace.reuse.find_derivations`):

1. Candidate pairs and the rare index's n-gram document frequencies are computed on Spark
   (`spark.candidates_and_df`). The same-story (rare-term) pairs and extra pairs (the articles of
   one event, with the paraphrase model) follow in the order the local engine appends them.
2. Pairs are partitioned by their first (smaller-position) article; each task receives its pairs
   and, joined by position from the Parquet article table, each text they need once. Executors
   align every n-gram pair with the reuse module's own per-pair steps and keep those that show
   reuse. Same-story pairs are kept without aligning: the driver decides them with the corpus'
   term statistics.
3. The driver calls the public `find_derivations` with the kept pairs only. A pair without reuse
   adds nothing to the derivation graph (no edge, no passage, no vote), so the graph built from
   the kept pairs, in their original order and with the corpus' document frequencies, is the
   graph of all pairs: the result is the local one by construction, not by re-implementation.
   The price: the driver re-aligns the pairs with reuse (bench/results/spark.md measures it).

The executor step calls per-pair functions of `storytrace.reuse.derive` (`_doc`, `_align_pair`,
`_is_reuse`, `_paraphraser`, `_same_story_pairs`); the engine checks they exist and fails with a
clear message if the reuse module renames them, and tests compare both engines on real corpora.
"""
from __future__ import annotations

import importlib
import tempfile
import time
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from storytrace.engines import spark as S
from storytrace.reuse import CandidatePair, ReuseResult
from storytrace.reuse import find_derivations as local_find_derivations

D = importlib.import_module("storytrace.reuse.derive")
_PER_PAIR = ("_doc", "_align_pair", "_is_reuse", "_paraphraser")


def _check_reuse_api() -> None:
    missing = [n for n in _PER_PAIR if not callable(getattr(D, n, None))]
    if missing:
        raise S.SparkJobFailed(f"the reuse module no longer has {', '.join(missing)}: the Spark engine's "
                               "alignment step must be updated (run with --engine local meanwhile)")


# Per executor process: the document-frequency index, rebuilt once per broadcast.
_DF_CACHE: dict[int, Any] = {}


def _df_of(bc) -> Any:
    idx = _DF_CACHE.get(bc.id if hasattr(bc, "id") else id(bc))
    if idx is None:
        keys, counts = bc.value
        idx = S.df_index(keys, counts)
        _DF_CACHE.clear()
        _DF_CACHE[bc.id if hasattr(bc, "id") else id(bc)] = idx
    return idx


def _reuse_task(df_bc, paraphrase: bool):
    """The executor step: for one partition's (pairs, texts), the indexes of the pairs with reuse."""
    def run(groups: Iterator) -> Iterator[int]:
        df = _df_of(df_bc).df
        para = D._paraphraser(paraphrase)
        for _part, (pairs, arts) in groups:
            docs = {int(pos): D._doc(S.load_article(art)) for pos, art in arts}
            for k, a, b in sorted(pairs):
                ok, _why = D._is_reuse(D._align_pair(docs[a], docs[b], para, df))
                if ok:
                    yield k
    return run


def _pair_list(pairs: list[CandidatePair], usable: list, extra_pairs: Iterable[tuple[str, str]] | None,
               known: set[str]) -> tuple[list[CandidatePair], set[frozenset]]:
    """The pairs `find_derivations` aligns, in its order: the candidates, then the same-story
    (rare-term) pairs it adds, then the extra pairs (the articles of one event). Returns them and
    the same-story pair keys, which the executors keep unconditionally (the driver aligns them
    with the same-story rule and its corpus term statistics)."""
    out = list(pairs)
    have = {frozenset((c.a, c.b)) for c in out}
    same_story: set[frozenset] = set()
    story_pairs = getattr(D, "_same_story_pairs", None)
    if story_pairs is not None:
        topic, _stats = story_pairs(usable)
        same_story = set(topic)
        for k in topic:
            if k not in have:
                have.add(k)
                x, y = sorted(k)
                out.append(CandidatePair(x, y, 0, 0.0, False))
    for x, y in extra_pairs or ():
        k = frozenset((x, y))
        if x != y and k not in have and x in known and y in known:
            have.add(k)
            out.append(CandidatePair(x, y, 0, 0.0, False))
    return out, same_story


def reuse_pairs(spark, articles: Sequence, pairs: list[CandidatePair], df_keys: np.ndarray,
                df_counts: np.ndarray, *, paraphrase: bool = False, partitions: int | None = None,
                keep: set[frozenset] = frozenset()) -> list[int]:
    """Indexes (ascending) of `pairs` whose alignment shows reuse, computed in the executors
    (pairs whose id pair is in `keep` are kept without aligning)."""
    _check_reuse_api()
    kept = {k for k, c in enumerate(pairs) if frozenset((c.a, c.b)) in keep}
    first: dict[str, Any] = {}
    for a in articles:   # find_derivations keeps the first article of each id
        first.setdefault(a.id, a)
    pos = {i: k for k, i in enumerate(first)}
    coded = [(k, pos[c.a], pos[c.b]) for k, c in enumerate(pairs) if k not in kept]
    if not coded:
        return sorted(kept)
    parts = partitions or S.default_partitions(spark, len(coded) // 4)
    sc = spark.sparkContext
    with tempfile.TemporaryDirectory(prefix="storytrace-spark-") as tmp, S.job("passage alignment"):
        table = S.article_table(spark, list(first.values()), tmp)
        # Partition by the first article: each task aligns its pairs, loading each text once.
        by_part = sc.parallelize(coded, parts).map(lambda r: (r[1] % parts, r))
        need = by_part.flatMap(lambda kv: ((kv[1][1], kv[0]), (kv[1][2], kv[0]))).distinct()
        texts = table.rdd.map(lambda r: (r[0], r[1]))
        docs = need.join(texts).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))   # (part, (pos, json))
        df_bc = sc.broadcast((df_keys, df_counts))
        try:
            kept.update(by_part.cogroup(docs, parts).mapPartitions(_reuse_task(df_bc, paraphrase)).collect())
        finally:
            df_bc.unpersist()
    return sorted(kept)


def find_derivations(articles: list, *, master: str | None = None, spark=None, paraphrase: bool = False,
                     extra_pairs: Iterable[tuple[str, str]] | None = None,
                     partitions: int | None = None) -> ReuseResult:
    """`storytrace.reuse.find_derivations(articles, paraphrase=, extra_pairs=)` with candidate
    generation and alignment on Spark. Raises `SparkUnavailable` / `SparkJobFailed`."""
    s = spark if spark is not None else S.shared_session(master)
    known = {a.id for a in articles}
    holder: dict[str, Any] = {}
    t0 = time.perf_counter()

    class _DF:  # the index find_derivations reads document frequencies from, filled by pair_source
        def df(self, grams: np.ndarray) -> np.ndarray:
            return holder["df"].df(grams)

    def pair_source(usable: list) -> list[CandidatePair]:
        ids, texts = S._dedup(usable)
        pairs: list[CandidatePair] = []
        keys, counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        if ids:
            pairs, keys, counts = S.candidates_and_df(s, ids, texts, with_df=True)
        holder["df"] = S.df_index(keys, counts)
        t1 = time.perf_counter()
        pairs, same_story = _pair_list(pairs, usable, extra_pairs, known)
        kept = reuse_pairs(s, articles, pairs, keys, counts, paraphrase=paraphrase, partitions=partitions,
                           keep=same_story)
        holder["stats"] = {"candidate_pairs": len(pairs), "pairs_with_reuse": len(kept),
                           "same_story_pairs_for_the_driver": len(same_story),
                           "seconds": {"candidates": round(t1 - t0, 3),
                                       "align_in_executors": round(time.perf_counter() - t1, 3)}}
        return [pairs[k] for k in kept]

    res = local_find_derivations(articles, paraphrase=paraphrase, index=_DF(), pair_source=pair_source)
    if "stats" in holder:
        res.stats["candidate_pairs"] = holder["stats"]["candidate_pairs"]
        res.stats["spark"] = holder["stats"]
    return res
