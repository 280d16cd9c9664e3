"""WARC / WARC.gz archives: the HTML response records, one article each."""
from __future__ import annotations

from typing import BinaryIO, Iterator

from storytrace.ingest.limits import Limits
from storytrace.ingest.record import Record
from storytrace.model import Rejection


def read_warc(stream: BinaryIO, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    n = 0
    try:
        for rec in ArchiveIterator(stream):
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
            # The page's own meta charset wins inside extract_html; WARC-Date is the crawl
            # time, not publication, so it is not used as a date.
            yield Record(path=where, html=body, url=uri,
                         external_id=rec.rec_headers.get_header("WARC-Record-ID"))
    except ArchiveLoadFailed as e:
        yield Rejection(path, f"malformed WARC: {(str(e).splitlines() or ['unreadable'])[0][:200]}")
        return
    except ValueError as e:
        yield Rejection(path, f"WARC read failed: {e}")
        return
    if n == 0:
        yield Rejection(path, "WARC has no HTML response records")
