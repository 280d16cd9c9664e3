"""The Spark engine: sessions, the article table, and candidate generation on Spark.

Candidate generation uses the same shingles, MinHash signatures, LSH bands and rare n-gram postings
as `storytrace.reuse.candidates`, computed in executors and grouped by Spark: each partition is
signed with the very functions the local engine uses (`doc_shingles`, `_signatures`, `_band_keys`),
so both engines give the same candidate pairs; only the grouping (band key -> documents, n-gram ->
documents) moves from numpy sorts to Spark shuffles. The driver collects pairs (and the n-gram
document frequencies the alignment's boilerplate test reads), never the postings.

Articles travel to executors as a Parquet table (position, article JSON): `map_articles` runs any
per-article function there (attributions, event vectors) and returns the results in input order.
The other distributed stages live beside this module: `spark_reuse` (alignment by pair) and
`spark_stages` (events, attributions, claims).

Failures: `SparkUnavailable` before any work (no pyspark, no Java, a master that does not answer);
`SparkJobFailed` when a job dies midway. The pipeline turns the latter into a failed analysis that
leaves the stored one untouched (never a silent fallback to the local engine).
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from storytrace.engines import SPARK_HINT, check_spark
from storytrace.reuse.shingle import doc_shingles

# The module, not the function `storytrace.reuse.candidates` that the package re-exports.
C = importlib.import_module("storytrace.reuse.candidates")


class SparkUnavailable(RuntimeError):
    """The Spark engine cannot start here (what is missing is in the message)."""


class SparkJobFailed(RuntimeError):
    """A Spark job died midway; nothing it computed is used."""


def _configure_env() -> None:
    # Executors must import the same interpreter (and so the same storytrace) as the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


def _build(master: str | None, app: str):
    problem = check_spark(master)
    if problem:
        raise SparkUnavailable(problem)
    _configure_env()
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master or "local[*]").appName(app)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.driver.memory", "2g")
             # a lost master or executor must fail the job, not hang the user's command
             .config("spark.network.timeout", "120s")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _ready(master: str | None) -> Any:
    """Check that Spark can start on `master` (SparkUnavailable naming what is missing if not),
    set up its environment, and return the already active session, if any."""
    problem = check_spark(master)
    if problem:
        raise SparkUnavailable(problem)
    _configure_env()
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


@contextmanager
def spark_session(master: str | None = None, app: str = "storytrace") -> Iterator["object"]:
    """A SparkSession on `master` (default local[*]); stopped on exit unless it already existed."""
    existing = _ready(master)
    if existing is not None:
        yield existing
        return
    spark = _build(master, app)
    try:
        yield spark
    finally:
        spark.stop()


_SHARED: dict[str, Any] = {}


def shared_session(master: str | None = None):
    """One SparkSession for the whole process (the pipeline's stages share it: a JVM start is
    several seconds), stopped when the interpreter exits. An active session is reused as is."""
    existing = _ready(master)
    if existing is not None:
        return existing
    spark = _build(master, "storytrace")
    if not _SHARED:
        atexit.register(lambda: _SHARED.get("spark") and _SHARED["spark"].stop())
    _SHARED["spark"] = spark
    return spark


@contextmanager
def job(what: str) -> Iterator[None]:
    """Run Spark actions; a failure anywhere in them becomes one `SparkJobFailed` naming the step."""
    try:
        yield
    except SparkUnavailable:
        raise
    except Exception as e:  # Py4JJavaError, PythonException, a lost executor...
        raise SparkJobFailed(f"Spark job failed during {what}: {_reason(e)} ({SPARK_HINT} check the cluster)") from e


def _reason(e: Exception) -> str:
    """The first line of a Spark error, plus the executor's own exception line when there is one
    (a Python worker's traceback ends in e.g. 'RuntimeError: ...')."""
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()] or [type(e).__name__]
    cause = [ln for ln in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt): ", ln)
             and not ln.startswith(("org.", "java.", "py4j."))]
    out = lines[0][:200]
    if cause and cause[-1] != lines[0]:
        out += " " + cause[-1][:200]
    return out


