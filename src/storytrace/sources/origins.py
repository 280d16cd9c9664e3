"""Tie cited outlets to in-corpus articles, and emit `cites` derivations.

When article B attributes to outlet S ("according to the Daily Courier") and the words B
attributes overlap a passage that the reuse stage aligned between an in-corpus article A and B,
then A is S's report: S.article_id = A. Votes are counted per (S, A) over all such overlaps; the
best-supported A wins. Pure over dicts: only the registry and derivation dicts go in.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from storytrace.sources.model import Registry
from storytrace.sources.registry import canonical

_CITED_KINDS = ("outlet", "agency")


def _overlap(a: list[int] | tuple[int, int], b: list[int] | tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def resolve_origins(registry: Registry, derivations: list[dict[str, Any]]) -> None:
    """Set `article_id` on outlet/agency sources whose report is in the corpus and fill
    `registry.cites` with one `cites` derivation per (source, citing article)."""
    by_id = registry.by_id()
    # Passages reused by each target article: (from_article, to_span, similarity).
    passages: dict[str, list[tuple[str, list[int], float]]] = defaultdict(list)
    for d in derivations:
        if d.get("kind") == "cites":
            continue
        for p in d.get("passages") or []:
            ts = p.get("to_span")
            if ts:
                passages[d["to"]].append((d["from"], ts, float(p.get("similarity") or d.get("score") or 0.0)))
    votes: dict[str, Counter] = defaultdict(Counter)
    for a in registry.attributions:
        for sid in (a["source_id"], a.get("via_source_id")):
            src = by_id.get(sid) if sid else None
            if src is None or src.kind not in _CITED_KINDS:
                continue
            for frm, ts, sim in passages.get(a["article_id"], []):
                ov = _overlap(a["span"], ts)
                if ov > 0 and frm != a["article_id"]:
                    votes[sid][frm] += ov
    for sid, c in votes.items():
        (best, w), = c.most_common(1)
        by_id[sid].article_id = best
    # No aligned text, but the corpus holds exactly one article from that outlet, published no
    # later than every article citing it: that article is most likely the cited report.
    by_outlet: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for aid, (outlet, published) in registry.article_outlets.items():
        by_outlet[outlet].append((aid, published))
    citing: dict[str, list[str]] = defaultdict(list)
    for a in registry.attributions:
        for sid in (a["source_id"], a.get("via_source_id")):
            if sid:
                citing[sid].append(a["article_id"])
    for src in by_id.values():
        if src.kind not in _CITED_KINDS or src.article_id or src.id not in citing:
            continue
        cands = by_outlet.get(canonical(src.name), [])
        if len(cands) != 1:
            continue
        aid, pub = cands[0]
        dates = [registry.article_outlets.get(c, (None, None))[1] for c in citing[src.id] if c != aid]
        if pub and dates and all(d and d[:10] >= pub[:10] for d in dates):
            src.article_id = aid
    # One cites edge per (source, article), with every attributed span as a passage.
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for a in registry.attributions:
        for sid in (a["source_id"], a.get("via_source_id")):
            src = by_id.get(sid) if sid else None
            if src is not None and src.kind in _CITED_KINDS:
                groups[(sid, a["article_id"])].append(a)
    cites = []
    for (sid, aid), atts in groups.items():
        atts = sorted(atts, key=lambda a: a["span"][0])
        score = max(float(a.get("score") or 0.0) for a in atts)
        cites.append({
            "from": sid, "to": aid, "kind": "cites", "score": round(score, 2),
            "passages": [{"from_span": None, "to_span": list(a["span"]), "similarity": None} for a in atts],
            "evidence": [a.get("evidence") or a["text"][:160] for a in atts],
            "origin_article_id": by_id[sid].article_id,
        })
    registry.cites = sorted(cites, key=lambda d: (d["to"], d["from"]))
