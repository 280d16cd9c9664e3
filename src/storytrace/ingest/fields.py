"""Field-name variants of article records (JSONL lines, JSON objects)."""
from __future__ import annotations

from typing import Any

TEXT = ("text", "content", "body", "article", "maintext", "full_text", "article_text", "story", "description")
HTML = ("html", "raw_html", "content_html", "body_html")
TITLE = ("title", "headline", "name")
URL = ("url", "link", "canonical_url", "source_url", "uri")
OUTLET = ("outlet", "source", "source_name", "site_name", "publisher", "source_domain", "domain", "site", "media")
PUBLISHED = ("published", "date", "published_at", "date_publish", "publish_date", "pubDate", "pub_date",
             "datetime", "timestamp", "created_at", "time", "date_published")
BYLINE = ("byline", "author", "authors", "creator")
ID = ("id", "_id", "guid", "uuid", "doc_id", "article_id")
LANGUAGE = ("language", "lang")
# A record that points into another document with character offsets is an annotation of that
# document (a quote, a span label), not an article, even when it carries a "text" field.
REFERENCE = ("article_id", "doc_id", "document_id", "docid", "parent_id")
OFFSETS = (("start", "end"), ("begin", "end"), ("start_char", "end_char"), ("offset", "length"))


def _flat(v: Any) -> Any:
    """Nested values in the common shapes: {"name": ...}, lists of names."""
    if isinstance(v, dict):
        for k in ("name", "title", "value", "#text", "href"):
            if isinstance(v.get(k), (str, int, float)):
                return v[k]
        return None
    if isinstance(v, list):
        parts = [str(_flat(x)) for x in v if _flat(x) not in (None, "")]
        return ", ".join(parts) if parts else None
    return v


def first(obj: dict[str, Any], names: tuple[str, ...]) -> Any:
    lower = {k.lower(): k for k in obj}
    for n in names:
        k = lower.get(n.lower())
        if k is not None:
            v = _flat(obj[k])
            if v not in (None, ""):
                return v
    return None