def raise_if_failed(notes: list[dict[str, Any]]) -> None:
    """Called by the pipeline (engine spark only) before it saves: a stage whose Spark job failed,
    or that found no Spark to run on, aborts the analysis so the stored one stays as it was."""
    for n in notes:
        detail = str(n.get("detail", ""))
        for cls in (SparkUnavailable, SparkJobFailed):
            if n.get("status") == "failed" and detail.startswith(cls.__name__ + ":"):
                raise cls(f"stage {n['stage']}: {detail[len(cls.__name__) + 2:]}; "
                          "the stored analysis was left as it was")


# -- the article table -----------------------------------------------------------------------------

def article_table(spark, articles: Sequence, tmp: str, partitions: int | None = None):
    """A DataFrame (pos, art) read from Parquet: `art` is the article's JSON (every field, so
    inferred dates and boilerplate notes travel too)."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("pos", LongType(), False), StructField("art", StringType(), False)])
    rows = [(k, json.dumps(_article_dict(a), ensure_ascii=False)) for k, a in enumerate(articles)]
    parts = partitions or default_partitions(spark, len(rows))
    path = os.path.join(tmp, f"articles-{len(os.listdir(tmp))}.parquet")
    spark.createDataFrame(rows, schema).repartition(parts).write.parquet(path)
    return spark.read.parquet(path)


def _article_dict(a) -> dict[str, Any]:
    d = a.to_dict()
    d.pop("chars", None)
    return d


def load_article(s: str):
    from storytrace.model import Article

    return Article.from_dict(json.loads(s))


def default_partitions(spark, n: int) -> int:
    """Twice the cores, at least one task per ~2,000 articles, at most 200."""
    cores = spark.sparkContext.defaultParallelism
    return max(2, min(200, max(2 * cores, n // 2000 + 1)))


def _apply(fn: Callable) -> Callable[[Iterator], Iterator[tuple[int, Any]]]:
    def run(rows: Iterator) -> Iterator[tuple[int, Any]]:
        for r in rows:
            yield int(r[0]), fn(load_article(r[1]))
    return run


def map_articles(fn: Callable[[Any], Any], articles: Sequence, *, spark, what: str,
                 partitions: int | None = None) -> list[Any]:
    """[fn(a) for a in articles], computed in the executors over the Parquet article table.
    `fn` must be importable on the executors (a module-level function of storytrace)."""
    if not articles:
        return []
    out: list[Any] = [None] * len(articles)
    with tempfile.TemporaryDirectory(prefix="storytrace-spark-") as tmp, job(what):
        table = article_table(spark, articles, tmp, partitions)
        for k, v in table.rdd.map(lambda r: (r[0], r[1])).mapPartitions(_apply(fn)).collect():
            out[k] = v
    return out


def per_article(cache, stage: str, version: str, articles: Sequence, compute: Callable[[Any], Any], *,
                master: str | None = None, spark=None) -> dict[str, Any]:
    """`cache.per_article(stage, version, articles, compute)` with the misses computed in the
    executors ({id: compute(a)} for the first article of each id when `cache` is None).

    The stored results are looked up first (the cache's own key: code version + article
    fingerprint), only the articles without one travel to Spark, and the cache then stores the
    new results as it does for the local engine. An article the lookup missed is computed on the
    driver, so a change of the cache's keys costs time, never correctness."""
    first: dict[str, Any] = {}
    for a in articles:
        first.setdefault(a.id, a)
    todo = list(first.values())
    if cache is not None:
        from storytrace.store.cache import article_fingerprint

        want = {i: f"{version}:{article_fingerprint(a)}" for i, a in first.items()}
        stored = cache.store.load_article_results(stage, want)
        todo = [a for a in todo if a.id not in stored]
    pre: dict[str, Any] = {}
    if todo:  # everything stored: no job, no JVM
        s = spark if spark is not None else shared_session(master)
        pre = dict(zip((a.id for a in todo), map_articles(compute, todo, spark=s, what=f"{stage} (per article)")))
    if cache is None:
        return pre
    return cache.per_article(stage, version, list(articles), lambda a: pre[a.id] if a.id in pre else compute(a))


# -- candidate pairs -------------------------------------------------------------------------------

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


