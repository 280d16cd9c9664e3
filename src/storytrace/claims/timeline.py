"""The storyline's dated claims in order, and what each article added first.

Timeline: claims whose time resolved (precision kept: "2022-08", "early 2022-11", "2022-11-19"),
ordered by start; entries with one time label and near-identical wording are merged. Background
(a time long before the story was first reported, e.g. "in 2021" in a 2022 story) is left out
unless asked for: a reader of the storyline's timeline wants its events, not its history.

Novelty: for each article, the claims that no earlier article made and that it did not take
from another article (per the origins found through the derivation graph).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..dates import published_date
from ..model import Article
from .align import Claim, _overlap

# How far before a claim's first report its time may lie and still be part of the story's timeline.
BACKGROUND_DAYS = 180
# Wording overlap for two entries at one time to be shown as one.
MERGE_WORDING = 0.5
_PREC_RANK = {"day": 0, "season": 2, "month": 1, "year": 3}


def _is_background(c: Claim) -> bool:
    first = published_date(c.first_published)
    start = (c.time or {}).get("start")
    if not first or not start:
        return False
    return start < (first - timedelta(days=BACKGROUND_DAYS)).isoformat()


def build_timeline(claims: list[Claim], include_background: bool = False) -> list[dict[str, Any]]:
    """[{"time", "claim_id", "text", "precision", "start", "end", "claim_ids"}] in time order."""
    dated = [c for c in claims if c.time and c.time.get("start") and c.time.get("precision") != "unknown"]
    if not include_background:
        dated = [c for c in dated if not _is_background(c)]
    dated.sort(key=lambda c: (c.time["start"], _PREC_RANK.get(c.time["precision"], 9), c.time.get("end") or "",
                              -c.support, c.id))
    out: list[dict[str, Any]] = []
    for c in dated:
        label = c.time["label"]
        merged = False
        for e in out:
            if e["time"] == label and _overlap(e["_stems"], c.mentions[0].stems)[0] >= MERGE_WORDING:
                e["claim_ids"].append(c.id)
                merged = True
                break
        if not merged:
            out.append({"time": label, "claim_id": c.id, "text": " ".join(c.text.split()),
                        "precision": c.time["precision"], "start": c.time["start"], "end": c.time.get("end"),
                        "claim_ids": [c.id], "_stems": c.mentions[0].stems})
    for e in out:
        del e["_stems"]
    return out


def novelty(articles: list[Article], claims: list[Claim]) -> list[dict[str, Any]]:
    """[{"article_id", "claim_ids"}]: per article (in publication order), the claims it made first."""
    day = {a.id: published_date(a.published) for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}
    ids_in_corpus = set(day)
    novel: dict[str, list[str]] = {a.id: [] for a in articles}
    for c in claims:
        makers = c.article_ids
        for aid in makers:
            if aid not in novel:
                continue
            d = day.get(aid)
            earlier = [b for b in makers if b != aid and d and day.get(b) and day[b] < d]
            # Evidence traced to another in-corpus article: that one made it first, whatever the dates say.
            roots = [r for m in c.mentions if m.article_id == aid for r in c.evidence_origins.get(m.id, [])]
            taken = any(r != aid and r in ids_in_corpus for r in roots)
            if not earlier and not taken:
                novel[aid].append(c.id)
    ordered = sorted(articles, key=lambda a: (day[a.id] is None, day[a.id] or 0, order[a.id]))
    return [{"article_id": a.id, "claim_ids": novel[a.id]} for a in ordered]
