"""JSON Lines (one article per line) and JSON files (an object or an array of objects)."""
from __future__ import annotations

import json
import re
from typing import Any, BinaryIO, Iterator

from storytrace.ingest import fields as F
from storytrace.ingest.decode import DecodeError, decode
from storytrace.ingest.limits import Limits
from storytrace.ingest.record import Record
from storytrace.model import Rejection


def _depth(obj: Any, limit: int) -> bool:
    """True when `obj` nests deeper than `limit` (checked iteratively: no recursion)."""
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if d > limit:
            return True
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)
    return False


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _precheck_depth(s: str, limit: int) -> bool:
    """Nesting depth from the brackets outside strings, before json.loads, so hostile nesting
    never reaches the parser (regexes keep this in C: it runs on every line)."""
    if s.count("[") + s.count("{") <= limit:
        return False
    depth = 0
    for b in _BRACKETS.findall(_JSON_STRING.sub("", s)):
        depth += 1 if b in "[{" else -1
        if depth > limit:
            return True
    return False


def record_from_obj(obj: Any, path: str) -> Record | Rejection:
    if not isinstance(obj, dict):
        return Rejection(path, f"not an article object (a JSON {type(obj).__name__})")
    text = F.first(obj, F.TEXT)
    html = F.first(obj, F.HTML)
    if not isinstance(text, str) and not isinstance(html, str):
        return Rejection(path, "no text field (looked for: " + ", ".join(F.TEXT[:4]) + ", ...)")
    def s(v: Any) -> str | None:
        return None if v is None else str(v)
    return Record(path=path, text=text if isinstance(text, str) else None,
                  html=html if isinstance(html, str) and not isinstance(text, str) else None,
                  title=s(F.first(obj, F.TITLE)), url=s(F.first(obj, F.URL)), outlet=s(F.first(obj, F.OUTLET)),
                  byline=s(F.first(obj, F.BYLINE)), published=F.first(obj, F.PUBLISHED),
                  external_id=s(F.first(obj, F.ID)), language=s(F.first(obj, F.LANGUAGE)))


def _parse(s: str, where: str, limits: Limits) -> Any | Rejection:
    if _precheck_depth(s, limits.max_json_depth):
        return Rejection(where, f"JSON nested deeper than {limits.max_json_depth} levels: refused")
    try:
        return json.loads(s)
    except json.JSONDecodeError as e:
        return Rejection(where, f"malformed JSON: {e.msg} at column {e.colno}")
    except RecursionError:
        return Rejection(where, "JSON nested too deeply: refused")


def read_jsonl(stream: BinaryIO, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    lineno = 0
    while True:
        line = stream.readline(limits.max_article_bytes + 1)
        if not line:
            break
        lineno += 1
        where = f"{path}:{lineno}"
        if len(line) > limits.max_article_bytes and not line.endswith(b"\n"):
            # Skip the rest of the over-long line without holding it in memory.
            while line and not line.endswith(b"\n"):
                line = stream.readline(1024 * 1024)
            yield Rejection(where, f"line longer than {limits.max_article_bytes // (1024 * 1024)} MiB, far larger than a news article")
            continue
        if not line.strip():
            continue
        try:
            s, _ = decode(line)
        except DecodeError as e:
            yield Rejection(where, str(e))
            continue
        obj = _parse(s, where, limits)
        yield obj if isinstance(obj, Rejection) else record_from_obj(obj, where)


def read_json(data: bytes, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    try:
        s, _ = decode(data)
    except DecodeError as e:
        yield Rejection(path, str(e))
        return
    obj = _parse(s, path, limits)
    if isinstance(obj, Rejection):
        # Maybe it is JSON Lines under a .json name.
        import io
        if s.lstrip().startswith("{") and "\n" in s.strip():
            yield from read_jsonl(io.BytesIO(data), path, limits)
        else:
            yield obj
        return
    if isinstance(obj, dict):
        for key in ("articles", "items", "data", "results", "documents"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
    if isinstance(obj, list):
        for i, o in enumerate(obj):
            yield record_from_obj(o, f"{path}[{i}]")
    else:
        yield record_from_obj(obj, path)
