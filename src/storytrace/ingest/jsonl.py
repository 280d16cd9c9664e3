"""JSON Lines (one article per line) and JSON files (an object or an array of objects)."""
from __future__ import annotations

import json
import re
from typing import Any, BinaryIO, Iterator

from storytrace.ingest import fields as F
from storytrace.ingest.decode import DecodeError, decode
from storytrace.ingest.limits import Limits, size_text
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


# A JSON "\\ud800" escape decodes to a lone surrogate, which no UTF-8 encoder (the article id,
# SQLite) accepts; valid pairs are already joined by json.loads, so any left is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _str(v: Any) -> str | None:
    if v is None:
        return None
    return _SURROGATE.sub("\ufffd", v if isinstance(v, str) else str(v))


def _pub(v: Any) -> Any:
    return _str(v) if isinstance(v, str) else v


def _annotation_of(obj: dict[str, Any]) -> str | None:
    """The id of the document this record annotates, when it is a span annotation
    (a reference to another document plus integer character offsets)."""
    ref = next((obj[k] for k in F.REFERENCE if isinstance(obj.get(k), (str, int)) and obj.get(k) != ""), None)
    if ref is None:
        return None
    for a, b in F.OFFSETS:
        if type(obj.get(a)) is int and type(obj.get(b)) is int:
            return str(ref)
    return None


def record_from_obj(obj: Any, path: str) -> Record | Rejection:
    if not isinstance(obj, dict):
        return Rejection(path, f"not an article object (a JSON {type(obj).__name__})")
    if (ref := _annotation_of(obj)) is not None:
        return Rejection(path, f"a span annotation of document {ref[:80]} (reference + character offsets), "
                               "not an article")
    text = F.first(obj, F.TEXT)
    html = F.first(obj, F.HTML)
    if not isinstance(text, str) and not isinstance(html, str):
        return Rejection(path, "no text field (looked for: " + ", ".join(F.TEXT[:4]) + ", ...)")
    s = _str
    return Record(path=path, text=_str(text) if isinstance(text, str) else None,
                  html=_str(html) if isinstance(html, str) and not isinstance(text, str) else None,
                  title=s(F.first(obj, F.TITLE)), url=s(F.first(obj, F.URL)), outlet=s(F.first(obj, F.OUTLET)),
                  byline=s(F.first(obj, F.BYLINE)), published=_pub(F.first(obj, F.PUBLISHED)),
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
    except ValueError as e:  # e.g. an integer of more than 4,300 digits: refuse this line, not the file
        return Rejection(where, f"malformed JSON: {str(e)[:200]}")


def read_jsonl(stream: BinaryIO, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    """One record or rejection per non-blank line; past `limits.max_rejections_per_file`
    rejections, the rest are summed up in one last rejection."""
    shown = hidden = 0

    def summary() -> Rejection:
        return Rejection(path, f"{hidden} more lines rejected (reasons not shown beyond the first {shown})")

    try:
        for item in _jsonl_lines(stream, path, limits):
            if isinstance(item, Rejection):
                if shown >= limits.max_rejections_per_file:
                    hidden += 1
                    continue
                shown += 1
            yield item
    except (ValueError, OSError, EOFError):
        if hidden:
            yield summary()
        raise
    if hidden:
        yield summary()


def _jsonl_lines(stream: BinaryIO, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    lineno = 0
    nonblank = False
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
            nonblank = True
            yield Rejection(where, f"line longer than {size_text(limits.max_article_bytes)}, far larger than a news article")
            continue
        if not line.strip():
            continue
        nonblank = True
        try:
            s, _ = decode(line)
        except DecodeError as e:
            yield Rejection(where, str(e))
            continue
        obj = _parse(s, where, limits)
        yield obj if isinstance(obj, Rejection) else record_from_obj(obj, where)
    if not nonblank:
        yield Rejection(path, "empty file: no JSON lines")


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