def _as_arrays(kv: Iterator[tuple[int, int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One (keys, counts) pair of arrays per partition: collecting millions of tuples is slow."""
    kv = list(kv)
    yield (np.fromiter((k for k, _ in kv), np.int64, len(kv)), np.fromiter((c for _, c in kv), np.int64, len(kv)))


def _dedup(articles: Sequence) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    texts: list[str] = []
    seen: set[str] = set()
    for a in articles:  # same de-duplication as CandidateIndex.add: first occurrence wins
        if a.id not in seen:
            seen.add(a.id)
            ids.append(a.id)
            texts.append(a.text)
    return ids, texts


def candidate_pairs(articles: Sequence, *, master: str | None = None, spark=None,
                    partitions: int | None = None) -> list[C.CandidatePair]:
    """Candidate pairs of `articles` computed on Spark; equal to `reuse.candidates(articles)`."""
    ids, texts = _dedup(articles)
    if not ids:
        return []
    if spark is None:
        with spark_session(master) as s:
            return candidates_and_df(s, ids, texts, partitions)[0]
    return candidates_and_df(spark, ids, texts, partitions)[0]


def candidates_and_df(spark, ids: list[str], texts: list[str], partitions: int | None = None,
                      with_df: bool = False) -> tuple[list[C.CandidatePair], np.ndarray, np.ndarray]:
    """Candidate pairs of distinct (ids, texts), plus (with_df) the rare index's document
    frequencies as sorted uint64 n-gram keys and their counts."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("doc", LongType(), False), StructField("text", StringType(), False)])
    parts = partitions or max(2, min(64, len(ids) // 2000 + 1))
    df_keys, df_counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    with tempfile.TemporaryDirectory(prefix="storytrace-spark-") as tmp, job("candidate generation"):
        path = os.path.join(tmp, "texts.parquet")
        spark.createDataFrame(list(enumerate(texts)), schema).repartition(parts).write.parquet(path)
        feats = spark.read.parquet(path).rdd.map(lambda r: (r[0], r[1])).mapPartitions(_features).cache()
        try:
            nsampled = np.zeros(len(ids), dtype=np.int64)
            for d, n in feats.filter(lambda r: r[0] == "N").map(lambda r: (r[1], r[2])).collect():
                nsampled[d] = n
            lsh = set(feats.filter(lambda r: r[0] == "L").map(lambda r: (r[1], r[2])).groupByKey()
                      .flatMap(lambda kv: _group_pairs(kv[1], None)).distinct().collect())
            max_df = C.MAX_DF
            grams = feats.filter(lambda r: r[0] == "G").map(lambda r: (r[1], r[2]))
            shared = dict(grams.groupByKey()
                          .flatMap(lambda kv: _group_pairs(kv[1], max_df)).map(lambda p: (p, 1))
                          .reduceByKey(lambda x, y: x + y).filter(lambda kv: kv[1] >= C.MIN_SHARED).collect())
            if with_df:
                blocks = (grams.map(lambda r: (r[0], 1)).reduceByKey(lambda x, y: x + y)
                          .mapPartitions(_as_arrays).collect())
                k = np.concatenate([b[0] for b in blocks]).view(np.uint64) if blocks else df_keys
                c = np.concatenate([b[1] for b in blocks]) if blocks else df_counts
                order = np.argsort(k, kind="stable")
                df_keys, df_counts = k[order], c[order]
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
    return out, df_keys, df_counts


def df_index(keys: np.ndarray, counts: np.ndarray) -> "C.CandidateIndex":
    """A `CandidateIndex` whose `df()` answers as the local index over the same articles would
    (built through its public state, so the lookup is the reuse module's own)."""
    gram_keys = np.repeat(np.asarray(keys, np.uint64), np.asarray(counts, np.int64))
    return C.CandidateIndex.from_state({
        "ids": np.zeros(0, dtype=object), "sig": np.zeros((0, C.NUM_PERM), np.uint32),
        "nsampled": np.zeros(0, np.int64), "gram_keys": gram_keys, "gram_docs": np.zeros(len(gram_keys), np.int64),
        "params": np.asarray([C.NUM_PERM, C.BANDS, C.ROWS, C.SEED, C.SAMPLE_MOD], dtype=np.int64)})
