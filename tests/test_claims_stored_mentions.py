"""Claim mentions kept per article in the store (`mentions_to_json` / `mentions_from_json`): read back,
they are what extraction gives, so a storyline re-aligned from stored mentions has the same claims."""
from __future__ import annotations

import json

from storytrace.claims.extract import extract_claims, mentions_from_json, mentions_to_json
from storytrace.claims.stage import claims_sections
from storytrace.ingest import read_paths
from storytrace.model import Article


def _basil(corpora, n: int) -> list[Article]:
    return [a for a in read_paths([str(corpora / "basil/articles.jsonl")]) if isinstance(a, Article)][:n]


def test_stored_mentions_equal_extracted_ones(corpora):
    arts = _basil(corpora, 120)
    n = 0
    for a in arts:
        fresh = extract_claims(a)
        back = mentions_from_json(a, json.loads(json.dumps(mentions_to_json(fresh))))
        assert back == fresh, a.id
        assert [m.stems for m in back] == [m.stems for m in fresh], a.id
        assert all(isinstance(m.span, tuple) and (m.time_span is None or isinstance(m.time_span, tuple))
                   for m in back)
        n += len(fresh)
    assert n > 1000  # real articles give many mentions: the check above is not vacuous


def test_claims_from_stored_mentions_equal_claims_from_extraction(corpora):
    arts = _basil(corpora, 30)
    stored = [m for a in arts for m in mentions_from_json(a, json.loads(json.dumps(mentions_to_json(extract_claims(a)))))]
    assert claims_sections(arts, [], mentions=stored) == claims_sections(arts, [])
