"""The claims stage in one call, for the pipeline: articles and the derivation graph in, analysis.json sections out."""
from __future__ import annotations

from typing import Any

from ..model import Article
from .align import align_claims
from .conflicts import find_conflicts
from .extract import ClaimMention, extract_claims
from .timeline import build_timeline, novelty


def claims_sections(articles: list[Article], derivations: list[dict], attributions: list[dict] | None = None,
                    sources: list[dict] | dict[str, str] | None = None,
                    mentions: list[ClaimMention] | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"claims", "conflicts", "timeline", "novelty"} for one story (or any set of articles).

    Run it per storyline: alignment compares the mentions given, and a timeline mixes what it is given.
    `sources`: the registry entries, or the alias map `align.source_aliases(registry)` made once for
    the whole corpus (cheaper when called for thousands of storylines).
    `mentions`: the articles' `extract_claims` mentions, in article order, when the caller has them
    (the pipeline keeps them per article in the store); extracted here otherwise.
    """
    if mentions is None:
        mentions = [m for a in articles for m in extract_claims(a)]
    claims = align_claims(articles, mentions, derivations, attributions=attributions, sources=sources)
    return {"claims": [c.to_dict() for c in claims],
            "conflicts": find_conflicts(claims, mentions),
            "timeline": build_timeline(claims),
            "novelty": novelty(articles, claims)}
