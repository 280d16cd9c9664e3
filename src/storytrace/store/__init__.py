"""The store: one SQLite file (WAL) holding articles, their input paths, rejections and stage
results. Writes are one transaction per batch, so a crash never leaves half an article."""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from storytrace.model import Article, Rejection
from storytrace.store.schema import SCHEMA_VERSION, migrate

if TYPE_CHECKING:
    from storytrace.store.cache import StageCache

__all__ = ["Store", "AddResult", "Seen", "SCHEMA_VERSION"]

_COLUMNS = ("id", "external_id", "url", "title", "outlet", "byline", "published", "published_inferred",
            "language", "chars", "text", "truncated", "boilerplate_removed")
# Fields a later copy of the same article may fill in when the first copy lacked them.
_FILLABLE = ("external_id", "url", "title", "outlet", "byline", "published", "language")


@dataclass
class Seen:
    """An input already stored under `article_id` (known by its fingerprint): only its path is
    recorded."""
    article_id: str
    path: str


@dataclass
class AddResult:
    new: list[str] = field(default_factory=list)        # ids stored for the first time
    duplicates: list[str] = field(default_factory=list)  # ids already stored (path recorded)
    rejected: list[Rejection] = field(default_factory=list)

    def merge(self, other: "AddResult") -> None:
        self.new += other.new
        self.duplicates += other.duplicates
        self.rejected += other.rejected


