"""Passage alignment distributed by pair, assembled into the local engine's derivations.

How the work splits (same input, same derivations as `storytrace.reuse.find_derivations`):

1. Candidate pairs and the rare index's n-gram document frequencies are computed on Spark
   (`spark.candidates_and_df`). The same-story (rare-term) pairs, with their cosine, and extra
   pairs (the articles of one event, with the paraphrase model) follow in the order the local
   engine appends them.
2. Pairs are partitioned by their first (smaller-position) article; each task receives its pairs
   and, joined by position from the Parquet article table, each text it needs once. Executors
   align and decide every pair with the reuse module's per-pair step (`reuse.pairs.PairResult`:
   the edge, its covered word ranges and the furniture checks it made) and return the results of
   the pairs with reuse (of every pair when a pair cache is to be filled).
3. The driver calls the public `find_derivations` with those results as its pair cache: every
   pair is answered from it (a pair without reuse adds nothing to the graph), no pair is aligned
   again on the driver, and the graph step (common sources, siblings, wire groups) is the local
   one: the result is the local one by construction, not by re-implementation.

With a store (`pair_cache`, store.cache.PairCache), pair results of earlier runs that the grown
corpus decides alike are read first, only the others go to the executors, and the new results are
queued in the cache as the local engine does.

The executor step calls `storytrace.reuse.derive`'s `_doc` (tokenise each text once per task),
`_pair_result` (the body of the public `reuse.align_pair`) and `_paraphraser`; the engine checks
they exist and fails with a clear message if the reuse module renames them, and tests compare both
engines on real corpora.
"""
from __future__ import annotations

import importlib
import tempfile
import time
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from storytrace.engines import spark as S
from storytrace.reuse import CandidatePair, ReuseResult
from storytrace.reuse.pairs import PairResult
from storytrace.reuse import find_derivations as local_find_derivations

D = importlib.import_module("storytrace.reuse.derive")
_PER_PAIR = ("_doc", "_pair_result", "_paraphraser", "_same_story_pairs")


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


def _reuse_task(df_bc, paraphrase: bool, every: bool):
    """The executor step: for one partition's (pairs, texts), (pair index, PairResult dict) of the
    pairs with reuse, or of every pair when `every` (to fill a store), then (-1, number of pairs
    aligned): a pair without reuse adds nothing to the graph, so only the count comes back."""
    def run(groups: Iterator) -> Iterator[tuple[int, Any]]:
        df = _df_of(df_bc).df
        para = D._paraphraser(paraphrase)
        n = 0
        for _part, (pairs, arts) in groups:
            docs = {int(pos): D._doc(S.load_article(art)) for pos, art in arts}
            for k, a, b, cos in sorted(pairs):
                r = D._pair_result(docs[a], docs[b], para, df, cos)
                n += 1
                if every or r.edge is not None:
                    yield k, r.to_dict()
        yield -1, n
    return run


def _pair_list(pairs: list[CandidatePair], usable: list, extra_pairs: Iterable[tuple[str, str]] | None,
               known: set[str]) -> tuple[list[CandidatePair], dict[frozenset, float]]:
    """The pairs `find_derivations` aligns, in its order: the candidates, then the same-story
    (rare-term) pairs it adds, then the extra pairs (the articles of one event). Returns them and
    the same-story cosines (the per-pair step reads a pair's cosine)."""
    out = list(pairs)
    have = {frozenset((c.a, c.b)) for c in out}
    topic, _stats = D._same_story_pairs(usable)
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
    return out, topic


def align_pairs(spark, articles: Sequence, pairs: list[tuple[str, str, float | None]], df_keys: np.ndarray,
                df_counts: np.ndarray, *, paraphrase: bool = False, partitions: int | None = None,
                every: bool = False) -> dict[int, PairResult]:
    """{index in `pairs`: its PairResult} for the (a id, b id, same-story cosine or None) pairs,
    aligned in the executors: every pair's result when `every`, else only the pairs with reuse
    (every pair was aligned: the tasks' counts are checked). `articles` must hold both ends of
    every pair (the first article of each id is used)."""
    _check_reuse_api()
    first: dict[str, Any] = {}
    for a in articles:   # find_derivations keeps the first article of each id
        first.setdefault(a.id, a)
    pos = {i: k for k, i in enumerate(first)}
    coded = [(k, pos[a], pos[b], cos) for k, (a, b, cos) in enumerate(pairs)]
    if not coded:
        return {}
    parts = partitions or S.default_partitions(spark, len(coded) // 4)
    sc = spark.sparkContext
    out: dict[int, PairResult] = {}
    aligned = 0
    with tempfile.TemporaryDirectory(prefix="storytrace-spark-") as tmp, S.job("passage alignment"):
        table = S.article_table(spark, list(first.values()), tmp)
        # Partition by the first article: each task aligns its pairs, loading each text once.
        by_part = sc.parallelize(coded, parts).map(lambda r: (r[1] % parts, r))
        need = by_part.flatMap(lambda kv: ((kv[1][1], kv[0]), (kv[1][2], kv[0]))).distinct()
        texts = table.rdd.map(lambda r: (r[0], r[1]))
        docs = need.join(texts).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))   # (part, (pos, json))
        df_bc = sc.broadcast((df_keys, df_counts))
        try:
            for k, d in by_part.cogroup(docs, parts).mapPartitions(_reuse_task(df_bc, paraphrase, every)).collect():
                if k < 0:
                    aligned += d
                else:
                    out[k] = PairResult.from_dict(d)
        finally:
            df_bc.unpersist()
    if aligned != len(coded):   # a lost task must not read as 'no reuse'
        raise S.SparkJobFailed(f"Spark job failed during passage alignment: {aligned} of {len(coded)} pairs "
                               f"came back ({S.SPARK_HINT} check the cluster)")
    return out


