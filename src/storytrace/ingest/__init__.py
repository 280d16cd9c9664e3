"""Readers: any path (file, directory, gzip, stdin) -> Articles and Rejections.

Every input becomes either an `Article` (cleaned, with metadata) or a `Rejection` with a
one-line reason naming the input (and line or item). A bad input never stops the batch.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from storytrace.ingest.decode import DecodeError, decode, looks_binary
from storytrace.ingest.feeds import is_feed, read_feed
from storytrace.ingest.jsonl import read_json, read_jsonl
from storytrace.ingest.limits import DEFAULT_LIMITS, Limits
from storytrace.ingest.record import Record, fingerprint, to_article
from storytrace.ingest.streams import InputTooLarge, open_bytes, read_capped
from storytrace.ingest.warc import read_warc
from storytrace.model import Article, Rejection

__all__ = ["read_paths", "read_records", "read_bytes", "iter_files", "to_article", "fingerprint", "Record",
           "Limits", "DEFAULT_LIMITS"]

_EXT_FORMAT = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".html": "html", ".htm": "html",
               ".xhtml": "html", ".xml": "feed", ".rss": "feed", ".atom": "feed", ".warc": "warc",
               ".arc": "warc", ".txt": "text", ".text": "text", ".md": "text"}
CONTAINERS = {"jsonl", "json", "feed", "warc"}
# Files that document a folder rather than hold news: skipped when a directory is walked (a
# dataset folder's README would otherwise become an article), read when named explicitly.
_FOLDER_DOCS = re.compile(r"^(readme|license|licence|copying|changelog|changes|contributing|authors|notice|"
                          r"citation)(\.[a-z0-9]{1,8})*$", re.IGNORECASE)


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Files under the given paths, directories walked recursively in sorted order; hidden
    files and folder documentation (README, LICENSE...) met in a walk skipped. '-' stands for
    standard input."""
    for name, walked in _walk(paths):
        if not (walked and is_folder_doc(name)):
            yield name


def is_folder_doc(name: str) -> bool:
    """README, LICENSE, CHANGELOG... : a folder's documentation, not an article."""
    return bool(_FOLDER_DOCS.match(os.path.basename(name)))


def _walk(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[str, bool]]:
    """(file, found by walking a directory?) for every input path."""
    for p in paths:
        p = str(p)
        if p != "-" and os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield os.path.join(root, f), True
        else:
            yield p, False


def format_of(name: str, head: bytes) -> str:
    """The format from the name (gzip suffix dropped) or, failing that, from the content."""
    n = name.lower()
    for suffix in (".gz", ".gzip"):
        if n.endswith(suffix):
            n = n[: -len(suffix)]
    ext = os.path.splitext(n)[1]
    if ext in _EXT_FORMAT:
        return _EXT_FORMAT[ext]
    h = head.lstrip()[:512].lower()
    if h.startswith(b"warc/"):
        return "warc"
    if h.startswith(b"{"):
        return "jsonl"
    if h.startswith(b"["):
        return "json"
    if is_feed(head):
        return "feed"
    if h.startswith(b"<!doctype html") or b"<html" in h or b"<body" in h:
        return "html"
    return "text"


def _single(data: bytes, name: str, fmt: str, limits: Limits) -> Iterator[Record | Rejection]:
    if not data.strip():
        yield Rejection(name, "empty file")
        return
    if looks_binary(data):
        yield Rejection(name, "binary file, not text")
        return
    if fmt == "html":
        yield Record(path=name, html=data)
        return
    try:
        text, _ = decode(data)
    except DecodeError as e:
        yield Rejection(name, str(e))
        return
    yield Record(path=name, text=text, parse_header=True)


def read_stream(raw: BinaryIO, name: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Article | Rejection]:
    """Read one input stream of any supported format."""
    for r in stream_records(raw, name, limits):
        yield r if isinstance(r, Rejection) else to_article(r, limits)


def stream_records(raw: BinaryIO, name: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Record | Rejection]:
    """The raw records of one input stream, before cleaning."""
    try:
        stream, _ = open_bytes(raw, limits.max_container_bytes, limits.max_gzip_ratio)
        head = stream.peek(4096)[:4096]  # type: ignore[attr-defined]
        fmt = format_of(name, head)
        if fmt == "jsonl":
            records: Iterable[Record | Rejection] = read_jsonl(stream, name, limits)
        elif fmt == "warc":
            records = read_warc(stream, name, limits)
        else:
            cap = limits.max_article_bytes if fmt not in CONTAINERS else limits.max_container_bytes
            data = read_capped(stream, cap, "file")
            if fmt == "json":
                records = read_json(data, name, limits)
            elif fmt == "feed" or (fmt == "text" and is_feed(data[:4096])):
                records = read_feed(data, name, limits)
            else:
                records = _single(data, name, fmt, limits)
        yield from records
    except InputTooLarge as e:
        yield Rejection(name, str(e))
    except (OSError, EOFError, ValueError) as e:
        yield Rejection(name, f"unreadable: {e}")


def read_bytes(data: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> list[Article | Rejection]:
    """Read an in-memory input (an upload, a paste) as if it were a file called `name`."""
    import io
    return list(read_stream(io.BytesIO(data), name, limits))


def read_paths(paths: Iterable[str | os.PathLike], limits: Limits = DEFAULT_LIMITS) -> Iterator[Article | Rejection]:
    """Articles and rejections from files, directories, gzip files and '-' (stdin)."""
    for r in read_records(paths, limits):
        yield r if isinstance(r, Rejection) else to_article(r, limits)


def read_records(paths: Iterable[str | os.PathLike], limits: Limits = DEFAULT_LIMITS) -> Iterator[Record | Rejection]:
    """Raw records (before cleaning) and rejections of every input under `paths`."""
    for name, walked in _walk(paths):
        if walked and is_folder_doc(name):
            yield Rejection(name, "skipped: the folder's documentation, not an article (name the file to read it)")
            continue
        if name == "-":
            yield from stream_records(sys.stdin.buffer, "<stdin>", limits)
            continue
        path = Path(name)
        if not path.exists():
            yield Rejection(name, "no such file or directory")
            continue
        if not path.is_file():
            yield Rejection(name, "not a regular file")
            continue
        try:
            with open(path, "rb") as fh:
                yield from stream_records(fh, name, limits)
        except PermissionError:
            yield Rejection(name, "permission denied")
        except OSError as e:
            yield Rejection(name, f"unreadable: {e.strerror or e}")
