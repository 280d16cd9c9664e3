"""Opening inputs as byte streams: files, gzip (with a cap against bombs), stdin."""
from __future__ import annotations

import gzip
import io
import zlib
from typing import BinaryIO

from storytrace.ingest.limits import size_text

GZIP_MAGIC = b"\x1f\x8b"


class InputTooLarge(ValueError):
    pass


# Decompressed bytes allowed before the ratio check applies (small files may compress well).
RATIO_FLOOR = 8 * 1024 * 1024


class CappedReader(io.RawIOBase):
    """A byte stream that refuses to yield more than `cap` bytes (oversize inputs), or, over a
    compressed source, more than `ratio` times the compressed bytes consumed so far (bombs), and
    says so with a reason instead of exhausting memory."""

    def __init__(self, inner: BinaryIO, cap: int, what: str, *, source: BinaryIO | None = None,
                 ratio: int | None = None):
        self.inner, self.cap, self.what, self.count = inner, cap, what, 0
        self.source, self.ratio = source, ratio

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        # Deliver up to the cap exactly, and refuse on the next byte: a read-ahead buffer larger
        # than the cap must not discard the complete records that fit under it.
        room = self.cap - self.count
        try:
            n = self.inner.readinto(memoryview(b)[: room if room > 0 else 1])  # type: ignore[attr-defined]
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"corrupt compressed data ({e})") from None
        self.count += n or 0
        if self.count > self.cap:
            raise InputTooLarge(f"{self.what} exceeds {size_text(self.cap)}")
        if self.ratio and self.source is not None and self.count > RATIO_FLOOR:
            consumed = max(self.source.tell(), 1)
            if self.count > self.ratio * consumed:
                raise InputTooLarge(f"{self.what} expands more than {self.ratio}x: refused as a decompression bomb")
        return n or 0

    def close(self) -> None:
        self.inner.close()
        super().close()


class Observed(io.RawIOBase):
    """A raw stream over `inner` that shows every chunk read to `seen` (which may raise to refuse
    the stream). The one adapter behind byte counting and the WARC line guard."""

    def __init__(self, inner: BinaryIO, seen):
        self.inner, self.seen = inner, seen

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.seen(data)
        return n


class _Counting(Observed):
    """Counts the bytes read from a source that may not support tell() (stdin, pipes)."""

    def __init__(self, inner: BinaryIO):
        self.consumed = 0
        super().__init__(inner, self._count)

    def _count(self, data: bytes) -> None:
        self.consumed += len(data)

    def tell(self) -> int:
        return self.consumed


def open_bytes(raw: BinaryIO, cap: int, ratio: int) -> tuple[BinaryIO, bool]:
    """Wrap a raw binary stream: transparently gunzip when it starts with the gzip magic.
    Returns (stream, was_gzip). The cap applies to the decompressed bytes."""
    counted = _Counting(raw)
    buffered = io.BufferedReader(counted, 1024 * 1024)
    head = buffered.peek(2)[:2]
    if head == GZIP_MAGIC:
        inner = gzip.GzipFile(fileobj=buffered, mode="rb")
        capped = CappedReader(inner, cap, "decompressed data", source=counted, ratio=ratio)  # type: ignore[arg-type]
        return io.BufferedReader(capped, 1024 * 1024), True
    return io.BufferedReader(CappedReader(buffered, cap, "input"), 1024 * 1024), False  # type: ignore[arg-type]


def read_capped(stream: BinaryIO, cap: int, what: str = "file") -> bytes:
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise InputTooLarge(f"{what} is larger than {size_text(cap)}, far larger than a news article")
    return data
