"""A hand-built analysis dict over the real sample corpus (corpora/seeds), shared by the UI tests.

The texts are read from the corpus in place; every span below is found in those texts with
`str.find`, so the highlights point at real words. Dates, derivations, claims are hand-written
(what the stages are expected to produce), including an outside source, a quote, a conflict, an
article with no title and one with no date, and hostile strings in metadata.
"""
from __future__ import annotations

from pathlib import Path

from storytrace.model import Article

HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'

DATES = {"000": "2022-11-20", "001": "2022-11-19T09:00:00-05:00", "002": "2022-11-20T18:30:00+00:00",
         "003": "2023-02-06", "004": None}


def _span(text: str, needle: str) -> list[int]:
    i = text.find(needle)
    assert i >= 0, f"sample phrase not found: {needle[:40]!r}"
    return [i, i + len(needle)]


def seed_articles(seeds: Path) -> dict[str, dict]:
    """The five seed files as article dicts keyed by their 3-digit prefix."""
    out = {}
    for p in sorted(seeds.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        a = Article(text=text, path=str(p), title=text.strip().splitlines()[0].strip('"'),
                    published=DATES[p.name[:3]])
        out[p.name[:3]] = a.to_dict()
    return out


def sample_analysis(seeds: Path) -> dict:
    arts = seed_articles(seeds)
    a0, a1, a2, a3, a4 = (arts[k] for k in ("000", "001", "002", "003", "004"))
    a2["title"] = None                      # an article without a title
    a1["url"] = "https://news.example/iran-drones"
    a3["url"] = "javascript:alert(document.cookie)"   # must never become a link
    a0["outlet"] = HOSTILE_TITLE             # hostile metadata must be escaped
    t0, t1, t3, t4 = a0["text"], a1["text"], a3["text"], a4["text"]
    finalized = ("Russian and Iranian officials finalized the deal during a meeting in Iran in early November, and the two "
                 "countries are moving rapidly to transfer designs and key components that could allow production to begin within months")
    ids = {k: a["id"] for k, a in arts.items()}
    derivations = [
        {"from": ids["001"], "to": ids["000"], "kind": "partial", "score": 0.41,
         "passages": [{"from_span": _span(t1, finalized), "to_span": _span(t0, finalized), "similarity": 1.0}]},
        {"from": ids["001"], "to": ids["004"], "kind": "rewrite", "score": 0.55,
         "passages": [{"from_span": _span(t1, "Russia has deployed more than 400 Iranian-made attack drones against Ukraine since August"),
                       "to_span": _span(t4, "Intelligence officials said Russia has sent more than 400 attack drones made in Iran into Ukraine since August"),
                       "similarity": 0.62}]},
        {"from": "src:hill", "to": ids["004"], "kind": "cites", "score": 0.3, "passages": []},
        {"from": ids["001"], "to": ids["003"], "kind": "cites", "score": 0.2, "passages": []},
    ]
    sources = [{"id": "src:hill", "name": "The Hill", "kind": "outlet", "article_id": None},
               {"id": "src:knights", "name": "Michael Knights", "kind": "person", "article_id": None},
               {"id": "src:wire", "name": "Western officials", "kind": "other", "article_id": ids["001"]}]
    attributions = [
        {"article_id": ids["004"], "source_id": "src:knights",
         "span": _span(t4, '"Iran is acting as a design bureau for a great power," said Michael Knights'),
         "text": "said Michael Knights", "quote": "Iran is acting as a design bureau for a great power"},
        {"article_id": ids["004"], "source_id": "src:hill", "span": _span(t4, "per the Hill"), "text": "per the Hill", "quote": None},
    ]
    claims = [
        {"id": "c1", "text": "Russia has deployed more than 400 Iranian-made drones against Ukraine since August",
         "quantity": {"value": 400, "unit": "drones", "approx": "more than"},
         "time": {"start": "2022-08", "end": None, "precision": "month"},
         "evidence": [{"article_id": ids["001"], "span": _span(t1, "Russia has deployed more than 400 Iranian-made attack drones")},
                      {"article_id": ids["004"], "span": _span(t4, "Russia has sent more than 400 attack drones")},
                      {"article_id": ids["000"], "span": _span(t0, "more than 400 Iranian-made attack drones")}],
         "support": 3, "independent_support": 1, "origins": [ids["001"]]},
        {"id": "c2", "text": "The factory will produce at least 6,000 drones",
         "quantity": {"value": 6000, "unit": "drones", "approx": "at least"}, "time": None,
         "evidence": [{"article_id": ids["003"], "span": _span(t3, "at least 6,000 drones")}],
         "support": 1, "independent_support": 1, "origins": [ids["003"]]},
        {"id": "c3", "text": "Iran denied supplying drones to Russia", "quantity": None, "time": None,
         "evidence": [{"article_id": ids["004"], "span": _span(t4, "Iran first denied supplying drones to Russia")}],
         "support": 1, "independent_support": 1, "origins": ["src:hill"]},
        {"id": "c4", "text": "Iran conceded it had delivered a limited number of drones", "quantity": None, "time": None,
         "evidence": [{"article_id": ids["004"], "span": _span(t4, 'then conceded it had delivered a "limited number"')}],
         "support": 1, "independent_support": 1, "origins": ["src:hill"]},
        {"id": "c5", "text": "Officials finalized the deal in early November",
         "quantity": None, "time": {"start": "2022-11-01", "end": "2022-11-10", "precision": "day"},
         "evidence": [{"article_id": ids["001"], "span": _span(t1, "Russian and Iranian officials finalized the deal")}],
         "support": 1, "independent_support": 1, "origins": [ids["001"]]},
    ]
    return {
        "version": 1,
        "articles": [a0, a1, a2, a3, a4],
        "rejected": [{"path": "inbox/<b>broken</b>.pdf", "reason": "unsupported format"}],
        "sources": sources,
        "events": [{"id": "e1", "storyline_id": "s1", "article_ids": [ids[k] for k in ("000", "001", "002", "004")],
                    "title": "Iran agrees to help Russia build drones",
                    "why": {"mean_similarity": 0.4213, "shared_terms": ["iran", "drones", "russia"]}},
                   {"id": "e2", "storyline_id": "s1", "article_ids": [ids["003"]], "title": "Drone factory planned in Russia"}],
        "storylines": [{"id": "s1", "event_ids": ["e1", "e2"], "title": "Iran helps Russia build drones"}],
        "derivations": derivations,
        "attributions": attributions,
        "claims": claims,
        "conflicts": [{"kind": "position_change", "claim_ids": ["c3", "c4"], "note": "Iran first denied, then conceded deliveries"}],
        "timeline": [{"time": "2022-08", "claim_id": "c1", "text": "Iranian drones deployed against Ukraine since August"},
                     {"time": "2022-11-01", "claim_id": "c5", "text": "Deal finalized in early November"}],
        "novelty": [{"article_id": ids["003"], "claim_ids": ["c2"]}],
        "summary": [],
    }


def test_sample_spans_point_at_the_intended_words(seeds):
    an = sample_analysis(seeds)
    by_id = {a["id"]: a for a in an["articles"]}
    for c in an["claims"]:
        for e in c["evidence"]:
            s, t = e["span"]
            words = by_id[e["article_id"]]["text"][s:t]
            assert words and words[0].isalnum() or words[0] == '"'
    d = an["derivations"][0]["passages"][0]
    src = by_id[an["derivations"][0]["from"]]["text"][slice(*d["from_span"])]
    dst = by_id[an["derivations"][0]["to"]]["text"][slice(*d["to_span"])]
    assert src == dst and "finalized the deal" in src
