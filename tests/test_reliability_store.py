"""The store under crashes and concurrent use, on real allsides articles.

Users run `storytrace add` from cron jobs, two terminals and a server at once, and kill it
when it takes too long. What they must get: a sound store that holds every article once,
with every path, and no "database is locked" error. (The long version with 50+ random kills
is bench/reliability_crash.py.)
"""
from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storytrace.ingest import read_paths
from storytrace.model import Article, article_id
from storytrace.store import Store

SRC = Path(__file__).resolve().parents[1] / "src"
# The real CLI entry point, with a small batch so that a few hundred articles make many
# transactions and two writers really interleave (the default batch is 500 articles).
ADD = ("import sys, storytrace.pipeline as p; p.BATCH = int(sys.argv[1]); from storytrace.cli import main; "
       "sys.exit(main(['add', *sys.argv[2:], '--quiet']))")
READER = r"""
import json, os, sys, time
from storytrace.store import Store
db, stop = sys.argv[1], sys.argv[2]
polls = errors = decreases = 0; last = -1; msgs = []; persistent = None
while not os.path.exists(stop) or polls < 5:
    try:
        if polls % 2 == 0:
            with Store(db) as s:
                c = s.count(); s.load_analysis(); s.ids()
        else:
            persistent = persistent or Store(db)
            c = persistent.count(); persistent.load_analysis(); persistent.ids()
        decreases += c < last
        last = c
    except Exception as e:
        errors += 1; msgs.append(f"{type(e).__name__}: {e}")
    polls += 1
    time.sleep(0.005)
print(json.dumps({"polls": polls, "errors": errors, "decreases": decreases, "messages": msgs[:3]}))
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _add(paths, db, batch=20, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ADD, str(batch), *map(str, paths), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), **kw)


@pytest.fixture(scope="module")
def allsides_lines(corpora) -> list[str]:
    with gzip.open(corpora / "allsides/articles-01.jsonl.gz", "rt", encoding="utf-8") as fh:
        return list(itertools.islice(fh, 150))


def _shard(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("".join(lines), encoding="utf-8")
    return p


def _expected(paths) -> tuple[set[str], set[tuple[str, str]]]:
    arts = [a for a in read_paths([str(p) for p in paths]) if isinstance(a, Article)]
    return {a.id for a in arts}, {(a.id, a.path) for a in arts}


def _stored(db) -> tuple[set[str], set[tuple[str, str]]]:
    with Store(db) as st:
        return set(st.ids()), {(r[0], r[1]) for r in st.conn.execute("SELECT article_id, path FROM article_paths")}


def _sound(db) -> None:
    """Integrity, no orphans either way, every article row complete and hashed right."""
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                            "(SELECT 1 FROM article_paths p WHERE p.article_id = a.id)").fetchone()[0] == 0
        for aid, text, chars in conn.execute("SELECT id, text, chars FROM articles"):
            assert text and chars == len(text) and article_id(text) == aid
    finally:
        conn.close()


def test_two_writers_and_a_reader_lose_nothing_and_never_see_locked(tmp_path, allsides_lines):
    # Writer A gets lines 1-100, writer B lines 51-150: the middle 50 articles arrive from
    # both processes under two paths, while a third process keeps reading the store.
    a = _shard(tmp_path, "a.jsonl", allsides_lines[:100])
    b = _shard(tmp_path, "b.jsonl", allsides_lines[50:])
    ids, pairs = _expected([a, b])
    db, stop = tmp_path / "s.db", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env())
    writers = [_add([a], db, batch=10), _add([b], db, batch=10)]
    outs = [w.communicate(timeout=120) for w in writers]
    stop.write_text("")
    rout, rerr = reader.communicate(timeout=60)
    stats = json.loads(rout.strip().splitlines()[-1])
    for w, (out, err) in zip(writers, outs):
        assert w.returncode == 0, err
        assert "locked" not in (out + err).lower()
    assert stats["errors"] == 0 and stats["decreases"] == 0, stats
    assert stats["polls"] >= 5
    assert _stored(db) == (ids, pairs)
    assert len(ids) > 140  # the overlap is stored once, not twice
    _sound(db)


def test_add_waits_for_another_writer_instead_of_failing(tmp_path, allsides_lines):
    # Another program (a second add, a DB browser) holds the write lock for a while: add must
    # queue behind it, not die with "database is locked".
    f = _shard(tmp_path, "a.jsonl", allsides_lines[:30])
    db = tmp_path / "s.db"
    Store(db).close()
    blocker = sqlite3.connect(str(db), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    p = _add([f], db)
    time.sleep(2.5)
    assert p.poll() is None  # still waiting, not failed
    blocker.execute("COMMIT")
    blocker.close()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0 and "locked" not in err.lower(), err
    assert _stored(db)[0] == _expected([f])[0]


def test_sigkill_mid_ingest_leaves_a_sound_store_and_a_rerun_completes_exactly(tmp_path, allsides_lines):
    f = _shard(tmp_path, "shard.jsonl", allsides_lines[:120])
    ids, pairs = _expected([f])
    db = tmp_path / "s.db"
    partial_seen = 0
    for round_ in range(2):
        # Kill once the store holds some committed batches but not all: the moment a user
        # loses patience. Each round resumes on the killed store.
        p = _add([f], db, batch=10)
        deadline = time.monotonic() + 60
        target = (round_ + 1) * 30
        n = 0
        while time.monotonic() < deadline and p.poll() is None:
            if db.exists():
                c = sqlite3.connect(str(db), timeout=5)
                try:
                    n = c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                except sqlite3.OperationalError:
                    n = 0  # schema not there yet
                finally:
                    c.close()
            if n >= target:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.communicate()
        _sound(db)
        got, got_pairs = _stored(db)
        assert got <= ids and {(i, q) for i, q in got_pairs if i in got} <= pairs
        partial_seen += 0 < len(got) < len(ids)
    assert partial_seen >= 1  # at least one kill really landed mid-ingest
    p = _add([f], db, batch=10)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert _stored(db) == (ids, pairs)
    _sound(db)
