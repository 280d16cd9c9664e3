"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: one article per item, parsed without entity expansion."""
from __future__ import annotations

import re
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from storytrace.ingest.decode import decode
from storytrace.ingest.limits import Limits
from storytrace.ingest.record import Record, looks_like_html
from storytrace.model import Rejection


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _children(el: Element) -> dict[str, list[Element]]:
    out: dict[str, list[Element]] = {}
    for c in el:
        key = _local(c.tag)
        if ":" not in key and c.tag.startswith("{"):
            ns = c.tag[1:].split("}")[0]
            if "purl.org/rss/1.0/modules/content" in ns:
                key = "content:" + key
            elif "purl.org/dc/elements" in ns:
                key = "dc:" + key
        out.setdefault(key, []).append(c)
    return out


def _text(ch: dict[str, list[Element]], *names: str) -> str | None:
    for n in names:
        for el in ch.get(n, []):
            if n == "link" and el.get("href") is not None:
                if el.get("rel", "alternate") == "alternate":
                    return el.get("href")
                continue
            t = "".join(el.itertext()).strip()
            if t:
                return t
    return None


def is_feed(head: bytes) -> bool:
    h = head[:2048].lower()
    return b"<rss" in h or b"<feed" in h or b"<rdf:rdf" in h


_DECL_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['"])[^'"]*\2""", re.I)


def _parse(data: bytes) -> Element:
    return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)


def read_feed(data: bytes, path: str, limits: Limits) -> Iterator[Record | Rejection]:
    try:
        try:
            root = _parse(data)
        except DefusedXmlException:
            raise
        except (LookupError, ValueError):
            # The XML declaration names an unknown or unsupported encoding ("bogus", utf-7, a
            # codec such as base64): decode the bytes ourselves and parse without the declaration.
            text, _ = decode(data)
            root = _parse(_DECL_ENCODING.sub(rb"\1", text.encode("utf-8"), count=1))
    except DefusedXmlException as e:
        yield Rejection(path, f"unsafe XML refused ({type(e).__name__}: entity or external reference)")
        return
    except ParseError as e:
        yield Rejection(path, f"malformed XML feed: {e}")
        return
    except (LookupError, ValueError) as e:
        yield Rejection(path, f"malformed XML feed: unusable encoding ({str(e)[:200]})")
        return
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        yield Rejection(path, f"XML but not an RSS/Atom feed (root element <{kind}>)")
        return
    channel = next((c for c in root if _local(c.tag) == "channel"), root)
    feed_title = _text(_children(channel), "title")
    items = [el for el in root.iter() if _local(el.tag) in ("item", "entry")]
    if not items:
        yield Rejection(path, "feed has no items")
        return
    for i, item in enumerate(items, 1):
        ch = _children(item)
        body = _text(ch, "content:encoded", "content", "description", "summary")
        where = f"{path}#item{i}"
        if not body:
            yield Rejection(where, "feed item has no content or description")
            continue
        if len(body.encode("utf-8", "replace")) > limits.max_article_bytes:
            yield Rejection(where, "feed item far larger than a news article")
            continue
        html = body if looks_like_html(body) or "<" in body else None
        yield Record(path=where, text=None if html else body, html=html,
                     title=_text(ch, "title"), url=_text(ch, "link", "guid", "id"),
                     outlet=feed_title, byline=_text(ch, "dc:creator", "author", "creator"),
                     published=_text(ch, "pubdate", "published", "dc:date", "updated", "date"),
                     external_id=_text(ch, "guid", "id"))
