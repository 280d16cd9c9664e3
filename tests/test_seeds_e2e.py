"""The sample corpus end to end: what a user expects from the five articles (issues 3, 4, 6, 11)."""
import pytest

from storytrace import api


@pytest.fixture(scope="module")
def run(seeds, tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    doc = api.analyze([seeds], out=out)
    by_file = {a["path"].rsplit("/", 1)[-1][:3]: a for a in doc["articles"]}
    return doc, by_file, out


def test_every_stage_ran_and_every_span_points_into_text(run):
    doc, _, out = run
    assert doc["stage_notes"] == []
    texts = {a["id"]: a["text"] for a in doc["articles"]}

    def ok(aid, span):
        return span is None or (0 <= span[0] < span[1] <= len(texts[aid]))

    for d in doc["derivations"]:
        for p in d["passages"]:
            assert ok(d["to"], p["to_span"])
            if d["from"] in texts:
                assert ok(d["from"], p["from_span"])
    for a in doc["attributions"]:
        assert ok(a["article_id"], a["span"])
    for c in doc["claims"]:
        for e in c["evidence"]:
            assert ok(e["article_id"], e["span"])
    assert (out / "report.html").stat().st_size > 10_000


def test_rewrite_derived_from_original_with_its_quotes(run):
    doc, f, _ = run
    [edge] = [d for d in doc["derivations"] if d["from"] == f["001"]["id"] and d["to"] == f["000"]["id"]]
    assert edge["kind"] == "rewrite" and edge["evidence"]
    rewrite = f["000"]["text"]
    aligned = " ".join(rewrite[p["to_span"][0]:p["to_span"][1]] for p in edge["passages"])
    assert "finalized the deal during a meeting in Iran in early November" in aligned
    assert "would represent a further deepening of a Russia-Iran alliance" in aligned


def test_no_edge_to_the_follow_up_and_none_backwards(run):
    doc, f, _ = run
    ids = {d["from"] for d in doc["derivations"]} | {d["to"] for d in doc["derivations"]}
    assert f["003"]["id"] not in ids
    assert not [d for d in doc["derivations"] if d["to"] == f["001"]["id"] and d["kind"] != "cites"]


def test_original_identified_as_the_cited_outlets_report(run):
    doc, f, _ = run
    [post] = [s for s in doc["sources"] if s["article_id"] == f["001"]["id"]]
    assert post["kind"] == "outlet"
    citing = {d["to"] for d in doc["derivations"] if d["from"] == post["id"] and d["kind"] == "cites"}
    assert citing >= {f["000"]["id"], f["002"]["id"], f["004"]["id"]}


def test_quotes_have_their_speakers(run):
    doc, f, _ = run
    names = {s["id"]: s["name"] for s in doc["sources"]}
    quoted = {(a["article_id"], names[a["source_id"]]) for a in doc["attributions"] if a["quote"]}
    for file, speaker in (("002", "Adrienne Watson"), ("000", "Amir Saeid Iravani"),
                          ("002", "Hossein Amirabdollahian"), ("004", "Michael Knights")):
        assert any(aid == f[file]["id"] and speaker in name for aid, name in quoted), (file, speaker)


def test_drone_count_claim_has_four_articles_one_origin(run):
    doc, _, _ = run
    [claim] = [c for c in doc["claims"] if c["quantity"] and c["quantity"]["value"] == 400 and c["support"] >= 4]
    assert claim["support"] == 4 and claim["independent_support"] == 1
    assert claim["quantity"]["approx"] == "more than"


def test_denial_then_admission_is_a_position_change(run):
    doc, _, _ = run
    changes = [c for c in doc["conflicts"] if c["kind"] == "position_change"]
    assert changes and "denied" in changes[0]["note"] and "conceded" in changes[0]["note"]


def test_follow_up_facts_are_novel_to_it(run):
    doc, f, _ = run
    claims = {c["id"]: c for c in doc["claims"]}
    [nov] = [n for n in doc["novelty"] if n["article_id"] == f["003"]["id"]]
    values = {claims[c]["quantity"]["value"] for c in nov["claim_ids"] if claims[c]["quantity"]}
    assert 6000 in values and 1e9 in values
    for other in ("000", "001", "002", "004"):
        [n] = [n for n in doc["novelty"] if n["article_id"] == f[other]["id"]]
        assert not {claims[c]["quantity"]["value"] for c in n["claim_ids"] if claims[c]["quantity"]} & {6000, 1e9}


def test_summary_cites_articles(run):
    doc, _, _ = run
    [summary] = doc["summary"]
    assert 3 <= len(summary["sentences"]) <= 8
    ids = {a["id"] for a in doc["articles"]}
    assert all(s["article_ids"] and set(s["article_ids"]) <= ids for s in summary["sentences"])
