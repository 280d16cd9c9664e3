"""Page metadata from what publishers declare: JSON-LD, Open Graph / article: tags, <meta>, <link>.

Declared metadata is preferred to guesses from the visible page because it is what the outlet
states about itself; trafilatura's own metadata (which also reads the visible byline and runs
htmldate) fills the gaps. Everything here is best effort and returns None rather than raising.
"""
from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

_ARTICLE_TYPES = ("newsarticle", "article", "reportagenewsarticle", "blogposting", "report",
                  "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "scholarlyarticle", "techarticle", "posting", "socialmediaposting")
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*$")


@dataclass
class PageMeta:
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None      # raw, as the page gives it
    language: str | None = None       # primary subtag, lower case ("en", "pt")
    url: str | None = None
    description: str | None = None
    paywalled: bool = False           # JSON-LD isAccessibleForFree: false


def _clean(s: Any) -> str | None:
    """Whitespace-folded string with HTML entities resolved (JSON-LD often carries &#8216; etc.)."""
    if not isinstance(s, str):
        return None
    s = " ".join(html_lib.unescape(s).split())
    return s or None


_BY = re.compile(r"^(by|von|par|por|di|door)\s+", re.I)


def clean_byline(s: str | None) -> str | None:
    s = _clean(s)
    if not s or s.lower().startswith("http") or "facebook.com" in s:
        return None
    return _BY.sub("", s).strip(" ,|") or None


def clean_outlet(s: str | None) -> str | None:
    """A site name; "Name | Section | Tagline" keeps "Name"."""
    s = _clean(s)
    if s and " | " in s:
        s = s.split(" | ")[0].strip()
    return s or None


def _iter_jsonld(tree: HtmlElement) -> Iterator[dict]:
    for script in tree.xpath('//script[@type="application/ld+json" or @type="application/json+ld"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # a common publisher error: raw newlines/tabs inside strings
                data = json.loads(re.sub(r"[\r\n\t]+", " ", raw))
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _types(obj: dict) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.lower()]
    if isinstance(t, list):
        return [x.lower() for x in t if isinstance(x, str)]
    return []


def _names(value: Any) -> list[str]:
    """Names from a JSON-LD author/publisher value: a string, an object with name, or a list."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        n = _clean(value.get("name"))
        return [n] if n else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    m = _LANG.match(value.strip())
    return m.group(1).lower() if m else None


def _meta(tree: HtmlElement) -> dict[str, str]:
    """<meta property|name|itemprop|http-equiv = content>, first occurrence wins, keys lower-cased."""
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv")
        content = m.get("content")
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), content.strip())
    return out


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = re.sub(r"^(www\d?|m|amp|mobile)\.", "", host.lower())
    return host or None


def page_meta(tree: HtmlElement, url: str | None = None) -> PageMeta:
    """Declared metadata of a parsed page (never raises on odd markup)."""
    meta = _meta(tree)
    pm = PageMeta()
    article: dict | None = None
    publisher: str | None = None
    website: str | None = None
    for obj in _iter_jsonld(tree):
        types = _types(obj)
        if article is None and any(t in _ARTICLE_TYPES for t in types):
            article = obj
        if website is None and "website" in types:
            website = _clean(obj.get("name"))
        if publisher is None and ("organization" in types or "newsmediaorganization" in types):
            publisher = _clean(obj.get("name"))
    if article is not None:
        pm.title = _clean(article.get("headline")) or _clean(article.get("name"))
        authors = [a for a in _names(article.get("author")) if not a.lower().startswith("http")]
        pm.byline = ", ".join(dict.fromkeys(authors)) or None
        pub = _names(article.get("publisher"))
        publisher = pub[0] if pub else publisher
        pm.published = _clean(article.get("datePublished")) or _clean(article.get("dateCreated"))
        pm.language = _lang(_clean(article.get("inLanguage")))
        pm.description = _clean(article.get("description"))
        free = article.get("isAccessibleForFree")
        pm.paywalled = free is False or (isinstance(free, str) and free.strip().lower() == "false")
        main = article.get("mainEntityOfPage")
        main_url = main.get("@id") if isinstance(main, dict) else main
        pm.url = _clean(main_url) if isinstance(main_url, str) and main_url.startswith("http") else None
    pm.title = pm.title or _clean(meta.get("og:title")) or _clean(meta.get("twitter:title"))
    if pm.title is None:
        t = tree.find(".//title")
        pm.title = _clean(t.text_content()) if t is not None else None
    pm.byline = pm.byline or _clean(meta.get("author")) or _clean(meta.get("article:author")) \
        or _clean(meta.get("byl")) or _clean(meta.get("dc.creator"))
    pm.byline = clean_byline(pm.byline)
    pm.outlet = clean_outlet(meta.get("og:site_name")) or clean_outlet(publisher) or clean_outlet(website) \
        or clean_outlet(meta.get("application-name"))
    pm.published = pm.published or next((meta[k] for k in ("article:published_time", "og:published_time",
                                                              "datepublished", "pubdate", "publishdate",
                                                              "date", "dc.date.issued", "dc.date",
                                                              "sailthru.date", "parsely-pub-date") if k in meta), None)
    html_lang = tree.getroottree().getroot().get("lang") if tree is not None else None
    pm.language = pm.language or _lang(html_lang) or _lang(meta.get("content-language")) \
        or _lang(meta.get("og:locale")) or _lang(meta.get("language")) or _lang(meta.get("dc.language"))
    pm.description = pm.description or _clean(meta.get("og:description")) or _clean(meta.get("description"))
    canonical = None
    for link in tree.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            canonical = link.get("href").strip()
            break
    for cand in (canonical, meta.get("og:url"), pm.url):
        if cand:
            full = urljoin(url, cand) if url else cand
            if full.startswith(("http://", "https://")):
                pm.url = full
                break
    else:
        pm.url = url
    return pm


def host_of(url: str | None) -> str | None:
    """The site's host name without a www./m. prefix (the outlet of last resort)."""
    return _host(url)
