"""One registry of sources across articles, with stable ids and aliases.

Names are folded to a canonical key (case, a leading "the", possessives, punctuation), so "the
Daily Courier" and "The Daily Courier" are one source, and short forms join the full name
when only one full name fits: an outlet "the Courier" joins the single outlet whose name ends in
"Courier"; a person "Roe" joins the single person whose name ends in "Roe". Anaphors
("the publication") were resolved per article already and come in as aliases. Anonymous
sources ("three officials familiar with the matter", kind other) stay per article: the same
words in two unrelated stories are not one source.
"""
from __future__ import annotations

import gc
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from storytrace.model import Article
from storytrace.text import word_cache
from storytrace.sources.model import Attribution, Registry, Source

_PRONOUNS = frozenset("he she it they i we him her them".split())
_KIND_RANK = {"person": 0, "outlet": 1, "agency": 2, "organization": 3, "other": 4}


_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
_POSS = re.compile(r"'s\b")
_PUNCT = re.compile(r"[^\w\s&-]")
_SPACES = re.compile(r"\s+")


@word_cache(65536)
def canonical(name: str) -> str:
    """Folded form of a source name: the key sources are merged on and ids hash (cached: the same
    names recur across attributions and articles)."""
    t = unicodedata.normalize("NFKC", name).lower().replace("\u2019", "'")
    t = _ARTICLE.sub("", t.strip())
    t = _POSS.sub("", t)
    t = _PUNCT.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


def source_id(key: str) -> str:
    return "src_" + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def _key(a: Attribution) -> str:
    k = canonical(a.source_name)
    if a.source_kind == "other":
        return f"{k}@{a.article_id}"
    return k


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the registry is built, back as it was after.

    Building it allocates a few containers per attribution (dicts, lists, counters) and frees
    none: each collection the allocations trigger walks every live object (a large corpus's
    attributions) and finds nothing to free. That was two thirds of this step's CPU at 5k articles.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_registry(articles: list[Article], attributions: list[Attribution]) -> Registry:
    """Merge the attributions' sources into one registry; attributions become analysis.json dicts.

    Each attribution dict carries `source_id`, and `via_source_id` when the statement was given to
    a newsroom ("told the Post", "in a statement sent to the publication").
    """
    with _gc_paused():
        return _build_registry(articles, attributions)


def _build_registry(articles: list[Article], attributions: list[Attribution]) -> Registry:
    names: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    roles: dict[str, set[str]] = defaultdict(set)
    affs: dict[str, Counter] = defaultdict(Counter)
    for a in attributions:
        k = _key(a)
        names[k][a.source_name] += 1
        kinds[k][a.source_kind] += 1
        if a.mention and a.mention != a.source_name and a.mention.lower() not in _PRONOUNS:
            aliases[k].add(a.mention)
        if a.role:
            roles[k].add(a.role)
        for x in a.affiliations:
            affs[k][(x.kind, x.name)] += 1
        if a.via:
            vk = canonical(a.via)
            names[vk][a.via] += 1
            kinds[vk]["outlet"] += 1
            if a.via_mention and a.via_mention != a.via:
                aliases[vk].add(a.via_mention)
    # Short forms join the single longer name of the same kind that ends with them.
    merge: dict[str, str] = {}
    keys = list(names)
    # Multi-word names indexed by their last word, once: looking each short form up there instead of
    # scanning every key made this step quadratic (most of the registry's time at 5k articles).
    by_last: dict[str, list[str]] = defaultdict(list)
    for o in keys:
        if "@" not in o:
            ow = o.split()
            if len(ow) > 1:
                by_last[ow[-1]].append(o)
    for k in keys:
        if "@" in k:
            continue
        words = k.split()
        if len(words) != 1:
            continue
        kind = kinds[k].most_common(1)[0][0]
        cands = [o for o in by_last.get(words[0], ()) if o != k
                 and kinds[o].most_common(1)[0][0] in ({"person"} if kind in ("person", "organization") else {kind, "outlet", "agency"})]
        if len(cands) == 1:
            merge[k] = cands[0]
    def final(k: str) -> str:
        while k in merge:
            k = merge[k]
        return k
    sources: dict[str, Source] = {}
    # What each source's lists already hold, as sets: a source named across thousands of articles
    # has hundreds of aliases, and a list lookup per added one made this quadratic in them.
    held: dict[str, tuple[set, set, set]] = {}
    for k in keys:
        f = final(k)
        if f not in sources:
            kind = min(kinds[f].most_common(2), key=lambda kv: (-kv[1], _KIND_RANK.get(kv[0], 9)))[0]
            display = max(names[f].items(), key=lambda kv: (kv[1], len(kv[0])))[0]
            sources[f] = Source(id=source_id(f), name=display, kind=kind)
            held[f] = (set(), set(), set())
        s = sources[f]
        has_alias, has_role, has_aff = held[f]
        for n in names[k]:
            if n != s.name and n not in has_alias:
                s.aliases.append(n)
                has_alias.add(n)
        for al in sorted(aliases[k]):
            if al != s.name and al not in has_alias:
                s.aliases.append(al)
                has_alias.add(al)
        for r in sorted(roles[k]):
            if r not in has_role:
                s.roles.append(r)
                has_role.add(r)
        for (kind, name), _n in affs[k].most_common():
            if (kind, name) not in has_aff:
                s.affiliations.append({"name": name, "kind": kind})
                has_aff.add((kind, name))
    out = []
    for a in attributions:
        s = sources[final(_key(a))]
        d = {"article_id": a.article_id, "source_id": s.id, "span": [a.span[0], a.span[1]], "text": a.text,
             "quote": a.quote, "cue": a.cue, "role": a.role, "score": a.score, "evidence": a.evidence,
             "affiliations": [x.to_dict() for x in a.affiliations],
             "on_behalf_of": dict(a.on_behalf_of) if a.on_behalf_of else None}
        if a.via:
            d["via_source_id"] = sources[final(canonical(a.via))].id
        out.append(d)
    ordered = sorted(sources.values(), key=lambda s: (_KIND_RANK.get(s.kind, 9), s.name.lower()))
    outlets = {a.id: (canonical(a.outlet), a.published) for a in articles if a.outlet}
    return Registry(sources=ordered, attributions=out, article_outlets=outlets)
