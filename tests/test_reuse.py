"""Text reuse and the derivation graph, on the real corpora (seeds, meter, giveme5w1h)."""
from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest

from storytrace.clean import clean_text
from storytrace.ingest import read_paths
from storytrace.model import Article
from storytrace.reuse import CandidateIndex, candidates, find_derivations
from storytrace.reuse.evidence import agency_credits, quote_mask, wire_furniture

# The user's view of the sample corpus: dates as the outlets gave them (set by hand where the
# files carry none): the follow-up is from early 2023, the rest from November 2022.
SEED_DATES = {"000": "2022-11-20", "001": "2022-11-19", "002": "2022-11-20", "003": "2023-01-30",
              "004": "2022-11-19T14:15-06:00"}


def _seed_articles(seeds, dated=True):
    arts = [a for a in read_paths([str(seeds)]) if isinstance(a, Article)]
    for a in arts:
        a.path = a.path.rsplit("/", 1)[-1][:3]
        if dated:
            a.published = SEED_DATES[a.path]
    return arts


@pytest.fixture(scope="module")
def seed_result(seeds):
    arts = _seed_articles(seeds)
    return arts, find_derivations(arts)


@pytest.fixture(scope="module")
def giveme(corpora):
    return [a for a in read_paths([str(corpora / "giveme5w1h" / "articles.jsonl")]) if isinstance(a, Article)]


def _by_name(arts):
    return {a.path: a for a in arts}


def test_rewrite_derives_from_original_with_both_quotes(seed_result):
    arts, res = seed_result
    A = _by_name(arts)
    edges = [d for d in res.derivations if d.source == A["001"].id and d.target == A["000"].id]
    assert len(edges) == 1, [d.to_dict() for d in res.derivations]
    d = edges[0]
    assert d.kind in ("rewrite", "partial")
    text = A["000"].text
    aligned = " ".join(text[p.to_span[0]:p.to_span[1]] for p in d.passages)
    assert "Russian and Iranian officials finalized the deal during a meeting in Iran in early November" in aligned
    assert "The agreement, if fully realized, would represent a further deepening" in aligned
    # every passage points at the same words on both sides (verbatim ones) with char spans
    for p in d.passages:
        src = A["001"].text[p.from_span[0]:p.from_span[1]]
        dst = text[p.to_span[0]:p.to_span[1]]
        assert src and dst and 0 < p.similarity <= 1
    assert any("quotation marks" in e for e in d.evidence)
    js = d.to_dict()
    assert set(js) >= {"from", "to", "kind", "score", "passages", "evidence"}
    assert js["passages"][0].keys() >= {"from_span", "to_span", "similarity"}


def test_direction_holds_without_dates(seeds):
    arts = _seed_articles(seeds, dated=False)
    A = _by_name(arts)
    res = find_derivations(arts)
    pairs = {(d.source, d.target) for d in res.derivations}
    assert (A["001"].id, A["000"].id) in pairs
    assert (A["000"].id, A["001"].id) not in pairs


def test_no_link_to_follow_up_and_no_backwards_edge(seed_result):
    arts, res = seed_result
    A = _by_name(arts)
    when = {a.id: a.published[:10] for a in arts}
    for d in res.derivations + res.undirected:
        assert {d.source, d.target} != {A["001"].id, A["003"].id}
        assert when[d.source] <= when[d.target], d.to_dict()


def test_aggregator_summary_lexical_finds_no_false_source(seed_result):
    # The aggregator (004) paraphrases the original: no verbatim reuse, and it must not invent a
    # source for it either. Its rare terms make it a same-story pair with 001, and a reworded
    # sentence of the lexical paraphrase scorer makes it a (partial) derivation of 001.
    arts, res = seed_result
    A = _by_name(arts)
    assert not [d for d in res.derivations if d.target == A["004"].id and d.source != A["001"].id]
    into = [d for d in res.derivations if d.target == A["004"].id]
    assert len(into) == 1 and into[0].evidence[0].startswith("same story")
    assert any(p.kind == "paraphrase" for p in into[0].passages)


def _meter(corpora, n_stories=14):
    gold = {}
    for line in open(corpora / "meter" / "gold.jsonl", encoding="utf-8"):
        g = json.loads(line)
        gold[g["id"]] = g
    by_story = defaultdict(list)
    for i, g in gold.items():
        by_story[g["story"]].append(i)
    # stories with both PA and paper texts, every 12th in name order: a fixed, spread sample
    stories = [s for s in sorted(by_story) if {gold[i]["role"] for i in by_story[s]} == {"pa", "paper"}][::12][:n_stories]
    keep = {i for s in stories for i in by_story[s]}
    rows = [json.loads(l) for l in open(corpora / "meter" / "articles.jsonl", encoding="utf-8")]
    return gold, [r for r in rows if r["id"] in keep]