class Store:
    """A storytrace store. Safe for several processes: WAL, a busy timeout, and
    `BEGIN IMMEDIATE` write transactions so writers queue instead of failing."""

    def __init__(self, path: str | Path, *, timeout: float = 60.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                    check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        migrate(self.conn)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _tx(self):
        return _Tx(self.conn)

    # -- writes ----------------------------------------------------------------------------
    def add(self, items: Iterable[Article | Rejection | Seen],
            fingerprints: dict[str, str] | None = None) -> AddResult:
        """Store one batch in one transaction. Re-adding an article stores it once and records
        the new path; a rejection replaces an older rejection of the same path. `fingerprints`
        maps input fingerprints to the article ids they produced (see `known_fingerprints`)."""
        res = AddResult()
        with self._tx() as c:
            for it in items:
                if isinstance(it, Seen):
                    c.execute("INSERT OR IGNORE INTO article_paths(article_id, path) VALUES (?, ?)",
                              (it.article_id, it.path))
                    res.duplicates.append(it.article_id)
                    continue
                if isinstance(it, Rejection):
                    c.execute("INSERT INTO rejections(path, reason) VALUES (?, ?) "
                              "ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, at = excluded.at",
                              (it.path, it.reason))
                    res.rejected.append(it)
                    continue
                row = _row(it)
                cur = c.execute(
                    f"INSERT INTO articles({', '.join(_COLUMNS)}, seq) VALUES ({', '.join('?' * len(_COLUMNS))}, "
                    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM articles)) ON CONFLICT(id) DO NOTHING", row)
                if cur.rowcount:
                    res.new.append(it.id)
                else:
                    sets = ", ".join(f"{k} = COALESCE({k}, ?)" for k in _FILLABLE)
                    c.execute(f"UPDATE articles SET {sets} WHERE id = ?",
                              [getattr(it, k) for k in _FILLABLE] + [it.id])
                    res.duplicates.append(it.id)
                if it.path:
                    c.execute("INSERT OR IGNORE INTO article_paths(article_id, path) VALUES (?, ?)", (it.id, it.path))
                    c.execute("DELETE FROM rejections WHERE path = ?", (it.path,))
            if fingerprints:
                c.executemany("INSERT OR IGNORE INTO fingerprints(fp, article_id) VALUES (?, ?)",
                              list(fingerprints.items()))
        return res

    def known_fingerprints(self, fps: list[str]) -> dict[str, str]:
        """The fingerprints among `fps` already stored, with their article ids."""
        out: dict[str, str] = {}
        for i in range(0, len(fps), 500):
            chunk = fps[i:i + 500]
            out.update(self.conn.execute(
                f"SELECT fp, article_id FROM fingerprints WHERE fp IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def set_inferred_dates(self, dates: dict[str, str]) -> None:
        with self._tx() as c:
            c.executemany("UPDATE articles SET published = ?, published_inferred = 1 "
                          "WHERE id = ? AND (published IS NULL OR published_inferred = 1)",
                          [(d, i) for i, d in dates.items()])

    def save_state(self, stage: str, version: int, data: Any) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO stage_state(stage, version, articles_seen, data) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT(stage) DO UPDATE SET version = excluded.version, "
                      "articles_seen = excluded.articles_seen, data = excluded.data, "
                      "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
                      (stage, version, self.count(), json.dumps(data)))

    def save_analysis(self, analysis: dict[str, Any]) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO analysis(id, articles_seen, data) VALUES (1, ?, ?) "
                      "ON CONFLICT(id) DO UPDATE SET articles_seen = excluded.articles_seen, data = excluded.data, "
                      "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
                      (len(analysis.get("articles", [])), encode_analysis(analysis)))

    def commit_analysis(self, analysis: dict[str, Any], *, inferred_dates: dict[str, str] | None = None,
                        cache: "StageCache | None" = None) -> None:
        """Save the analysis, the inferred dates and the stage results a run computed, in ONE
        transaction: a run killed before this point leaves the store exactly as it was.

        Inferred dates are replaced as a whole (a date inferred by an earlier run that the events
        no longer support is cleared), so the store never feeds a stale guess back into a rerun.
        Group results the run did not use are dropped: the table holds one analysis' worth."""
        spool = _spool_analysis(analysis)  # encoded before the transaction: writers wait less
        with spool, self._tx() as c:
            if inferred_dates is not None:
                c.execute("UPDATE articles SET published = NULL, published_inferred = 0 WHERE published_inferred = 1")
                c.executemany("UPDATE articles SET published = ?, published_inferred = 1 "
                              "WHERE id = ? AND published IS NULL", [(d, i) for i, d in inferred_dates.items()])
            if cache is not None:
                c.executemany("INSERT INTO article_results(stage, article_id, version, data) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT(stage, article_id) DO UPDATE SET version = excluded.version, "
                              "data = excluded.data", cache.pending_articles)
                c.executemany("INSERT OR REPLACE INTO group_results(stage, key, data) VALUES (?, ?, ?)",
                              cache.pending_groups)
                for stage, keys in cache.used_groups.items():
                    c.execute("CREATE TEMP TABLE IF NOT EXISTS _used_keys (key TEXT PRIMARY KEY)")
                    c.execute("DELETE FROM _used_keys")
                    c.executemany("INSERT OR IGNORE INTO _used_keys(key) VALUES (?)", [(k,) for k in keys])
                    c.execute("DELETE FROM group_results WHERE stage = ? AND key NOT IN (SELECT key FROM _used_keys)",
                              (stage,))
            _write_analysis(c, len(analysis.get("articles", [])), spool)
        if cache is not None:
            cache.pending_articles.clear()
            cache.pending_groups.clear()

    def clear_results(self, stage: str | None = None) -> None:
        """Forget cached stage results (all stages, or one): the next analysis recomputes them."""
        with self._tx() as c:
            for table in ("article_results", "group_results"):
                if stage is None:
                    c.execute(f"DELETE FROM {table}")
                else:
                    c.execute(f"DELETE FROM {table} WHERE stage = ?", (stage,))

    # -- reads -----------------------------------------------------------------------------
    def load_article_results(self, stage: str, want: dict[str, str]) -> dict[str, bytes]:
        """Stored results of `stage` for the article ids in `want` whose version matches."""
        out: dict[str, bytes] = {}
        ids = list(want)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for aid, version, data in self.conn.execute(
                    f"SELECT article_id, version, data FROM article_results WHERE stage = ? "
                    f"AND article_id IN ({','.join('?' * len(chunk))})", [stage, *chunk]):
                if want.get(aid) == version:
                    out[aid] = data
        return out

    def load_group_result(self, stage: str, key: str) -> bytes | None:
        r = self.conn.execute("SELECT data FROM group_results WHERE stage = ? AND key = ?", (stage, key)).fetchone()
        return None if r is None else r[0]

    def result_counts(self) -> dict[str, int]:
        """Cached results per stage (article and group results together)."""
        out: dict[str, int] = {}
        for table in ("article_results", "group_results"):
            for stage, n in self.conn.execute(f"SELECT stage, COUNT(*) FROM {table} GROUP BY stage"):
                out[stage] = out.get(stage, 0) + n
        return out

    def count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM articles ORDER BY seq")]

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        return list(self.iter_articles(ids))

    def iter_articles(self, ids: Iterable[str] | None = None, *, after_seq: int = 0) -> Iterator[Article]:
        if ids is None:
            paths: dict[str, list[str]] = {}
            for r in self.conn.execute("SELECT article_id, path FROM article_paths ORDER BY rowid"):
                paths.setdefault(r[0], []).append(r[1])
            for r in self.conn.execute("SELECT * FROM articles WHERE seq > ? ORDER BY seq", (after_seq,)):
                yield _article(r, paths.get(r["id"], []))
            return
        # A subset: look up only its rows and paths (reading every path row for a few ids was waste).
        wanted = list(ids)
        for i in range(0, len(wanted), 500):
            for r in self.conn.execute(
                    f"SELECT * FROM articles WHERE id IN ({','.join('?' * len(wanted[i:i + 500]))}) ORDER BY seq",
                    wanted[i:i + 500]):
                yield _article(r, self.paths(r["id"]))

    def paths(self, article_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT path FROM article_paths WHERE article_id = ? ORDER BY rowid", (article_id,))]

    def rejections(self) -> list[Rejection]:
        return [Rejection(r[0], r[1]) for r in self.conn.execute("SELECT path, reason FROM rejections ORDER BY path")]

    def load_state(self, stage: str) -> tuple[int, int, Any] | None:
        r = self.conn.execute("SELECT version, articles_seen, data FROM stage_state WHERE stage = ?", (stage,)).fetchone()
        return None if r is None else (r[0], r[1], json.loads(r[2]))

    def load_analysis(self) -> dict[str, Any] | None:
        r = self.conn.execute("SELECT data FROM analysis WHERE id = 1").fetchone()
        return None if r is None else decode_analysis(r[0])

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


_CHUNK = 1000  # list items per json.dumps call when saving an analysis
_BLOB_CHUNK = 8 << 20  # bytes per write into the stored analysis blob


def iter_encoded_analysis(doc: dict[str, Any]) -> Iterator[bytes]:
    """The analysis as zlib-compressed JSON, in pieces, encoded a slice of each long list at a
    time: at 37k articles the document is about a gigabyte of JSON, and a single `json.dumps`
    would hold all of it in memory next to the document itself. Compressed, the stored analysis is
    ~5x smaller."""
    co = zlib.compressobj(1)

    def enc(s: str) -> bytes:
        return co.compress(s.encode("utf-8"))

    yield enc("{")
    for i, (k, v) in enumerate(doc.items()):
        yield enc(("," if i else "") + json.dumps(k) + ":")
        if isinstance(v, list) and len(v) > _CHUNK:
            yield enc("[")
            for j in range(0, len(v), _CHUNK):
                yield enc(("," if j else "") + json.dumps(v[j:j + _CHUNK])[1:-1])
            yield enc("]")
        else:
            yield enc(json.dumps(v))
    yield enc("}")
    yield co.flush()


def encode_analysis(doc: dict[str, Any]) -> bytes:
    """`iter_encoded_analysis` as one bytes object."""
    return b"".join(iter_encoded_analysis(doc))


def _spool_analysis(doc: dict[str, Any]) -> Any:
    """The encoded analysis in an anonymous temporary file (positioned at its start), so a save
    never holds the compressed document in memory (at 37k articles: ~200 MB, twice over when
    joined)."""
    f = tempfile.TemporaryFile(prefix="storytrace-analysis-")
    for piece in iter_encoded_analysis(doc):
        if piece:
            f.write(piece)
    f.flush()
    f.seek(0)
    return f


def _write_analysis(c: sqlite3.Connection, articles_seen: int, spool: Any) -> None:
    """Store the spooled analysis as row 1 of `analysis` inside the caller's transaction: a
    zero-filled blob of the right size, then filled in place chunk by chunk (SQLite's incremental
    blob I/O), so the whole blob never sits in memory. That needs `data` to be the row's last
    column (schema v4): a value after a zeroblob makes SQLite build the whole record in memory."""
    size = os.fstat(spool.fileno()).st_size
    c.execute("INSERT INTO analysis(id, articles_seen, data) VALUES (1, ?, zeroblob(?)) "
              "ON CONFLICT(id) DO UPDATE SET articles_seen = excluded.articles_seen, data = excluded.data, "
              "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')", (articles_seen, size))
    if not size:
        return
    with c.blobopen("analysis", "data", 1) as blob:
        while True:
            piece = spool.read(_BLOB_CHUNK)
            if not piece:
                break
            blob.write(piece)


def decode_analysis(data: bytes | str) -> dict[str, Any]:
    """Read what `encode_analysis` wrote (or the plain JSON text of a store written before it)."""
    if isinstance(data, bytes):
        data = zlib.decompress(data).decode("utf-8")
    return json.loads(data)


class _Tx:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *exc: Any) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _row(a: Article) -> list[Any]:
    return [a.id, a.external_id, a.url, a.title, a.outlet, a.byline, a.published, int(a.published_inferred),
            a.language, a.chars, a.text, int(a.truncated), json.dumps(a.boilerplate_removed)]


def _article(r: sqlite3.Row, paths: list[str]) -> Article:
    a = Article(text=r["text"], path=paths[0] if paths else "", external_id=r["external_id"], url=r["url"],
                title=r["title"], outlet=r["outlet"], byline=r["byline"], published=r["published"],
                published_inferred=bool(r["published_inferred"]), language=r["language"],
                truncated=bool(r["truncated"]), boilerplate_removed=json.loads(r["boilerplate_removed"]),
                paths=paths, id=r["id"])
    return a
