"""The reuse stage in an incremental analysis: pair results kept in the store are reused only
where both articles are unchanged, the result equals a run from scratch, and a run killed midway
leaves the store as it was (giveme5w1h articles, which hold wire copies and rewrites)."""
from __future__ import annotations

import shutil

import pytest

from storytrace import pipeline
from storytrace.pipeline import Options, analyze_store, ingest
from storytrace.reuse import derive as D
from storytrace.store import Store

OPTS = Options(quiet=True)
REUSE_KEYS = ("derivations", "undirected_reuse", "wire_origins", "reuse_skipped")
REUSE_ONLY = [("reuse", pipeline._reuse)]   # the other stages have their own incremental tests


@pytest.fixture(autouse=True)
def reuse_only(monkeypatch):
    monkeypatch.setattr(pipeline, "STAGES", REUSE_ONLY)


def _spy(mp, fail_after: int | None = None) -> list[tuple[str, str]]:
    """Record the pairs the reuse stage aligns (optionally interrupt after `fail_after` of them)."""
    seen: list[tuple[str, str]] = []
    real = D._pair_result

    def spy(da, db, *args):
        if fail_after is not None and len(seen) >= fail_after:
            raise KeyboardInterrupt
        seen.append((da.article.id, db.article.id))
        return real(da, db, *args)

    mp.setattr(D, "_pair_result", spy)
    return seen


@pytest.fixture(scope="module")
def stores(corpora, tmp_path_factory):
    """A store analysed on 200 giveme5w1h articles (`base`), and a copy given 40 more and
    analysed again (`grown`), with the pairs that second run aligned."""
    lines = (corpora / "giveme5w1h/articles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:240]
    d = tmp_path_factory.mktemp("giveme")
    (d / "old.jsonl").write_text("".join(lines[:200]), encoding="utf-8")
    (d / "new.jsonl").write_text("".join(lines[200:]), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "STAGES", REUSE_ONLY)
        with Store(d / "base.db") as s:
            ingest([str(d / "old.jsonl")], s, OPTS)
            first = analyze_store(s, OPTS)
        shutil.copy(d / "base.db", d / "grown.db")
        with Store(d / "grown.db") as s:
            ingest([str(d / "new.jsonl")], s, OPTS)
            aligned = _spy(mp)
            second = analyze_store(s, OPTS)
    return {"dir": d, "first": first, "second": second, "aligned": aligned}


def _reuse(doc: dict) -> dict:
    return {k: doc[k] for k in REUSE_KEYS}


def _pairs_in_store(s: Store) -> list:
    return s.conn.execute("SELECT stage, key, data FROM group_results WHERE stage LIKE 'reuse%' ORDER BY 1, 2").fetchall()


def test_incremental_reuse_equals_from_scratch_and_aligns_only_new_pairs(stores, tmp_path):
    first, second, aligned = stores["first"], stores["second"], stores["aligned"]
    shutil.copy(stores["dir"] / "grown.db", tmp_path / "full.db")
    with Store(tmp_path / "full.db") as s:
        full = analyze_store(s, OPTS, incremental=False)
    assert first["cached_results"]["reuse_pairs"]["hits"] == 0
    assert not second["stage_notes"], second["stage_notes"]
    assert second["derivations"] and second["wire_origins"]
    assert _reuse(second) == _reuse(full)
    c = second["cached_results"]["reuse_pairs"]
    assert c["hits"] > 0 and c["misses"] == len(aligned)
    # every pair aligned again involves an added article (no article's fields changed here)
    old_ids = {a["id"] for a in first["articles"]}
    assert aligned and all(not {a, b} <= old_ids for a, b in aligned)
    # candidate inputs (signatures, sampled 5-grams, term vectors) computed for the added texts only
    assert second["cached_results"]["reuse_prep"] == {"hits": len(old_ids),
                                                      "misses": len(second["articles"]) - len(old_ids)}


def test_a_changed_article_retires_its_pairs_only(stores, tmp_path, monkeypatch):
    shutil.copy(stores["dir"] / "grown.db", tmp_path / "chg.db")
    doc = stores["second"]
    d = doc["derivations"][0]
    with Store(tmp_path / "chg.db") as s:
        # a later copy of the article gives it another date: its pairs must be aligned again
        # (dates vote on the direction), every other pair is read back
        s.conn.execute("UPDATE articles SET published = '2001-01-01' WHERE id = ?", (d["to"],))
        aligned = _spy(monkeypatch)
        again = analyze_store(s, OPTS)
        assert aligned and all(d["to"] in p for p in aligned)
        assert again["cached_results"]["reuse_pairs"]["hits"] > 10 * len(aligned)
        full = analyze_store(s, OPTS, incremental=False)
    assert _reuse(again) == _reuse(full)
    assert _reuse(again) != _reuse(doc)   # the date moved an edge's evidence


def test_reuse_killed_mid_stage_leaves_the_store_as_it_was(stores, tmp_path, monkeypatch):
    shutil.copy(stores["dir"] / "base.db", tmp_path / "kill.db")
    with Store(tmp_path / "kill.db") as s:
        ingest([str(stores["dir"] / "new.jsonl")], s, OPTS)
        before = (_pairs_in_store(s), s.conn.execute("SELECT * FROM article_results").fetchall(),
                  s.conn.execute("SELECT data FROM analysis").fetchall())
        _spy(monkeypatch, fail_after=5)   # Ctrl-C after 5 new pairs are aligned
        with pytest.raises(KeyboardInterrupt):
            analyze_store(s, OPTS)
        assert (_pairs_in_store(s), s.conn.execute("SELECT * FROM article_results").fetchall(),
                s.conn.execute("SELECT data FROM analysis").fetchall()) == before
        assert s.integrity_check() == "ok"