def test_meter_wire_to_paper_edges_point_the_right_way(corpora, tmp_path):
    gold, rows = _meter(corpora)
    f = tmp_path / "meter_sample.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    arts = [a for a in read_paths([str(f)]) if isinstance(a, Article)]
    ext = {a.id: a.external_id for a in arts}
    res = find_derivations(arts)
    role = {a.id: gold[a.external_id]["role"] for a in arts}
    story = {a.id: gold[a.external_id]["story"] for a in arts}
    into_paper = [d for d in res.derivations if role[d.target] == "paper"]
    good = [d for d in into_paper if role[d.source] == "pa" and story[d.source] == story[d.target]]
    backwards = [d for d in res.derivations if role[d.source] == "paper" and role[d.target] == "pa"]
    papers = [i for i in role if role[i] == "paper"]
    assert not backwards, [(ext[d.source], ext[d.target], d.evidence) for d in backwards]
    assert len(good) / len(into_paper) >= 0.9
    # rewrites that keep the story's rare terms but little wording count too (was >= 0.55 with
    # verbatim evidence only)
    assert len({d.target for d in good}) / len(papers) >= 0.8
    # direction came from text evidence (papers are undated): wire furniture of the PA copy
    assert all(any("wire furniture" in e for e in d.evidence) for d in good)
    # some papers are linked only as same-story rewrites, with their reworded sentences as passages
    same_story = [d for d in good if d.evidence[0].startswith("same story")]
    assert same_story
    assert all(d.passages and d.kind in ("rewrite", "partial") for d in same_story)


def test_same_story_pairs_pair_papers_with_their_wire_story(corpora, tmp_path):
    from storytrace.reuse.topic import shared_rare_terms, topic_pairs

    gold, rows = _meter(corpora)
    texts = [r["text"] for r in rows]
    pairs, stats = topic_pairs(texts)
    story = [gold[r["id"]]["story"] for r in rows]
    role = [gold[r["id"]]["role"] for r in rows]
    pa_paper = [p for p in pairs if {role[p.i], role[p.j]} == {"pa", "paper"}]
    right = [p for p in pa_paper if story[p.i] == story[p.j]]
    assert len(right) / len(pa_paper) >= 0.95
    covered = {p.i if role[p.i] == "paper" else p.j for p in right}
    assert len(covered) / role.count("paper") >= 0.9
    # the evidence names the story's rare terms, not function words or page furniture
    p = right[0]
    terms = shared_rare_terms(texts[p.i], texts[p.j], stats)
    assert terms and all(len(t) > 2 and t.isalpha() for t in terms)
    # a site footer on a third of the texts (fewer than MAX_TERM_DF) is no story vocabulary
    footer = "\nCopyright 2020 All rights reserved. May not be published, broadcast, rewritten or redistributed."
    assert len(texts[::3]) < 50
    pairs2, _ = topic_pairs([t + footer if k % 3 == 0 else t for k, t in enumerate(texts)])
    assert {(p.i, p.j): p.cosine for p in pairs2} == {(p.i, p.j): p.cosine for p in pairs}


def test_giveme_near_copies_found_and_candidates_cover_reuse_pairs(corpora, giveme):
    root = corpora / "giveme5w1h"
    arts = giveme
    by_ext = {a.external_id: a for a in arts}
    pairs = [json.loads(l) for l in open(root / "reuse_pairs.jsonl", encoding="utf-8")]
    cands = {frozenset((c.a, c.b)) for c in candidates(arts)}
    # every listed pair (containment >= 0.2) is a candidate: no reuse is lost before alignment
    missed = [p for p in pairs if frozenset((by_ext[p["a"]].id, by_ext[p["b"]].id)) not in cands]
    assert len(missed) <= 2, missed
    near = [p for p in pairs if p["jaccard"] >= 0.5]
    ids = {by_ext[p[k]].id for p in near for k in ("a", "b")}
    sub = [a for a in arts if a.id in ids]
    res = find_derivations(sub)
    edges = {frozenset((d.source, d.target)) for d in res.derivations}
    groups = [set(g["article_ids"]) for g in res.wire_origins]
    for p in near:
        a, b = by_ext[p["a"]].id, by_ext[p["b"]].id
        assert frozenset((a, b)) in edges or any(a in g and b in g for g in groups), p


