"""`storytrace` command line: small composable commands over one SQLite store."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storytrace import __version__
from storytrace.pipeline import Options

DEFAULT_CORPUS = "../shared/corpora/seeds"

ANALYZE_EXAMPLE = """example:
  storytrace analyze ../shared/corpora/seeds --out out
      -> out/analysis.json, out/report.html, out/storytrace.db
  storytrace analyze feeds/ archive.warc.gz more.jsonl --out out --db news.db --quiet
  cat article.txt | storytrace analyze - --out out
"""
ADD_EXAMPLE = """example:
  storytrace add ../shared/corpora/seeds --db news.db
  storytrace add new-articles.jsonl --db news.db     # only new articles are stored
  storytrace analyze --db news.db --out out           # analyse what the store holds
      (incremental: results kept from earlier runs are reused where nothing they depend on
       changed; --full recomputes everything and gives the same analysis)
"""
SERVE_EXAMPLE = """example:
  storytrace serve --db out/storytrace.db --port 8000   # then open http://127.0.0.1:8000/
"""
EXPORT_EXAMPLE = """example:
  storytrace export --db out/storytrace.db --format graphml --out graph/   # derivations for Gephi
  storytrace export --db out/storytrace.db --format csv --out csv/
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="storytrace", description="Trace how a news story travels across outlets.",
                                 epilog=ANALYZE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"storytrace {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True)

    a = sub.add_parser("analyze", help="ingest inputs and write analysis.json + report.html",
                       epilog=ANALYZE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("paths", nargs="*", help="files, directories, '-' for stdin (text, HTML, JSONL, RSS/Atom, WARC, .gz)")
    a.add_argument("--out", required=True, help="output directory")
    a.add_argument("--db", help="store file kept between runs (default: OUT/storytrace.db)")
    a.add_argument("--engine", choices=["local", "spark"], default="local", help="engine for corpus-wide stages")
    a.add_argument("--spark-master", help="Spark master URL (with --engine spark; default local[*])")
    a.add_argument("--embeddings", action="store_true",
                   help="use the optional sentence-embedding model: paraphrase alignment, and headline meaning "
                        "in event clustering (articles published within a week)")
    a.add_argument("--full", action="store_true",
                   help="recompute every stage from scratch instead of reusing the results an earlier "
                        "run kept in the store (same analysis, slower)")
    _common(a)

    d = sub.add_parser("add", help="ingest inputs into a store (incremental, idempotent)",
                       epilog=ADD_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("paths", nargs="+", help="files, directories, '-' for stdin")
    d.add_argument("--db", required=True, help="store file (created if missing)")
    d.add_argument("--analyze", action="store_true", help="refresh the stored analysis after adding")
    _common(d)

    s = sub.add_parser("serve", help="web UI over a store (127.0.0.1 by default)",
                       epilog=SERVE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--db", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--max-upload-mb", type=_positive_mb, default=20,
                   help="largest upload or paste the server accepts, in MiB (default 20)")
    _common(s)

    e = sub.add_parser("export", help="export articles, claims, derivations as csv, jsonl or graphml",
                       epilog=EXPORT_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--db", required=True)
    e.add_argument("--format", choices=["csv", "jsonl", "graphml"], required=True)
    e.add_argument("--out", required=True, help="output directory")
    _common(e)
    return ap


def _analyze(args: argparse.Namespace) -> int:
    from storytrace.api import RunSummary, write_outputs
    from storytrace.pipeline import analyze_store, ingest
    from storytrace.store import AddResult, Store

    if args.engine == "spark":
        from storytrace.engines import check_spark

        problem = check_spark(args.spark_master)
        if problem:
            print(f"storytrace: {problem}", file=sys.stderr)
            return 2
    if not args.paths and not args.db:
        print("storytrace: nothing to analyse: give input paths, or --db with a store", file=sys.stderr)
        return 2
    opts = Options(quiet=args.quiet, engine=args.engine, spark_master=args.spark_master, embeddings=args.embeddings)
    db = Path(args.db) if args.db else Path(args.out) / "storytrace.db"
    with Store(db) as store:
        added = ingest(args.paths, store, opts) if args.paths else AddResult()
        summary = RunSummary(added, store.count())
        if args.paths and not summary.ok:
            print(summary.line(), file=sys.stderr)
            return 1
        try:
            doc = analyze_store(store, opts, incremental=not args.full)
        except RuntimeError as e:
            from storytrace.engines.spark import SparkJobFailed, SparkUnavailable
            if not isinstance(e, (SparkJobFailed, SparkUnavailable)):
                raise
            print(f"storytrace: {e} (the store is unchanged; --engine local runs on this machine alone)",
                  file=sys.stderr)
            return 2
    json_path, html_path = write_outputs(doc, args.out)
    for n in doc.get("stage_notes", []):
        print(f"storytrace: stage {n['stage']} {n['status']}: {n['detail']}", file=sys.stderr)
    if not args.quiet:
        _print_reuse(doc)
    print(summary.line() if args.paths else f"storytrace: analysed the {summary.articles} articles in {db}")
    print(f"storytrace: wrote {json_path} and {html_path}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from storytrace.api import RunSummary
    from storytrace.pipeline import analyze_store, ingest
    from storytrace.store import Store

    opts = Options(quiet=args.quiet)
    with Store(args.db) as store:
        added = ingest(args.paths, store, opts)
        summary = RunSummary(added, store.count())
        if args.analyze and added.new:
            doc = analyze_store(store, opts)
            if not args.quiet:
                _print_reuse(doc)
            _print_placements(doc, added.new)
    print(summary.line())
    return 0 if summary.ok else 1


PLACEMENT_LINES = 20  # placements listed one per line; beyond that only the counts


def _print_placements(doc: dict, new_ids: list[str]) -> None:
    """Where each new article landed (the event it joined or started, its storyline), as the
    analysis of the grown store decided: a line per article, then the counts."""
    from collections import Counter

    from storytrace.stories.placement import describe, placements

    ps = placements(doc, new_ids)
    for p in ps[:PLACEMENT_LINES]:
        print(f"storytrace: placed {describe(p)}")
    if ps:
        counts = Counter(p["placement"] for p in ps)
        more = f" ({len(ps) - PLACEMENT_LINES} not listed)" if len(ps) > PLACEMENT_LINES else ""
        print(f"storytrace: placed {len(ps)} new article(s){more}: "
              + "; ".join(f"{kind}: {n}" for kind, n in counts.most_common()))


def _print_reuse(doc: dict) -> None:
    """One stderr line saying how much of the analysis came from results kept by earlier runs."""
    cached = doc.get("cached_results") or {}
    if any(c.get("hits") for c in cached.values()):
        parts = ", ".join(f"{k} {c['misses']} of {c['hits'] + c['misses']}" for k, c in cached.items())
        print(f"storytrace: incremental analysis, computed only: {parts} (the rest reused from the store)",
              file=sys.stderr)


def _positive_mb(v: str) -> float:
    try:
        mb = float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of MiB: {v!r}") from None
    if not 0 < mb <= 1024:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 1024 MiB")
    return mb


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn  # noqa: F401
        from storytrace.web import serve
    except ImportError as e:
        print(f"storytrace: the web UI needs the 'web' extra: pip install 'storytrace[web]' ({e})", file=sys.stderr)
        return 2
    if not Path(args.db).exists():
        print(f"storytrace: no store at {args.db} (create one with storytrace add or analyze)", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"storytrace: serving {args.db} on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    serve(args.db, args.host, args.port, max_upload_bytes=int(args.max_upload_mb * 1024 * 1024))
    return 0


def _export(args: argparse.Namespace) -> int:
    from storytrace.export import export
    from storytrace.store import Store

    if not Path(args.db).exists():
        print(f"storytrace: no store at {args.db}", file=sys.stderr)
        return 2
    with Store(args.db) as store:
        doc = store.load_analysis()
    if doc is None:
        print(f"storytrace: {args.db} holds no analysis yet: run storytrace analyze --db {args.db} --out DIR",
              file=sys.stderr)
        return 1
    for p in export(doc, Path(args.out), args.format):
        print(p)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"analyze": _analyze, "add": _add, "serve": _serve, "export": _export}
    try:
        return handlers[args.cmd](args)
    except KeyboardInterrupt:
        print("storytrace: interrupted; the store keeps every batch committed so far", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
