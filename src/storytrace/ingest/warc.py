"""WARC / WARC.gz archives: the HTML response records, one article each."""
from __future__ import annotations

import io
from typing import BinaryIO, Iterator

from storytrace.ingest.limits import Limits
from storytrace.ingest.record import Record
from storytrace.ingest.streams import InputTooLarge, Observed
from storytrace.model import Rejection


class _LineGuard(Observed):
    """Refuses a stream once `cap` bytes pass without a newline. warcio's readline joins its
    buffer blocks by repeated concatenation (quadratic in the line length), so a newline-free
    blob (zeros, a bomb, garbage after a record) would otherwise stall the reader for minutes."""

    def __init__(self, inner: BinaryIO, cap: int):
        self.cap, self.run = cap, 0
        super().__init__(inner, self._check)

    def _check(self, data: bytes) -> None:
        nl = data.rfind(b"\n")
        self.run = self.run + len(data) if nl < 0 else len(data) - nl - 1
        if self.run > self.cap:
            raise InputTooLarge(f"a line longer than {self.cap} bytes: not a WARC archive")


def read_warc(stream: BinaryIO, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    head = stream.peek(64)[:64].lstrip() if hasattr(stream, "peek") else b"WARC/"  # type: ignore[attr-defined]
    if head and not head.startswith((b"WARC/", b"filedesc://")):  # WARC/1.x, or the older ARC
        yield Rejection(path, "malformed WARC: does not start with a WARC/1.x record header")
        return
    n = 0
    try:
        for rec in ArchiveIterator(io.BufferedReader(_LineGuard(stream, limits.max_article_bytes), 1024 * 1024)):
            if rec.rec_type != "response":
                continue
            uri = rec.rec_headers.get_header("WARC-Target-URI")
            where = f"{path}#{uri or rec.rec_headers.get_header('WARC-Record-ID')}"
            ctype = (rec.http_headers.get_header("Content-Type") if rec.http_headers else "") or ""
            if "html" not in ctype.lower():
                continue
            n += 1
            body = rec.content_stream().read(limits.max_article_bytes + 1)
            if len(body) > limits.max_article_bytes:
                yield Rejection(where, "WARC record far larger than a news article")
                continue
            # The HTTP header's charset is passed on to the HTML extractor; WARC-Date is the
            # crawl time, not publication, so it is not used as a date.
            charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip() if "charset=" in ctype.lower() else None
            yield Record(path=where, html=body, url=uri, charset=charset or None,
                         external_id=rec.rec_headers.get_header("WARC-Record-ID"))
    except ArchiveLoadFailed as e:
        yield Rejection(path, f"malformed WARC: {(str(e).splitlines() or ['unreadable'])[0][:200]}")
        return
    except ValueError as e:
        yield Rejection(path, f"WARC read failed: {e}")
        return
    except Exception as e:  # warcio raises bare exceptions on malformed records (a missing URI, a bad status line)
        yield Rejection(path, f"malformed WARC record ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else 'unreadable'})")
        return
    if n == 0:
        yield Rejection(path, "WARC has no HTML response records")
