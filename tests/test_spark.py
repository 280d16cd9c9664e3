"""The Spark engine gives the local engine's results, and refuses clearly when it cannot run."""
import gzip
import itertools
import json
import time

import pytest

from storytrace.engines import check_spark
from storytrace.ingest import read_bytes, read_paths
from storytrace.model import Article

import pyspark  # noqa: F401  (the spark extra; .ci/run installs it)


@pytest.fixture(scope="module")
def spark():
    from storytrace.engines.spark import spark_session

    with spark_session("local[2]") as s:
        yield s


def _articles(path, n):
    return [a for a in read_paths([path]) if isinstance(a, Article)][:n]


def test_candidates_equal_local_on_seeds(spark, seeds):
    from storytrace.engines.spark import candidate_pairs
    from storytrace.reuse import candidates

    arts = _articles(seeds, 5)
    assert candidate_pairs(arts, spark=spark) == candidates(arts)


def test_candidates_equal_local_on_wire_corpus(spark, corpora):
    """METER: agency copy and the papers built on it, many shared passages."""
    from storytrace.engines.spark import candidate_pairs
    from storytrace.reuse import candidates

    arts = _articles(corpora / "meter/articles.jsonl", 250)
    local = candidates(arts)
    assert len(local) > 100
    assert candidate_pairs(arts, spark=spark, partitions=4) == local


def test_unreachable_master_fails_fast_with_a_reason():
    t0 = time.perf_counter()
    problem = check_spark("spark://127.0.0.1:7999")
    assert problem and "not reachable" in problem and "--engine local" in problem
    assert time.perf_counter() - t0 < 10


def test_cli_refuses_unreachable_master(tmp_path, seeds, capsys):
    from storytrace.cli import main

    code = main(["analyze", str(seeds), "--out", str(tmp_path), "--engine", "spark",
                 "--spark-master", "spark://127.0.0.1:7999", "--quiet"])
    assert code == 2
    assert "not reachable" in capsys.readouterr().err
    assert not (tmp_path / "analysis.json").exists()