class _Answers:
    """The pair cache `find_derivations` reads on the driver: every pair it asks for was aligned
    (from the store or in the executors, which return only the pairs with reuse), so a pair with
    no result here has no edge. Keyed by the two ids."""

    def __init__(self) -> None:
        self.edges: dict[str, dict] = {}
        self.missed = 0

    def fill(self, pairs: list[tuple[str, str, float | None]], results: dict[int, PairResult]) -> None:
        for k, r in results.items():
            if r.edge is not None:
                a, b, _cos = pairs[k]
                self.edges[self._key(a, b)] = r.to_dict()

    @staticmethod
    def _key(a: str, b: str) -> str:
        return f"{a}\0{b}"

    def key(self, a: Any, b: Any, extra: Any = None) -> str:
        return self._key(a.id, b.id)

    def load(self, keys: list[str]) -> dict[str, Any]:
        out = {}
        for q in keys:
            if q in self.edges:
                out[q] = self.edges[q]
            else:
                a, b = q.split("\0")
                out[q] = PairResult(a, b).to_dict()   # aligned, no reuse
        return out

    def save(self, key: str, value: Any) -> None:
        self.missed += 1   # never called: every pair is answered


def _stored(pair_cache, usable: list, pairs: list[tuple[str, str, float | None]], df, para_on: bool
            ) -> tuple[list[str], dict[int, PairResult]]:
    """The store's keys of `pairs` and the stored results the current corpus decides alike (what
    the local engine reads from its pair cache before aligning)."""
    by_id: dict[str, Any] = {}
    for a in usable:
        by_id.setdefault(a.id, a)
    keys = [pair_cache.key(by_id[a], by_id[b], [cos, para_on]) for a, b, cos in pairs]
    got = pair_cache.load(keys)
    out = {}
    for k, q in enumerate(keys):
        if q in got:
            r = PairResult.from_dict(got[q])
            if r.valid_under(df):
                out[k] = r
    return keys, out


def find_derivations(articles: list, *, master: str | None = None, spark=None, paraphrase: bool = False,
                     extra_pairs: Iterable[tuple[str, str]] | None = None, partitions: int | None = None,
                     pair_cache: Any = None) -> ReuseResult:
    """`storytrace.reuse.find_derivations(articles, paraphrase=, extra_pairs=, pair_cache=)` with
    candidate generation and the alignment of every pair on Spark; the driver builds the graph.
    Raises `SparkUnavailable` / `SparkJobFailed`."""
    s = spark if spark is not None else S.shared_session(master)
    known = {a.id for a in articles}
    holder: dict[str, Any] = {}
    answers = _Answers()
    t0 = time.perf_counter()

    class _DF:  # the index find_derivations reads document frequencies from, filled by pair_source
        def df(self, grams: np.ndarray) -> np.ndarray:
            return holder["df"].df(grams)

    def pair_source(usable: list) -> list[CandidatePair]:
        ids, texts = S._dedup(usable)
        cands: list[CandidatePair] = []
        keys, counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        if ids:
            cands, keys, counts = S.candidates_and_df(s, ids, texts, with_df=True)
        holder["df"] = S.df_index(keys, counts)
        t1 = time.perf_counter()
        pairs, topic = _pair_list(cands, usable, extra_pairs, known)
        coded = [(c.a, c.b, topic.get(frozenset((c.a, c.b)))) for c in pairs]
        stored: dict[int, PairResult] = {}
        if pair_cache is not None:
            store_keys, stored = _stored(pair_cache, usable, coded, holder["df"].df,
                                         bool(D._paraphraser(paraphrase)))
        todo = [k for k in range(len(coded)) if k not in stored]
        got = align_pairs(s, usable, [coded[k] for k in todo], keys, counts, paraphrase=paraphrase,
                          partitions=partitions, every=pair_cache is not None)
        new = {todo[j]: r for j, r in got.items()}
        if pair_cache is not None:   # what the local engine queues: every pair it aligned
            for k, r in sorted(new.items()):
                pair_cache.save(store_keys[k], r.to_dict())
        answers.fill(coded, {**stored, **new})
        holder["stats"] = {"candidate_pairs": len(pairs), "pairs_with_reuse": len(answers.edges),
                           "aligned_in_executors": len(todo), "pairs_from_store": len(stored),
                           "seconds": {"candidates": round(t1 - t0, 3),
                                       "align_in_executors": round(time.perf_counter() - t1, 3)}}
        return cands

    t_call = time.perf_counter()
    res = local_find_derivations(articles, paraphrase=paraphrase, index=_DF(), pair_source=pair_source,
                                 pair_cache=answers)
    if "stats" in holder:
        st = holder["stats"]
        st["aligned_on_driver"] = answers.missed
        st["seconds"]["driver"] = round(time.perf_counter() - t_call - st["seconds"]["candidates"]
                                        - st["seconds"]["align_in_executors"], 3)
        res.stats.update(aligned_pairs=st["aligned_in_executors"] + answers.missed, pairs_from_cache=st["pairs_from_store"],
                         spark=st)
    return res
