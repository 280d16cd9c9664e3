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

    arts = _articles(corpora / "meter/articles.jsonl", 400)
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
