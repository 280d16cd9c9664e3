"""Shared loaders for the reuse benchmarks: corpora read in place through storytrace's own ingest."""
from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", ROOT.parent / "shared" / "corpora"))

from storytrace.model import Article  # noqa: E402


def load_jsonl_articles(path: Path) -> list[Article]:
    """Articles as the pipeline makes them (ingest + cleaning); `external_id` is the corpus id."""
    from storytrace.ingest import read_paths

    return [a for a in read_paths([str(path)]) if isinstance(a, Article)]


def allsides_texts(n: int) -> list[tuple[str, str]]:
    """(id, text) of the first n allsides articles in shard order (a feed-like slice: a random
    sample of 37k articles from 2012-2020 holds almost no reuse to measure recall on)."""
    rows = []
    for shard in sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz")):
        with gzip.open(shard, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d.get("text"):
                    rows.append((str(d["id"]), d["text"]))
                    if len(rows) >= n:
                        return rows
    return rows
