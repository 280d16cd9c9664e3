"""The Python API, mirroring the CLI.

    >>> import storytrace
    >>> analysis = storytrace.analyze(["../shared/corpora/seeds"], out="out")   # doctest: +SKIP
    >>> [e["title"] for e in analysis.events]                                   # doctest: +SKIP
"""
from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from storytrace.pipeline import Options, analyze_store, ingest
from storytrace.store import AddResult, Store


class Analysis(dict):
    """The analysis document (a dict following the analysis.json contract) with attribute access
    to its top-level keys: `analysis.events`, `analysis.claims`, ..."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def article(self, article_id: str) -> dict[str, Any] | None:
        return next((a for a in self["articles"] if a["id"] == article_id), None)


@dataclass
class RunSummary:
    added: AddResult
    articles: int

    @property
    def ok(self) -> bool:
        return bool(self.added.new or self.added.duplicates)

    def line(self) -> str:
        a = self.added
        status = "partial: " if a.rejected and self.ok else ("failed: " if not self.ok else "")
        return (f"storytrace: {status}{len(a.new)} new, {len(a.duplicates)} already stored, "
                f"{len(a.rejected)} rejected; {self.articles} articles in the store")


def add(paths: Iterable[str | os.PathLike], db: str | os.PathLike, *, quiet: bool = True,
        options: Options | None = None) -> RunSummary:
    """Ingest inputs into the store at `db` (created if missing). Idempotent."""
    opts = options or Options(quiet=quiet)
    with Store(db) as store:
        res = ingest([str(p) for p in paths], store, opts)
        return RunSummary(res, store.count())


def add_texts(db: str | os.PathLike, items: list[tuple[str, bytes]], *, reanalyze: bool = True) -> dict[str, Any]:
    """Ingest in-memory inputs (uploads, pastes) named like files, then refresh the analysis.
    Used by the web UI."""
    from storytrace.ingest import read_bytes

    with Store(db) as store:
        res = AddResult()
        for name, data in items:
            res.merge(store.add(read_bytes(data, name)))
        placed: list[str] = []
        if reanalyze and res.new:
            from storytrace.stories.placement import describe, placements

            doc = analyze_store(store, Options(quiet=True))
            placed = [describe(p) for p in placements(doc, res.new)]  # where each new article landed
        return {"new": res.new, "duplicates": res.duplicates,
                "rejected": [r.to_dict() for r in res.rejected], "articles": store.count(), "placed": placed}


def write_outputs(doc: dict[str, Any], out: str | os.PathLike) -> tuple[Path, Path]:
    """Write DIR/analysis.json and DIR/report.html atomically (temp file + rename).

    Both are streamed to their files chunk by chunk: neither document is ever held as one
    string (at 5,000 articles that was a 145 MB JSON string plus a 211 MB page, 3.1 GB peak).
    report.html is bounded by `storytrace.report.ReportLimits` (the largest storylines in full,
    the rest listed; the page says what it left out); analysis.json holds everything.
    """
    from storytrace.report import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "analysis.json", out / "report.html")
    writers = (lambda fh: json.dump(doc, fh, ensure_ascii=False, indent=1), lambda fh: write_report(doc, fh))
    for p, write in zip(paths, writers):
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{p.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20) as fh:
                write(fh)
            # mkstemp makes the file private (0600); outputs get the permissions any new file
            # would get under the user's umask, so a report can be shared like other files.
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, p)
        except BaseException:
            # a failed render must not leave a half-written temp file (or replace the old output)
            Path(tmp).unlink(missing_ok=True)
            raise
    return paths


def analyze(paths: Iterable[str | os.PathLike], *, out: str | os.PathLike | None = None,
            db: str | os.PathLike | None = None, quiet: bool = True, embeddings: bool = False,
            engine: str = "local", spark_master: str | None = None, full: bool = False) -> Analysis:
    """Ingest `paths` and analyse the store. With `out`, also write analysis.json and report.html
    there; `db` defaults to `out/storytrace.db` (or a temporary store without `out`).

    Analysing a store again is incremental: results an earlier run kept (per article, per
    storyline) are reused where nothing they depend on changed. `full=True` recomputes everything;
    the analysis is the same either way."""
    opts = Options(quiet=quiet, embeddings=embeddings, engine=engine, spark_master=spark_master)
    tmp = None
    if db is None:
        if out is not None:
            db = Path(out) / "storytrace.db"
        else:
            tmp = tempfile.TemporaryDirectory(prefix="storytrace-")
            db = Path(tmp.name) / "storytrace.db"
    try:
        with Store(db) as store:
            ingest([str(p) for p in paths], store, opts)
            doc = analyze_store(store, opts, incremental=not full)
        if out is not None:
            write_outputs(doc, out)
        return Analysis(doc)
    finally:
        if tmp is not None:
            tmp.cleanup()


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read once (by setting it and putting it back: there is no getter; once,
    because the umask is process-wide and a web server's threads may be creating files)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

