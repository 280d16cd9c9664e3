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
leaves the store exactly as it was. The pending entries wait in an anonymous temporary file, not
in memory (`Spill`): a first run at 37k articles queues about half a gigabyte of them.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import zlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

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


def as_stored(value: Any) -> tuple[Any, bytes]:
    """What a cache hit would return, and `encode(value)`, from one serialisation. Computed values
    go through the same JSON form as stored ones, so a full run and an incremental one see identical
    data (tuples become lists in both); serialising twice was a fifth of an increment's JSON work."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.loads(text), zlib.compress(text.encode("utf-8"), 1)


def group_key(stage: str, version: str, inputs: Any) -> str:
    """Hash of a group's inputs: their canonical JSON (sorted keys, no spaces), fed to the hash in
    pieces (`_canonical_json`) so a large storyline's inputs are never one string in memory."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{stage}\0{version}\0".encode())
    for piece in _canonical_json(inputs):
        h.update(piece.encode("utf-8"))
    return h.hexdigest()


_KEY_CHUNK = 500  # list items per json.dumps call in `_canonical_json`


def _canonical_json(value: Any) -> Iterator[str]:
    """`json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))` in pieces
    whose concatenation is exactly that string: dicts key by key, long lists a slice at a time."""
    if isinstance(value, dict) and value and all(type(k) is str for k in value):  # json.dumps itself for other keys
        for i, (k, v) in enumerate(sorted(value.items())):
            yield ("{" if i == 0 else ",") + json.dumps(k, ensure_ascii=False) + ":"
            yield from _canonical_json(v)
        yield "}"
    elif isinstance(value, (list, tuple)) and len(value) > _KEY_CHUNK:
        for i in range(0, len(value), _KEY_CHUNK):
            part = json.dumps(value[i:i + _KEY_CHUNK], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            yield ("[" if i == 0 else ",") + part[1:-1]
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_LEN = struct.Struct("<I")


class Spill:
    """An append-only list of tuples of str/bytes kept in an anonymous temporary file (deleted by
    the OS when closed or when the process dies), with a small write buffer in memory.

    Iterating reads the items back in order without loading them all; `len`, `bool` and `clear`
    behave as on a list. Used for the stage results a run queues until its commit: they are
    written once and read once, so holding them in memory was pure cost."""

    _FLUSH = 4 << 20  # bytes buffered before a write to the file

    def __init__(self) -> None:
        self._f: Any = None
        self._buf: list[bytes] = []
        self._buffered = 0
        self._size = 0  # bytes in the file
        self._n = 0

    def append(self, item: tuple) -> None:
        # One record: a count of fields, then each field as (kind, length, bytes).
        parts = [_LEN.pack(len(item))]
        for x in item:
            b, kind = (x, b"b") if isinstance(x, (bytes, bytearray)) else (str(x).encode("utf-8"), b"s")
            parts += [kind, _LEN.pack(len(b)), bytes(b)]
        rec = b"".join(parts)
        self._buf.append(rec)
        self._buffered += len(rec)
        self._n += 1
        if self._buffered >= self._FLUSH:
            self._flush()

    def extend(self, items: Iterable[tuple]) -> None:
        for it in items:
            self.append(it)

    def _flush(self) -> None:
        if not self._buf:
            return
        if self._f is None:
            self._f = tempfile.TemporaryFile(prefix="storytrace-pending-")
        data = b"".join(self._buf)
        os.pwrite(self._f.fileno(), data, self._size)
        self._size += len(data)
        self._buf.clear()
        self._buffered = 0

    def __iter__(self) -> Iterator[tuple]:
        self._flush()
        if self._f is None:
            return
        fd, end = self._f.fileno(), self._size
        st = {"chunk": b"", "pos": 0, "off": 0}

        def take(n: int) -> bytes:
            # The next n bytes of the file, reading ahead a window of at least 1 MiB.
            while len(st["chunk"]) - st["pos"] < n:
                more = os.pread(fd, max(1 << 20, n), st["off"])
                if not more:
                    raise ValueError("truncated spill file")
                st["off"] += len(more)
                st["chunk"], st["pos"] = st["chunk"][st["pos"]:] + more, 0
            b = st["chunk"][st["pos"]:st["pos"] + n]
            st["pos"] += n
            return b

        for _ in range(self._n):
            (k,) = _LEN.unpack(take(4))
            fields: list[Any] = []
            for _ in range(k):
                head = take(5)
                b = take(_LEN.unpack_from(head, 1)[0])
                fields.append(b if head[:1] == b"b" else b.decode("utf-8"))
            yield tuple(fields)

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def clear(self) -> None:
        if self._f is not None:
            self._f.close()
        self.__init__()


class StageCache:
    """Reads cached stage results from a store and collects new ones for one commit.

    `hits` and `misses` count per stage, for the run's timings and the benchmarks.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pending_articles = Spill()   # (stage, article id, version, data)
        self.pending_groups = Spill()     # (stage, key, data)
        self.used_groups: dict[str, set[str]] = {}
        self.stats: dict[str, dict[str, int]] = {}

    def count(self, stage: str, hits: int, misses: int) -> None:
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
            value, blob = as_stored(compute(a))
            out[a.id] = value
            self.pending_articles.append((stage, a.id, want[a.id], blob))
        self.count(stage, len(out) - misses, misses)
        return out

    def load_groups(self, stage: str, keys: list[str]) -> dict[str, Any]:
        """Stored group results of `stage` for `keys` (one query per 500), decoded; every key
        asked for counts as used by this run (kept at commit) and as a hit or a miss."""
        used = self.used_groups.setdefault(stage, set())
        used.update(keys)
        out: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            for key, blob in self.store.conn.execute(
                    f"SELECT key, data FROM group_results WHERE stage = ? AND key IN ({','.join('?' * len(chunk))})",
                    [stage, *chunk]):
                out[key] = decode(blob)
        self.count(stage, len(out), len(set(keys)) - len(out))
        return out

    def add_group(self, stage: str, key: str, value: Any) -> None:
        """Queue a group result computed by the caller (committed with the analysis)."""
        self.add_bytes(stage, key, encode(value))

    def load_bytes(self, stage: str, key: str) -> bytes | None:
        """A stored group result's bytes (None when absent); the key counts as used by this run,
        so it is kept at commit even if nothing replaces it."""
        self.used_groups.setdefault(stage, set()).add(key)
        return self.store.load_group_result(stage, key)

    def add_bytes(self, stage: str, key: str, blob: bytes) -> None:
        """Queue a group result's bytes (`encode`d, or a stage's own encoding, e.g. arrays),
        committed with the analysis."""
        self.used_groups.setdefault(stage, set()).add(key)
        self.pending_groups.append((stage, key, blob))

    def per_group(self, stage: str, version: str, inputs: Any, compute: Callable[[], T]) -> Any:
        """The result of `compute()` for a group whose inputs are fully described by `inputs`."""
        key = group_key(stage, version, inputs)
        blob = self.load_bytes(stage, key)
        if blob is not None:
            self.count(stage, 1, 0)
            return decode(blob)
        value, blob = as_stored(compute())
        self.add_bytes(stage, key, blob)
        self.count(stage, 0, 1)
        return value


class PairCache:
    """Per-pair reuse results (reuse.pairs.PairResult as dicts) kept in the store's group results.

    A pair's key hashes both articles' ids (the id hashes the text) and fingerprints (dates,
    truncation, every field alignment and direction may read), the reuse code version and the
    caller's `extra` (the pair's same-story cosine, whether the paraphrase model is on). What
    the corpus adds to a pair result (which shared passages recur as page furniture) is checked
    by the caller on every hit (PairResult.valid_under). New results are queued on the
    StageCache and committed with the analysis (Store.commit_analysis); keys not used by a run
    are dropped then, so the table holds the current analysis' pairs only.
    """

    def __init__(self, cache: StageCache, version: str | None = None, stage: str = "reuse_pairs") -> None:
        self.cache = cache
        self.stage = stage
        self.version = version or code_version("reuse")
        self._fp: dict[str, str] = {}

    def _fingerprint(self, a: Article) -> str:
        fp = self._fp.get(a.id)
        if fp is None:
            fp = self._fp[a.id] = article_fingerprint(a)
        return fp

    def key(self, a: Article, b: Article, extra: Any = None) -> str:
        h = hashlib.blake2b(digest_size=16)
        h.update(json.dumps([self.stage, self.version, a.id, self._fingerprint(a), b.id, self._fingerprint(b), extra],
                            separators=(",", ":")).encode("utf-8"))
        return h.hexdigest()

    def load(self, keys: list[str]) -> dict[str, Any]:
        return self.cache.load_groups(self.stage, keys)

    def save(self, key: str, value: Any) -> None:
        self.cache.add_group(self.stage, key, value)


class ArticleBlobs:
    """Per-article binary results that depend on the article's text alone (its id hashes the
    text), e.g. the reuse stage's signatures and term vectors (reuse.prep.Prep.to_bytes), kept
    in the store's article results under `stage` with the code version. Misses are computed in
    one batch by the caller's function and committed with the analysis."""

    def __init__(self, cache: StageCache, stage: str, version: str) -> None:
        self.cache, self.stage, self.version = cache, stage, version

    def get(self, articles: list[Article], compute: Callable[[list[Article]], list[bytes]]) -> dict[str, bytes]:
        want = {a.id: self.version for a in articles}
        out = dict(self.cache.store.load_article_results(self.stage, want))
        todo = [a for a in {a.id: a for a in articles}.values() if a.id not in out]
        if todo:
            for a, blob in zip(todo, compute(todo)):
                out[a.id] = blob
                self.cache.pending_articles.append((self.stage, a.id, self.version, blob))
        self.cache.count(self.stage, len(want) - len(todo), len(todo))
        return out

