"""Stage results kept between runs, so adding articles to a store costs in proportion to them.

Two kinds of memo, both exact by construction (a hit returns what the computation would return):

- per article: a pure function of one article (its event features, its attributions) stored
  under (stage, article id) with a `version` that hashes the code computing it and every article
  field it may read; a changed article or changed code is a miss, never a stale hit;
- per group: a function of a group's full inputs (one storyline's claims, its summary) stored
  under a hash of those inputs and the code version. A storyline that gained no article, edge or
  attribution is a hit; one that did is recomputed.

Nothing is written while stages run: `pending_*` collects the new entries, and the caller commits
them in the same transaction as the analysis (`Store.commit_analysis`), so a run killed midway
leaves the store exactly as it was.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from storytrace.model import Article

T = TypeVar("T")

_PKG = Path(__file__).resolve().parents[1]
# Modules every stage may import besides its own package: a change there invalidates all stages.
_SHARED = ("model.py", "dates.py", "text.py")
# Data packages whose tables stages read (a word-frequency table update changes event features).
_DATA_PACKAGES = ("wordfreq", "numpy")


@lru_cache(maxsize=None)
def code_version(*packages: str) -> str:
    """A hash of the source of `packages` (subpackages of storytrace), the shared modules and the
    versions of data packages: any edit to the code that computes a result retires its cache."""
    h = hashlib.blake2b(digest_size=8)
    files: list[Path] = []
    for p in packages:
        d = _PKG / p
        files += sorted(d.rglob("*.py")) if d.is_dir() else [d.with_suffix(".py")]
    files += [_PKG / f for f in _SHARED]
    for f in files:
        h.update(str(f.relative_to(_PKG)).encode())
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"-")
    for name in _DATA_PACKAGES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-".encode())
    return h.hexdigest()


def article_fingerprint(a: Article) -> str:
    """Hash of every field of an article a stage may read besides its text (the id already hashes
    the text): a later copy that fills in a missing date or title changes it."""
    fields = (a.id, a.title, a.outlet, a.byline, a.url, a.published, a.published_inferred, a.external_id,
              a.language, a.truncated, list(a.boilerplate_removed), a.path, len(a.text))
    return hashlib.blake2b(json.dumps(fields, ensure_ascii=False).encode("utf-8"), digest_size=8).hexdigest()


def encode(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def decode(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def roundtrip(value: Any) -> Any:
    """What a cache hit would return: computed values go through the same JSON form, so a full run
    and an incremental one see identical data (tuples become lists in both)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def group_key(stage: str, version: str, inputs: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{stage}\0{version}\0".encode())
    h.update(json.dumps(inputs, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return h.hexdigest()


class StageCache:
    """Reads cached stage results from a store and collects new ones for one commit.

    `hits` and `misses` count per stage, for the run's timings and the benchmarks.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pending_articles: list[tuple[str, str, str, bytes]] = []   # (stage, article id, version, data)
        self.pending_groups: list[tuple[str, str, bytes]] = []          # (stage, key, data)
        self.used_groups: dict[str, set[str]] = {}
        self.stats: dict[str, dict[str, int]] = {}

    def _count(self, stage: str, hits: int, misses: int) -> None:
        s = self.stats.setdefault(stage, {"hits": 0, "misses": 0})
        s["hits"] += hits
        s["misses"] += misses

    def per_article(self, stage: str, version: str, articles: Iterable[Article],
                    compute: Callable[[Article], Any]) -> dict[str, Any]:
        """{article id: result} for every article, computing (and queueing for storage) only those
        whose stored result is missing or was made by other code or from other article fields."""
        arts = list(articles)
        want = {a.id: f"{version}:{article_fingerprint(a)}" for a in arts}
        stored = self.store.load_article_results(stage, want)
        out: dict[str, Any] = {}
        misses = 0
        for a in arts:
            if a.id in out:
                continue
            blob = stored.get(a.id)
            if blob is not None:
                out[a.id] = decode(blob)
                continue
            misses += 1
            value = roundtrip(compute(a))
            out[a.id] = value
            self.pending_articles.append((stage, a.id, want[a.id], encode(value)))
        self._count(stage, len(out) - misses, misses)
        return out

    def per_group(self, stage: str, version: str, inputs: Any, compute: Callable[[], T]) -> Any:
        """The result of `compute()` for a group whose inputs are fully described by `inputs`."""
        key = group_key(stage, version, inputs)
        self.used_groups.setdefault(stage, set()).add(key)
        blob = self.store.load_group_result(stage, key)
        if blob is not None:
            self._count(stage, 1, 0)
            return decode(blob)
        value = roundtrip(compute())
        self.pending_groups.append((stage, key, encode(value)))
        self._count(stage, 0, 1)
        return value
