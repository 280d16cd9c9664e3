"""The store's schema and its migrations. `user_version` holds the schema version."""
from __future__ import annotations

import sqlite3

# Each entry migrates from version i to i+1; never edit a released step, append a new one.
MIGRATIONS: list[str] = [
    # 0 -> 1: articles, where they came from, rejections, stage results.
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        external_id TEXT,
        url TEXT,
        title TEXT,
        outlet TEXT,
        byline TEXT,
        published TEXT,
        published_inferred INTEGER NOT NULL DEFAULT 0,
        language TEXT,
        chars INTEGER NOT NULL,
        text TEXT NOT NULL,
        truncated INTEGER NOT NULL DEFAULT 0,
        boilerplate_removed TEXT NOT NULL DEFAULT '[]',
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    CREATE TABLE article_paths (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        PRIMARY KEY (article_id, path)
    );
    CREATE INDEX article_paths_path ON article_paths(path);
    CREATE TABLE rejections (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    CREATE TABLE stage_state (
        stage TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        articles_seen INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    CREATE TABLE analysis (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        articles_seen INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
    );
    """,
    # 1 -> 2: input fingerprints, so re-reading an unchanged input skips cleaning and hashing.
    """
    CREATE TABLE fingerprints (
        fp TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    """,
    # 2 -> 3: per-article stage results and per-group (storyline) results, so a rerun computes
    # them only for new or changed inputs (see store/cache.py). `version` names the code that
    # computed an article's result and the article fields it read; group keys hash all inputs.
    """
    CREATE TABLE article_results (
        stage TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (stage, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE group_results (
        stage TEXT NOT NULL,
        key TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (stage, key)
    ) WITHOUT ROWID;
    """,
    # 3 -> 4: the analysis document is the last column. The save writes it in place (a zeroblob of
    # its size, then filled chunk by chunk); with a column after it SQLite must build the whole
    # record, zeros included, in memory: twice the compressed analysis (~600 MB at 37k articles),
    # which was the save's peak.
    """
    CREATE TABLE analysis_v4 (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        articles_seen INTEGER NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
        data TEXT NOT NULL
    );
    INSERT INTO analysis_v4(id, articles_seen, updated_at, data) SELECT id, articles_seen, updated_at, data FROM analysis;
    DROP TABLE analysis;
    ALTER TABLE analysis_v4 RENAME TO analysis;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    pass


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION, one transaction per step."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(f"store schema v{current} is newer than this storytrace (v{SCHEMA_VERSION}): upgrade storytrace")
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-check under the write lock: another process may have migrated meanwhile.
            if conn.execute("PRAGMA user_version").fetchone()[0] != version:
                conn.execute("ROLLBACK")
                continue
            for stmt in MIGRATIONS[version].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION
