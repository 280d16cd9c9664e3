"""The Spark engine for candidate generation: the same shingles, MinHash signatures, LSH bands and
rare n-gram postings as `storytrace.reuse.candidates`, computed in executors and grouped by Spark.

Articles travel as Parquet partitions (id position, text). Each partition is signed with the very
functions the local engine uses (`doc_shingles`, `_signatures`, `_band_keys`), so both engines
give the same candidate pairs for the same input; only the grouping (band key -> documents,
n-gram -> documents) moves from numpy sorts to Spark shuffles. The driver collects pairs only.
"""
from __future__ import annotations

import importlib
import os
import sys
import tempfile
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np

from storytrace.engines import check_spark
from storytrace.reuse.shingle import doc_shingles

# The module, not the function `storytrace.reuse.candidates` that the package re-exports.
C = importlib.import_module("storytrace.reuse.candidates")


class SparkUnavailable(RuntimeError):
    pass


@contextmanager
def spark_session(master: str | None = None, app: str = "storytrace") -> Iterator["object"]:
    """A SparkSession on `master` (default local[*]); stopped on exit unless it already existed."""
    problem = check_spark(master)
    if problem:
        raise SparkUnavailable(problem)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    existing = SparkSession.getActiveSession()
    if existing is not None:
        yield existing
        return
    spark = (SparkSession.builder.master(master or "local[*]").appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.driver.memory", "2g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _features(rows: Iterator) -> Iterator[tuple[str, int, int]]:
    """Per partition: ('L', band key, doc) for each LSH band, ('G', n-gram, doc) for each sampled
    rare-index n-gram, ('N', doc, sampled count). uint64 keys travel as int64 bit patterns."""
    rows = list(rows)
    if not rows:
        return
    docs = [int(r[0]) for r in rows]
    sh = [doc_shingles(r[1]) for r in rows]
    sig = C._signatures(sh)
    keys = C._band_keys(sig).view(np.int64)
    for k, d in enumerate(docs):
        if len(sh[k]):
            for key in keys[k]:
                yield ("L", int(key), d)
        samp = sh[k][(sh[k] % np.uint64(C.SAMPLE_MOD)) == 0]
        yield ("N", d, len(samp))
        for g in samp.view(np.int64):
            yield ("G", int(g), d)


def _group_pairs(docs, max_group: int | None) -> Iterator[tuple[int, int]]:
    ds = sorted(set(docs))
    if len(ds) < 2 or (max_group is not None and len(ds) > max_group):
        return
    for i in range(len(ds)):
        for j in range(i + 1, len(ds)):
            yield (ds[i], ds[j])


def candidate_pairs(articles: Sequence, *, master: str | None = None, spark=None,
                    partitions: int | None = None) -> list[C.CandidatePair]:
    """Candidate pairs of `articles` computed on Spark; equal to `reuse.candidates(articles)`."""
    ids: list[str] = []
    texts: list[str] = []
    seen: set[str] = set()
    for a in articles:  # same de-duplication as CandidateIndex.add: first occurrence wins
        if a.id not in seen:
            seen.add(a.id)
            ids.append(a.id)
            texts.append(a.text)
    if not ids:
        return []
    if spark is None:
        with spark_session(master) as s:
            return _run(s, ids, texts, partitions)
    return _run(spark, ids, texts, partitions)


def _run(spark, ids: list[str], texts: list[str], partitions: int | None) -> list[C.CandidatePair]:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("doc", LongType(), False), StructField("text", StringType(), False)])
    parts = partitions or max(2, min(64, len(ids) // 2000 + 1))
    with tempfile.TemporaryDirectory(prefix="storytrace-spark-") as tmp:
        path = os.path.join(tmp, "articles.parquet")
        spark.createDataFrame(list(enumerate(texts)), schema).repartition(parts).write.parquet(path)
        feats = spark.read.parquet(path).rdd.map(lambda r: (r[0], r[1])).mapPartitions(_features).cache()
        try:
            nsampled = np.zeros(len(ids), dtype=np.int64)
            for d, n in feats.filter(lambda r: r[0] == "N").map(lambda r: (r[1], r[2])).collect():
                nsampled[d] = n
            lsh = set(feats.filter(lambda r: r[0] == "L").map(lambda r: (r[1], r[2])).groupByKey()
                      .flatMap(lambda kv: _group_pairs(kv[1], None)).distinct().collect())
            max_df = C.MAX_DF
            shared = dict(feats.filter(lambda r: r[0] == "G").map(lambda r: (r[1], r[2])).groupByKey()
                          .flatMap(lambda kv: _group_pairs(kv[1], max_df)).map(lambda p: (p, 1))
                          .reduceByKey(lambda x, y: x + y).filter(lambda kv: kv[1] >= C.MIN_SHARED).collect())
        finally:
            feats.unpersist()
    out = []
    for a, b in sorted(set(shared) | lsh):
        n = shared.get((a, b), 0)
        cont = n / max(min(nsampled[a], nsampled[b]), 1) if n else 0.0
        if not (n >= C.MIN_SHARED and cont >= C.MIN_CONTAINMENT):  # the local engine's filter
            if (a, b) not in lsh:
                continue
            n, cont = 0, 0.0
        out.append(C.CandidatePair(ids[a], ids[b], n, float(cont), (a, b) in lsh))
    return out
