"""The SQLite store: idempotent ingest, every path kept, batches atomic, schema versioned."""
import sqlite3

import pytest

from storytrace.ingest import read_paths
from storytrace.model import Article
from storytrace.store import SCHEMA_VERSION, Store
from storytrace.store.schema import SchemaTooNew


def test_same_article_twice_is_stored_once_with_both_paths(tmp_path, seeds):
    copy = tmp_path / "renamed.txt"
    src = next(seeds.glob("002_*.txt"))
    copy.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))  # other name, other line ends
    with Store(tmp_path / "s.db") as st:
        r1 = st.add(read_paths([seeds]))
        r2 = st.add(read_paths([seeds, copy]))
        assert len(r1.new) == 5 and not r2.new and len(r2.duplicates) == 6
        assert st.count() == 5
        [a] = [a for a in st.articles() if a.id == r1.new[2]]
        assert sorted(a.paths) == sorted([str(src), str(copy)])


def test_later_copy_fills_missing_metadata(tmp_path, seeds):
    text = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    with Store(tmp_path / "s.db") as st:
        st.add([Article(text=text, path="a.txt")])
        st.add([Article(text=text, path="b.jsonl:1", outlet="Some Outlet", published="2022-11-20")])
        [a] = st.articles()
        assert a.outlet == "Some Outlet" and a.published == "2022-11-20"


def test_failed_batch_leaves_store_unchanged(tmp_path, seeds):
    with Store(tmp_path / "s.db") as st:
        st.add(read_paths([next(seeds.glob("001_*.txt"))]))

        def items():
            yield from read_paths([next(seeds.glob("003_*.txt"))])
            raise RuntimeError("reader died mid-batch")

        with pytest.raises(RuntimeError):
            st.add(items())
        assert st.count() == 1
        assert st.integrity_check() == "ok"


def test_wal_and_schema_version(tmp_path):
    with Store(tmp_path / "s.db") as st:
        assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(tmp_path / "s.db")


def test_rejection_replaced_when_the_path_later_succeeds(tmp_path, seeds):
    f = tmp_path / "a.txt"
    f.write_bytes(b"")
    with Store(tmp_path / "s.db") as st:
        st.add(read_paths([f]))
        assert [r.path for r in st.rejections()] == [str(f)]
        f.write_bytes(next(seeds.glob("001_*.txt")).read_bytes())
        st.add(read_paths([f]))
        assert st.rejections() == [] and st.count() == 1


def test_readding_unchanged_inputs_skips_cleaning(tmp_path, seeds, monkeypatch):
    """A corpus added again is recognised by input fingerprints: no text is cleaned again, the
    new path of a copied file is still recorded."""
    from storytrace import pipeline

    calls = []
    real = pipeline.to_article
    monkeypatch.setattr(pipeline, "to_article", lambda r, lim: calls.append(r.path) or real(r, lim))
    opts = pipeline.Options(quiet=True)
    copy = tmp_path / "copy" / "x.txt"
    copy.parent.mkdir()
    copy.write_bytes(next(seeds.glob("001_*.txt")).read_bytes())
    with Store(tmp_path / "s.db") as st:
        first = pipeline.ingest([str(seeds)], st, opts)
        assert len(first.new) == 5 and len(calls) == 5
        again = pipeline.ingest([str(seeds), str(copy)], st, opts)
        assert again.new == [] and len(again.duplicates) == 6
        assert len(calls) == 5  # nothing re-cleaned
        assert str(copy) in next(a for a in st.articles() if a.id == again.duplicates[-1]).paths


def test_analysis_is_stored_compressed_and_old_plain_json_still_reads(tmp_path):
    import json as _json

    doc = {"version": 1, "articles": [{"id": str(i), "text": "é" * 50} for i in range(2500)], "events": []}
    with Store(tmp_path / "s.db") as st:
        st.save_analysis(doc)
        raw = st.conn.execute("SELECT data FROM analysis").fetchone()[0]
        assert isinstance(raw, bytes) and len(raw) < len(_json.dumps(doc)) / 5
        assert st.load_analysis() == doc
        # A store written before compression holds the JSON text: it still reads.
        st.conn.execute("UPDATE analysis SET data = ?", (_json.dumps(doc),))
        assert st.load_analysis() == doc
