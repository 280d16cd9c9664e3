"""What event clustering keeps in the store between runs, as bytes: a JSON header and flat arrays.

Two things are kept (both exact to reuse, see their owners): the candidate pair graph
(`pairs.KnownPairs`) and what `EventIndex.result()` computed per event, event pair and storyline
(`EventIndex.result_memo`). Arrays are raw little-endian bytes, because at tens of thousands of
articles they hold millions of pairs; everything is deflated at level 1 (it is written every run).
"""
from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np

_DTYPES = {"i4": "<i4", "i8": "<i8", "f8": "<f8"}


def pack(header: dict[str, Any], arrays: list[tuple[np.ndarray, str]]) -> bytes:
    """`header` (JSON data) and `arrays` as (array, one of "i4", "i8", "f8"), one deflated blob."""
    head = json.dumps({"h": header, "a": [[kind, int(len(a))] for a, kind in arrays]},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    z = zlib.compressobj(1)
    parts = [z.compress(len(head).to_bytes(8, "little") + head)]
    for a, kind in arrays:
        parts.append(z.compress(np.ascontiguousarray(a, dtype=_DTYPES[kind]).tobytes()))
    parts.append(z.flush())
    return b"".join(parts)


def unpack(blob: bytes) -> tuple[dict[str, Any], list[np.ndarray]]:
    """`pack`'s header and arrays: read-only views into the decompressed bytes where the machine is
    little-endian (no second copy of millions of pairs), native copies otherwise. Raises ValueError
    on a damaged blob."""
    try:
        raw = zlib.decompress(blob)
    except zlib.error as e:
        raise ValueError(f"not a packed blob: {e}") from None
    n = int.from_bytes(raw[:8], "little")
    meta = json.loads(raw[8:8 + n])
    at, out = 8 + n, []
    for kind, m in meta["a"]:
        dt = np.dtype(_DTYPES[kind])
        if at + m * dt.itemsize > len(raw):
            raise ValueError("packed blob is truncated")
        view = np.frombuffer(raw, dt, m, at)
        out.append(view if dt.isnative else view.astype(dt.newbyteorder("=")))
        at += m * dt.itemsize
    return meta["h"], out
