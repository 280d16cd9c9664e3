"""The Spark engine gives the local engine's results, and refuses clearly when it cannot run."""
import json
import time

import pytest

from storytrace.engines import check_spark
from storytrace.ingest import read_paths
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


def test_derivations_equal_local_on_wire_corpus(spark, corpora):
    """Alignment distributed by pair gives the local derivations, passages and wire groups."""
    from storytrace.engines.spark_reuse import find_derivations as spark_find
    from storytrace.reuse import find_derivations

    arts = _articles(corpora / "meter/articles.jsonl", 250)
    # pairs the n-gram index did not propose (as the paraphrase path adds the articles of one event)
    extra = [(arts[k].id, arts[k + 7].id) for k in range(0, 200, 10)]
    local = find_derivations(arts, extra_pairs=extra)
    remote = spark_find(arts, spark=spark, partitions=3, extra_pairs=extra)
    assert len(local.derivations) > 10
    assert _dicts(remote.derivations) == _dicts(local.derivations)
    assert _dicts(remote.undirected) == _dicts(local.undirected)
    assert remote.wire_origins == local.wire_origins and remote.skipped == local.skipped
    # only the pairs with reuse came back to the driver
    assert remote.stats["spark"]["pairs_with_reuse"] < remote.stats["spark"]["candidate_pairs"]


def test_events_and_attributions_equal_local(spark, corpora):
    """Event features and attributions computed in executors: the local events and quotes."""
    from storytrace.engines.spark_stages import attributions, cluster as spark_cluster
    from storytrace.sources import extract_attributions
    from storytrace.stories import cluster

    arts = _articles(corpora / "giveme5w1h/articles.jsonl", 80)
    local = cluster(arts)
    remote = spark_cluster(arts, spark=spark)
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