def test_missing_pyspark_is_named(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("no pyspark")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    assert "pip install 'storytrace[spark]'" in check_spark(None)


def test_analyze_with_spark_engine_equals_local(tmp_path, seeds, spark):
    """Same input, same events and derivations on both engines (the store is the user's)."""
    from storytrace import api

    local = api.analyze([seeds], out=tmp_path / "local")
    remote = api.analyze([seeds], out=tmp_path / "spark", engine="spark", spark_master="local[2]")
    assert remote["stage_notes"] == []
    assert remote["derivations"] == local["derivations"] and local["derivations"]
    assert remote["events"] == local["events"]


def _dicts(ds):
    return [d.to_dict() for d in ds]


def test_derivations_equal_local_on_wire_corpus(spark, corpora, tmp_path):
    """Alignment distributed by pair gives the local derivations, passages and wire groups. With a
    store, the pair results computed in executors are kept: the next run (either engine) aligns
    no pair again and still gives the local derivations."""
    from storytrace.engines.spark_reuse import find_derivations as spark_find
    from storytrace.reuse import find_derivations
    from storytrace.store import Store
    from storytrace.store.cache import PairCache, StageCache

    arts = _articles(corpora / "meter/articles.jsonl", 250)
    # pairs the n-gram index did not propose (as the paraphrase path adds the articles of one event)
    extra = [(arts[k].id, arts[k + 7].id) for k in range(0, 200, 10)]
    local = find_derivations(arts, extra_pairs=extra)
    assert len(local.derivations) > 10
    with Store(tmp_path / "st.db") as st:
        first_cache = StageCache(st)
        remote = spark_find(arts, spark=spark, partitions=3, extra_pairs=extra, pair_cache=PairCache(first_cache))
        sp = remote.stats["spark"]
        # every pair aligned in the executors, only those with reuse came back whole, none aligned again
        assert sp["aligned_in_executors"] == sp["candidate_pairs"] > 100
        assert sp["pairs_with_reuse"] < sp["candidate_pairs"] and sp["aligned_on_driver"] == 0
        st.commit_analysis({"version": 1}, cache=first_cache)
        again = spark_find(arts, spark=spark, extra_pairs=extra, pair_cache=PairCache(StageCache(st)))
        assert again.stats["spark"]["aligned_in_executors"] == 0
        assert again.stats["spark"]["pairs_from_store"] == sp["candidate_pairs"]
        from_local = find_derivations(arts, extra_pairs=extra, pair_cache=PairCache(StageCache(st)))
        assert from_local.stats["aligned_pairs"] == 0 and from_local.stats["pairs_from_cache"] == sp["candidate_pairs"]
    for r in (remote, again, from_local):
        assert _dicts(r.derivations) == _dicts(local.derivations)
        assert _dicts(r.undirected) == _dicts(local.undirected)
        assert r.wire_origins == local.wire_origins and r.skipped == local.skipped


def test_events_and_attributions_equal_local(spark, corpora):
    """Event features and attributions computed in executors: the local events and quotes."""
    from storytrace.engines.spark_stages import attributions, cluster as spark_cluster
    from storytrace.sources import extract_attributions
    from storytrace.stories import cluster

    arts = _articles(corpora / "giveme5w1h/articles.jsonl", 80)
    local = cluster(arts)
    timings = {}
    remote = spark_cluster(arts, spark=spark, block=20, timings=timings)   # several date blocks
    assert set(timings) == {"features_in_executors", "pairs_in_executors", "cluster_on_driver"}
    assert len(local.events) < len(arts)  # some events hold several articles
    assert [e.to_dict() for e in remote.events] == [e.to_dict() for e in local.events]
    assert [s.to_dict() for s in remote.storylines] == [s.to_dict() for s in local.storylines]
    few = arts[:25]
    local_atts = [x for a in few for x in extract_attributions(a)]
    assert local_atts and attributions(few, spark=spark) == local_atts


def test_claims_per_storyline_equal_local(spark, seeds):
    from storytrace.claims import claims_sections
    from storytrace.engines.spark_stages import claims_sections_many

    arts = _articles(seeds, 5)
    jobs = [(arts[:3], [], []), (arts[3:], [], [])]
    local = [claims_sections(a, d, x, []) for a, d, x in jobs]
    assert any(sec["claims"] for sec in local)
    assert claims_sections_many(jobs, [], spark=spark) == local


def test_api_refuses_unreachable_master_and_keeps_the_store(tmp_path, seeds):
    """Through the Python API (no CLI pre-check): an error naming the master, nothing saved."""
    from storytrace import api
    from storytrace.engines.spark import SparkUnavailable
    from storytrace.store import Store

    db = tmp_path / "st.db"
    with pytest.raises(SparkUnavailable, match="not reachable"):
        api.analyze([seeds], db=db, engine="spark", spark_master="spark://127.0.0.1:7999")
    with Store(db) as st:
        assert st.load_analysis() is None


def test_failed_job_leaves_the_stored_analysis(tmp_path, seeds, spark, monkeypatch):
    """An executor dies during a job: a clear error, and the store keeps its analysis."""
    from storytrace import api
    from storytrace.engines import spark as spark_engine
    from storytrace.engines.spark import SparkJobFailed
    from storytrace.store import Store

    db = tmp_path / "st.db"
    api.analyze([seeds], db=db)
    with Store(db) as st:
        before = st.load_analysis()
    assert before and before["derivations"]

    def boom(rows):
        raise RuntimeError("executor lost")

    monkeypatch.setattr(spark_engine, "_features", boom)   # runs in the executors, not here
    with pytest.raises(SparkJobFailed, match="candidate generation.*executor lost.*--engine local"):
        api.analyze([seeds], db=db, engine="spark", spark_master="local[2]")
    with Store(db) as st:
        assert st.load_analysis() == before


# -- claims per storyline in the executors (the pipeline's claims stage with --engine spark) ----------

@pytest.fixture(scope="module")
def news(corpora):
    """80 allsides articles (several outlets on the same topics: multi-article storylines)."""
    with gzip.open(corpora / "allsides/articles-00.jsonl.gz") as fh:
        raw = b"".join(itertools.islice(fh, 80))
    return [a for a in read_bytes(raw, "allsides.jsonl") if isinstance(a, Article)]


@pytest.fixture
def spy(monkeypatch):
    """Counts the storylines the pipeline sends to Spark executors."""
    from storytrace.engines import spark_stages

    sent: list[int] = []
    real = spark_stages.claims_sections_many

    def counting(jobs, *a, **k):
        sent.append(len(jobs))
        return real(jobs, *a, **k)

    monkeypatch.setattr(spark_stages, "claims_sections_many", counting)
    return sent


_CLAIMS = ("claims", "conflicts", "timeline", "novelty")


@pytest.fixture(scope="module")
def analysed(news):
    """The local engine's analysis of the articles (events, derivations, attributions, claims)."""
    from storytrace.pipeline import Options, run_stages

    ctx = run_stages(news, Options(quiet=True))
    assert ctx.notes == []
    return ctx


def _claims_on_spark(ctx, cache=None):
    """The pipeline's claims stage with --engine spark over the local run's other stages."""
    import copy

    from storytrace import pipeline

    again = pipeline.Context(articles=ctx.articles, options=pipeline.Options(quiet=True, engine="spark",
                                                                             spark_master="local[2]"),
                             out={k: copy.deepcopy(v) for k, v in ctx.out.items() if k not in _CLAIMS},
                             cache=cache)
    pipeline._claims(again)
    return again


def test_claims_in_executors_equal_local(analysed, spark, spy):
    remote = _claims_on_spark(analysed)
    # every storyline went to the executors, in one job
    assert spy == [len(analysed.by_storyline)] and len(spy) == 1 and spy[0] > 10
    assert sum(len(sec["claims"]) > 0 for sec in analysed.by_storyline.values()) > 10
    for k in _CLAIMS:
        assert remote.out[k] == analysed.out[k], k
    assert remote.by_storyline == analysed.by_storyline


def test_stored_claims_are_not_recomputed(analysed, spark, spy, tmp_path):
    """A second analysis of the same store sends no storyline to Spark and gives the same claims."""
    from storytrace.store import Store
    from storytrace.store.cache import StageCache

    n = len(analysed.by_storyline)
    with Store(tmp_path / "st.db") as st:
        first_cache = StageCache(st)
        first = _claims_on_spark(analysed, first_cache)
        assert spy == [n] and first_cache.stats["claims"] == {"hits": 0, "misses": n}
        st.commit_analysis({"version": 1}, cache=first_cache)
        again_cache = StageCache(st)
        again = _claims_on_spark(analysed, again_cache)
    assert spy == [n]   # no new job
    assert again_cache.stats["claims"] == {"hits": n, "misses": 0}
    for k in _CLAIMS:
        assert again.out[k] == first.out[k] == analysed.out[k], k


# -- events: pair similarities by date block in the executors ---------------------------------------

def test_event_pairs_by_date_block_equal_the_whole_product(news):
    """The date blocks the executors compute (each against the articles within the window before
    it; undated ones against all) give every pair once, with the same floats as one product."""
    from storytrace.engines.spark_stages import _blocks, _pair_input, _pairs_task
    from storytrace.stories import Params
    from storytrace.stories.index import article_state
    from storytrace.stories.pairs import pair_arrays

    p = Params()
    states = {a.id: article_state(a, p) for a in news}
    assert any(s["d"] is None for s in states.values()) and len({s["d"] for s in states.values()}) > 20
    items = [_pair_input(a, states[a], p) for a in sorted(states)]
    I, J, S = pair_arrays(items, p)
    whole = sorted(tuple(sorted((items[i].id, items[j].id))) + (s,) for i, j, s in zip(I.tolist(), J.tolist(), S.tolist()))
    assert len(whole) > 40
    blocks = _blocks(states, p, 10)
    assert len(blocks) > 5
    jobs = [([_pair_input(a, states[a], p) for a in it], [_pair_input(a, states[a], p) for a in ag]) for it, ag in blocks]
    got = sorted(tuple(sorted((a, b))) + (x,) for a, b, x in _pairs_task(p)(jobs))
    assert got == whole


def test_stories_stage_pairs_in_executors_equal_local(analysed, spark, monkeypatch):
    """The pipeline's events with --engine spark: features and pairs in executors, same events."""
    from storytrace import pipeline
    from storytrace.engines import spark_stages

    calls = []
    real = spark_stages.event_pairs
    monkeypatch.setattr(spark_stages, "event_pairs", lambda *a, **k: calls.append(1) or real(*a, **k))
    ctx = pipeline.Context(articles=[Article.from_dict(a.to_dict()) for a in analysed.articles],
                           options=pipeline.Options(quiet=True, engine="spark", spark_master="local[2]"))
    pipeline._stories(ctx)
    assert calls == [1]
    assert len(analysed.out["events"]) < len(analysed.articles)
    for k in ("events", "storylines", "inferred_dates"):
        assert ctx.out[k] == analysed.out[k], k


def test_blocks_touching_new_articles_give_exactly_their_pairs(news):
    """An increment's blocks (new articles against every article within the window, either side,
    and the undated) give every pair with a new article, with the same floats, and no other."""
    import random

    from storytrace.engines.spark_stages import _blocks_touching, _pair_input, _pairs_task
    from storytrace.stories import Params
    from storytrace.stories.index import article_state
    from storytrace.stories.pairs import pair_arrays

    p = Params()
    states = {a.id: article_state(a, p) for a in news}
    items = [_pair_input(a, states[a], p) for a in sorted(states)]
    I, J, S = pair_arrays(items, p)
    whole = {tuple(sorted((items[i].id, items[j].id))) + (s,) for i, j, s in zip(I.tolist(), J.tolist(), S.tolist())}
    live = sorted(a for a in states if not states[a]["r"])
    paired = {x for t in whole for x in t[:2]}   # new articles with pairs, so the check has work to do
    undated = [a for a in live if states[a]["d"] is None and a in paired]
    dated = [a for a in live if states[a]["d"] is not None and a in paired]
    rng = random.Random(3)
    assert undated and len(dated) > 12
    new = set(rng.sample(undated, min(3, len(undated))) + rng.sample(dated, 12))   # both kinds of new article
    want = {t for t in whole if t[0] in new or t[1] in new}
    assert len(want) > 20 and len(want) < len(whole)
    blocks = _blocks_touching(states, p, 4, new)
    assert len(blocks) > 3 and all(set(it) <= new for it, _ in blocks)
    jobs = [([_pair_input(a, states[a], p) for a in it], [_pair_input(a, states[a], p) for a in ag]) for it, ag in blocks]
    got = {tuple(sorted((a, b))) + (x,) for a, b, x in _pairs_task(p)(jobs)}
    assert got == want


def test_spark_increment_sends_only_new_articles_pairs_and_equals_local(news, spark, tmp_path, monkeypatch):
    """--engine spark on a grown store: the last run's event pairs are read back, only the new
    articles' pairs are computed in executors, and the events equal a local run from scratch."""
    from storytrace.engines import spark_stages
    from storytrace.pipeline import Options, analyze_store
    from storytrace.store import Store

    sent: list = []
    real = spark_stages.event_pairs
    monkeypatch.setattr(spark_stages, "event_pairs", lambda *a, **k: sent.append(k.get("only")) or real(*a, **k))
    opts = Options(quiet=True, engine="spark", spark_master="local[2]")
    old, new = news[:70], news[70:]
    with Store(tmp_path / "spark.db") as st:
        st.add([Article.from_dict(a.to_dict()) for a in old])
        first = analyze_store(st, opts)
        st.add([Article.from_dict(a.to_dict()) for a in new])
        second = analyze_store(st, opts)
    with Store(tmp_path / "local.db") as st:
        st.add([Article.from_dict(a.to_dict()) for a in news])
        local = analyze_store(st, Options(quiet=True), incremental=False)
    assert sent[0] is None and sent[1] == {a.id for a in new}
    assert first["cached_results"]["stories_pairs"] == {"hits": 0, "misses": 70}
    assert second["cached_results"]["stories_pairs"] == {"hits": 70, "misses": 10}
    assert second["stage_notes"] == []
    for k in ("events", "storylines", "articles", "claims"):
        assert second[k] == local[k], k