def test_incremental_index_matches_batch_and_survives_a_restart(giveme, tmp_path):
    arts = giveme
    batch = {frozenset((c.a, c.b)) for c in candidates(arts)}
    idx = CandidateIndex()
    first = {frozenset((c.a, c.b)) for c in candidates(arts[:200], index=idx)}
    np.savez(tmp_path / "idx.npz", **idx.state())
    with np.load(tmp_path / "idx.npz", allow_pickle=True) as st:
        idx2 = CandidateIndex.from_state(dict(st))
    second = {frozenset((c.a, c.b)) for c in candidates(arts, index=idx2)}  # stored ones are skipped
    assert first | second == batch
    assert all(len(k & {a.id for a in arts[:200]}) < 2 for k in second)


def test_bad_inputs_have_stated_results(seeds):
    arts = _seed_articles(seeds, dated=False)
    A = _by_name(arts)
    orig = A["000"]
    short = Article(text="Iran denies it.", path="short")
    empty = Article(text="", path="empty")
    furniture = "Get the news faster.\nTap to install our app.\nX\nInstall the Newser News app\nin two easy steps:"
    boiler = Article(text=clean_text(furniture).text, path="boiler")        # as the pipeline cleans it
    raw_boiler = Article(text=furniture, path="raw-boiler")                 # or uncleaned
    twin = Article(text=orig.text, path="twin")                    # identical text, other name
    other = A["002"].text.split("\n")
    container = Article(text="\n".join(other[:3]) + "\n" + orig.text + "\n" + "\n".join(other[-3:]),
                        path="container")                                # 000 whole, inside 002's paragraphs
    res = find_derivations([orig, short, empty, boiler, raw_boiler, twin, container])
    reasons = {s["article_id"]: s["reason"] for s in res.skipped}
    assert "too short" in reasons[short.id] and "too short" in reasons[empty.id]
    assert "too short" in reasons[boiler.id]
    assert not [d for d in res.derivations + res.undirected if raw_boiler.id in (d.source, d.target)]
    assert "identical text" in reasons[twin.id]
    # one text inside the other, no dates: shared text whose direction is not guessed
    found = res.derivations + res.undirected
    assert len(found) == 1 and {found[0].source, found[0].target} == {orig.id, container.id}
    d = found[0]
    assert any("contained whole" in e for e in d.evidence)
    assert d.kind in ("copy", "excerpt")
    # with dates, the earlier text is the source
    orig.published, container.published = "2022-11-19", "2022-11-21"
    res2 = find_derivations([orig, container])
    assert [(x.source, x.target) for x in res2.derivations] == [(orig.id, container.id)]


def test_evidence_detectors_on_real_text(seeds, corpora):
    arts = _by_name(_seed_articles(seeds))
    t = arts["000"].text
    m = quote_mask(t)
    i = t.index("Russian and Iranian officials finalized")
    j = t.index("This development in the Russian drone")
    assert m[i] and not m[j]
    # the AP photo caption of the aggregator is not an agency credit for its text
    assert agency_credits(arts["004"].text, arts["004"].boilerplate_removed) == []
    pa = next(a for a in read_paths([str(corpora / "meter" / "articles.jsonl")]) if isinstance(a, Article))
    assert wire_furniture(pa.text, pa.boilerplate_removed)
    assert agency_credits("WASHINGTON (AP) \u2014 The Senate voted on Tuesday.") == [("Associated Press", "(AP) \u2014")]
    assert agency_credits("He told Reuters the deal was done.") == []


def test_incremental_derivations_agree_with_batch(giveme):
    arts = giveme
    by_id = {a.id: a for a in arts}
    idx = CandidateIndex()
    first = find_derivations(arts[:200], index=idx)
    second = find_derivations(arts[200:], index=idx, fetch=by_id.get)  # stored ones fetched on demand
    full = find_derivations(arts).derivations
    # Same-story pairs (rare terms) are formed within one call's batch only (a known gap of the
    # incremental mode): compare the edges that word n-gram candidates found.
    batch = {(d.source, d.target) for d in full if not d.evidence[0].startswith("same story")}
    inc = {(d.source, d.target) for d in first.derivations + second.derivations}
    # the same edges, up to common-source pruning that only sees one batch at a time
    assert len(inc & batch) >= 0.9 * len(batch)
    # ... and the batch run adds same-story edges on top of them
    assert len(full) > len(batch)
    assert second.stats["candidate_pairs"] < len(arts) * 3
