"""Incremental analysis: adding articles to an analysed store reuses what earlier runs computed,
and gives exactly the analysis a run from scratch gives (real BASIL articles, split 90% / 10%)."""
from __future__ import annotations

import random
import sqlite3

import pytest

from storytrace import pipeline
from storytrace.pipeline import Options, analyze_store, ingest
from storytrace.store import SCHEMA_VERSION, Store
from storytrace.store.schema import MIGRATIONS

OPTS = Options(quiet=True)
VOLATILE = ("timings", "cached_results")


def _same(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def split(corpora, tmp_path_factory):
    """45 BASIL articles (15 stories told by three outlets), shuffled, as a 40 + 5 split."""
    lines = (corpora / "basil/articles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:45]
    random.Random(7).shuffle(lines)
    d = tmp_path_factory.mktemp("split")
    (d / "old.jsonl").write_text("".join(lines[:40]), encoding="utf-8")
    (d / "new.jsonl").write_text("".join(lines[40:]), encoding="utf-8")
    return d / "old.jsonl", d / "new.jsonl"


@pytest.fixture(scope="module")
def full_doc(split, tmp_path_factory):
    db = tmp_path_factory.mktemp("full") / "full.db"
    with Store(db) as s:
        ingest([str(p) for p in split], s, OPTS)
        return analyze_store(s, OPTS, incremental=False)


@pytest.fixture(scope="module")
def incremental(split, tmp_path_factory):
    """A store analysed on the 40, then given the 5 and analysed again."""
    db = tmp_path_factory.mktemp("inc") / "inc.db"
    with Store(db) as s:
        ingest([str(split[0])], s, OPTS)
        first = analyze_store(s, OPTS)
        ingest([str(split[1])], s, OPTS)
        second = analyze_store(s, OPTS)
    return db, first, second


def test_adding_articles_gives_the_same_analysis_as_from_scratch(incremental, full_doc):
    _, first, second = incremental
    assert not second["stage_notes"], second["stage_notes"]
    assert len(second["articles"]) == len(full_doc["articles"]) == 45
    assert second["events"] and second["claims"] and second["summary"]
    for key in _same(full_doc):
        assert second[key] == full_doc[key], f"{key} differs from a run from scratch"
    assert _same(second) == _same(full_doc)


def test_only_new_articles_are_recomputed(incremental):
    _, first, second = incremental
    assert first["cached_results"]["stories"] == {"hits": 0, "misses": 40}
    for stage in ("stories", "sources"):
        assert second["cached_results"][stage] == {"hits": 40, "misses": 5}, stage
    # 5 new articles touch at most 5 storylines (plus those whose edges or sources they change):
    # most storylines' claims and summaries are read back, not recomputed.
    for stage in ("claims", "summary"):
        c = second["cached_results"][stage]
        assert c["hits"] > c["misses"], (stage, c)


def test_changed_storylines_read_their_old_articles_mentions_back(incremental):
    _, first, second = incremental
    assert first["cached_results"]["claims_mentions"] == {"hits": 0, "misses": 40}
    # Only the 5 new articles are read for claims; the old articles of the storylines they joined
    # come back from the store (and the analysis equals a run from scratch: the test above).
    m = second["cached_results"]["claims_mentions"]
    assert m["misses"] == 5 and m["hits"] > 0, m


def test_rerun_without_new_articles_recomputes_nothing(incremental):
    db, _, second = incremental
    with Store(db) as s:
        again = analyze_store(s, OPTS)
    assert all(c["misses"] == 0 for c in again["cached_results"].values()), again["cached_results"]
    assert _same(again) == _same(second)


def test_changed_stage_code_retires_its_results(incremental, monkeypatch):
    db, _, second = incremental
    real = pipeline.code_version
    monkeypatch.setattr(pipeline, "code_version", lambda *p: real(*p) + ("x" if p == ("sources",) else ""))
    with Store(db) as s:
        doc = analyze_store(s, OPTS)
    assert doc["cached_results"]["sources"] == {"hits": 0, "misses": 45}
    assert doc["cached_results"]["stories"]["misses"] == 0
    assert _same(doc) == _same(second)


def test_run_killed_mid_stage_leaves_the_store_as_it_was(split, tmp_path, monkeypatch):
    db = tmp_path / "k.db"
    with Store(db) as s:
        ingest([str(split[0])], s, OPTS)
        analyze_store(s, OPTS)
        before = _snapshot(s)
        ingest([str(split[1])], s, OPTS)
        after_ingest = _snapshot(s)

        def killed(ctx):  # KeyboardInterrupt is not a stage failure: it stops the run
            raise KeyboardInterrupt

        monkeypatch.setattr(pipeline, "STAGES", [*pipeline.STAGES[:3], ("claims", killed)])
        with pytest.raises(KeyboardInterrupt):
            analyze_store(s, OPTS)
        assert _snapshot(s) == after_ingest
        assert after_ingest[1:] == before[1:]  # results and analysis are the first run's
        assert s.integrity_check() == "ok"


def _snapshot(s: Store) -> tuple:
    c = s.conn
    return (c.execute("SELECT id, published, published_inferred FROM articles ORDER BY id").fetchall(),
            c.execute("SELECT stage, article_id, version FROM article_results ORDER BY 1, 2").fetchall(),
            c.execute("SELECT stage, key FROM group_results ORDER BY 1, 2").fetchall(),
            c.execute("SELECT data FROM analysis").fetchall())


def test_a_v2_store_upgrades_in_place_and_keeps_its_articles(split, tmp_path):
    db = tmp_path / "old.db"
    with Store(db) as s:
        ingest([str(split[0])], s, OPTS)
    # Make it the v2 store an earlier storytrace wrote: no result tables.
    conn = sqlite3.connect(db)
    conn.executescript("DROP TABLE article_results; DROP TABLE group_results; PRAGMA user_version = 2;")
    conn.close()
    with Store(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS) == 4
        assert s.count() == 40
        doc = analyze_store(s, OPTS)
        assert doc["cached_results"]["stories"] == {"hits": 0, "misses": 40}
        assert s.result_counts()["stories"] == 40


def test_analysis_killed_by_the_os_leaves_the_old_analysis_or_the_new_one(split, tmp_path):
    """SIGKILL during `storytrace analyze --db` (the user's Ctrl-\\, the OOM killer): the store
    holds either the previous analysis and results, untouched, or the complete new ones."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    db = tmp_path / "kill.db"
    with Store(db) as s:
        ingest([str(split[0])], s, OPTS)
        analyze_store(s, OPTS)
        ingest([str(split[1])], s, OPTS)
        before = _snapshot(s)
    src = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ, PYTHONPATH=str(src) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, "-m", "storytrace.cli", "analyze", "--db", str(db), "--out",
                          str(tmp_path / "out"), "--quiet"], env=env)
    # Imports, then the stages; on a quiet machine the 45 articles can be analysed before the kill,
    # which must leave the complete new analysis (the other allowed outcome).
    time.sleep(1.2)
    p.send_signal(signal.SIGKILL)
    p.wait()
    with Store(db) as s:
        after = _snapshot(s)
        assert s.integrity_check() == "ok"
        # Either the store is exactly as before, or it got to commit (or finished before the
        # kill): then everything new is there, never a part of it.
        if after != before:
            assert s.result_counts()["stories"] == 45
            assert len(s.load_analysis()["articles"]) == 45


def test_event_pairs_of_old_articles_are_read_back(incremental):
    _, first, second = incremental
    assert first["cached_results"]["stories_pairs"] == {"hits": 0, "misses": 40}
    assert second["cached_results"]["stories_pairs"] == {"hits": 40, "misses": 5}


def test_unreadable_stored_event_pairs_are_recomputed_and_said(incremental, full_doc, tmp_path):
    db, _, second = incremental
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as c:
        # Both stories blobs: the pair graph and the events' evidence.
        assert c.execute("UPDATE group_results SET data = x'00ff' WHERE stage = 'stories_pairs'").rowcount == 2
    with Store(copy) as s:
        doc = analyze_store(s, OPTS)
        notes = doc.pop("stage_notes")
        assert [n["stage"] for n in notes] == ["stories", "stories"], notes
        assert "event pairs" in notes[0]["detail"] and "event evidence" in notes[1]["detail"]
        assert doc["cached_results"]["stories_pairs"] == {"hits": 0, "misses": 45}
        assert {k: v for k, v in _same(doc).items()} == {k: v for k, v in _same(second).items() if k != "stage_notes"}
        again = analyze_store(s, OPTS)  # the graph was written back whole
    assert again["cached_results"]["stories_pairs"] == {"hits": 45, "misses": 0} and not again["stage_notes"]


def test_rerun_without_new_articles_keeps_the_stored_stories_blobs(incremental, monkeypatch):
    """Neither the pair graph nor the result memo is re-encoded when no article changed (at 37k
    articles they are ~180 MB), and the stored ones stay in the store."""
    db, _, second = incremental
    written = []
    real = pipeline.StageCache.add_bytes
    monkeypatch.setattr(pipeline.StageCache, "add_bytes", lambda self, *a: written.append(a[:2]) or real(self, *a))
    with Store(db) as s:
        again = analyze_store(s, OPTS)
        kept = s.conn.execute("SELECT COUNT(*) FROM group_results WHERE stage = 'stories_pairs'").fetchone()[0]
    assert written == [] and kept == 2
    assert _same(again) == _same(second)
