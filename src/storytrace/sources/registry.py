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

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict

from storytrace.model import Article
from storytrace.sources.model import Attribution, Registry, Source

_PRONOUNS = frozenset("he she it they i we him her them".split())
_KIND_RANK = {"person": 0, "outlet": 1, "agency": 2, "organization": 3, "other": 4}


def canonical(name: str) -> str:
    """Folded form of a source name: the key sources are merged on and ids hash."""
    t = unicodedata.normalize("NFKC", name).lower().replace("\u2019", "'")
    t = re.sub(r"^(?:the|a|an)\s+", "", t.strip())
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"[^\w\s&-]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def source_id(key: str) -> str:
    return "src_" + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def _key(a: Attribution) -> str:
    k = canonical(a.source_name)
    if a.source_kind == "other":
        return f"{k}@{a.article_id}"
    return k


def build_registry(articles: list[Article], attributions: list[Attribution]) -> Registry:
    """Merge the attributions' sources into one registry; attributions become analysis.json dicts.

    Each attribution dict carries `source_id`, and `via_source_id` when the statement was given to
    a newsroom ("told the Post", "in a statement sent to the publication").
    """
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
    for k in keys:
        if "@" in k:
            continue
        kind = kinds[k].most_common(1)[0][0]
        words = k.split()
        if len(words) != 1:
            continue
        cands = [o for o in keys if o != k and "@" not in o and o.split()[-1] == words[0] and len(o.split()) > 1
                 and kinds[o].most_common(1)[0][0] in ({"person"} if kind in ("person", "organization") else {kind, "outlet", "agency"})]
        if len(cands) == 1:
            merge[k] = cands[0]
    def final(k: str) -> str:
        while k in merge:
            k = merge[k]
        return k
    sources: dict[str, Source] = {}
    for k in keys:
        f = final(k)
        if f not in sources:
            kind = min(kinds[f].most_common(2), key=lambda kv: (-kv[1], _KIND_RANK.get(kv[0], 9)))[0]
            display = max(names[f].items(), key=lambda kv: (kv[1], len(kv[0])))[0]
            sources[f] = Source(id=source_id(f), name=display, kind=kind)
        s = sources[f]
        for n in names[k]:
            if n != s.name and n not in s.aliases:
                s.aliases.append(n)
        for al in sorted(aliases[k]):
            if al != s.name and al not in s.aliases:
                s.aliases.append(al)
        for r in sorted(roles[k]):
            if r not in s.roles:
                s.roles.append(r)
        for (kind, name), _n in affs[k].most_common():
            if not any(x["kind"] == kind and x["name"] == name for x in s.affiliations):
                s.affiliations.append({"name": name, "kind": kind})
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
