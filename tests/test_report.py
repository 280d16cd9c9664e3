"""The static report on the real sample corpus: drawn figures, highlights, escaping, bad input."""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings, strategies as st

from storytrace.report import render_report
from storytrace.report.graph import layers
from storytrace.report.safe import csp_hash, safe_url
from test_report_data import HOSTILE_TITLE, sample_analysis


class Tags(HTMLParser):
    """Collects tags/attributes, inline script and style bodies of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self._in: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append((tag, d))
        if tag in ("script", "style"):
            self._in = (tag, d)

    def handle_endtag(self, tag):
        self._in = None if tag in ("script", "style") else self._in

    def handle_data(self, data):
        if self._in and self._in[0] == "script":
            self.scripts.append((self._in[1], data))
        elif self._in and self._in[0] == "style":
            self.styles.append(data)


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


@pytest.fixture(scope="module")
def sample(seeds):
    return sample_analysis(seeds)


@pytest.fixture(scope="module")
def html(sample):
    return render_report(sample)


def test_self_contained_with_csp_that_allows_exactly_its_inline_code(html):
    t = parse(html)
    csp = next(d["content"] for tag, d in t.tags if tag == "meta" and d.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    code = [body for attrs, body in t.scripts if attrs.get("type") != "application/json"]
    assert len(code) == 1 and csp_hash(code[0]) in csp
    assert len(t.styles) == 1 and csp_hash(t.styles[0]) in csp
    for tag, d in t.tags:  # nothing is loaded from anywhere: no src/link to the network
        assert not (tag in ("script", "img", "iframe", "link") and (d.get("src") or d.get("href"))), (tag, d)


def test_derivation_graph_is_drawn_layered_with_kinds_and_outside_sources(html, sample):
    svg = re.search(r'<svg class="dgraph".*?</svg>', html, re.S).group()
    assert svg.count('<g class="node') == 5                       # the 4 articles in derivations + The Hill
    assert "No derivation touches: <a href=\"#art-%s\">[3]" % sample["articles"][2]["id"] in html
    assert 'class="node ext' in svg and "The Hill" in svg and "outside the corpus" in svg
    for kind in ("partial", "rewrite", "cites"):
        assert f">{kind} " in svg
    # the origin (the first report) is drawn above every article derived from it
    ys = {m.group(2): float(m.group(1)) for m in re.finditer(r'<rect x="[\d.]+" y="([\d.]+)" width="190" height="46" rx="\d+"/><text[^>]*>(\[\d\])', svg)}
    assert ys["[1]"] < ys["[2]"] and ys["[1]"] < ys["[5]"]


def test_timeline_places_dated_articles_and_lists_undated(html):
    svg = re.search(r'<svg class="tline".*?</svg>', html, re.S).group()
    assert svg.count('<g class="tart">') == 4 and svg.count('class="num"') >= 3 and svg.count('<g class="tclaim">') == 2
    assert "Without a date:" in html and "Intelligence Shows Iran Is Helping Russia Build Drones" in html.split("Without a date:")[1][:600]


def test_reused_passages_are_highlighted_on_both_sides_with_the_other_side_in_the_data(html, sample):
    data = json.loads(re.search(r'<script type="application/json" id="ann-data">(.*?)</script>', html, re.S).group(1))
    reuse = [d for d in data.values() if d["k"] == "reuse"]
    reused = [d for d in data.values() if d["k"] == "reused"]
    assert len(reuse) == 2 and len(reused) == 2
    assert any("finalized the deal" in (d["ot"] or "") for d in reuse)
    assert all(d["oa"] in data for d in reuse + reused)            # each side links to the other
    assert 'class="hl k-reuse"' in html and 'class="hl k-reused"' in html
    assert "k-quote" in html and "k-claim" in html
    # highlighted text still reads as the article: strip tags and compare with the source text
    art = sample["articles"][1]
    block = re.search(r'id="art-%s".*?<div class="text">(.*?)</div>' % art["id"], html, re.S).group(1)
    plain = re.sub(r"<[^>]+>", "", block).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    assert plain == art["text"]


def test_claims_table_flags_echo_and_conflict(html):
    rows = re.findall(r'<tr id="claim-(c\d)">(.*?)</tr>', html, re.S)
    by = dict(rows)
    assert set(by) == {"c1", "c2", "c3", "c4", "c5"}
    assert rows[0][0] == "c1"                                      # most supported first
    assert '<td data-label="support">3</td><td data-label="independent">1</td>' in by["c1"] and 'class="echo"' in by["c1"]
    assert "conflict: position_change" in by["c3"] and "conflict: position_change" in by["c4"]
    assert "conflict" not in by["c2"]


def test_hostile_metadata_is_escaped_and_javascript_urls_are_not_links(html):
    assert HOSTILE_TITLE not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)" in html
    assert 'href="javascript:' not in html.lower()
    assert "not a web link, not made clickable" in html
    assert "inbox/&lt;b&gt;broken&lt;/b&gt;.pdf" in html             # rejected inputs are listed, escaped
    assert safe_url(" JaVa\tScRiPt:alert(1)") is None and safe_url("https://a.example/x") == "https://a.example/x"


def test_articles_without_title_or_date_and_event_why(html):
    assert "Untitled article (" in html and "date unknown" in html
    assert "Why these articles are one event" in html and "mean_similarity" in html
    assert "New in this article (1 claim no earlier article made)" in html   # the follow-up's new fact


def test_empty_analysis_renders_with_clear_wording():
    for empty in ({}, {"version": 1, "articles": [], "storylines": []}, None):
        html = render_report(empty)
        assert "holds no articles yet" in html
        assert "No derivations found" in html and "No claims were extracted" in html
        assert "No input was rejected" in html


def test_storyline_of_one_article(seeds):
    from test_report_data import seed_articles
    a = seed_articles(seeds)["003"]
    a["title"] = None
    a["published"] = None
    an = {"articles": [a], "events": [{"id": "e", "storyline_id": "s", "article_ids": [a["id"]], "title": None}],
          "storylines": [{"id": "s", "event_ids": ["e"], "title": None}]}
    html = render_report(an)
    assert "A storyline of one article" in html and "Untitled event" in html
    assert "No dated articles or claimed times" in html
    assert "No derivations found (fewer than two articles)" in html
    assert "<ol class=\"summary\">" in html                         # a one-article storyline still gets a summary


def test_stage_notes_explain_empty_sections(sample):
    an = dict(sample, storylines=[], events=[],
              stage_notes=[{"stage": "stories", "status": "unavailable", "detail": "<b>import</b> failed"}])
    html = render_report(an)
    assert "Some analysis stages did not run" in html and "&lt;b&gt;import&lt;/b&gt; failed" in html
    assert "No storylines were produced" in html and "Articles in no storyline" in html


def test_layering_survives_cycles_and_puts_roots_first():
    d = layers(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "a"), ("a", "d"), ("d", "c")])
    assert d["a"] == 0 and d["b"] >= 1 and d["c"] > d["d"] > d["a"]


EVIL = st.sampled_from(["<script>x()</script>", "\"><svg onload=x()>", "javascript:x()", "</textarea><b>", "&lt;",
                        "]]><!--", "\u2028</script>", "' onmouseover='x()"])


@settings(max_examples=25, deadline=None)
@given(title=EVIL, outlet=EVIL, text=st.text(min_size=1, max_size=80).map(lambda s: s + "<i>evil</i>"), url=EVIL)
def test_any_hostile_article_string_is_escaped(title, outlet, text, url):
    art = {"id": "x1", "title": title, "outlet": outlet, "text": text, "url": url, "published": "2022-01-01"}
    an = {"articles": [art], "claims": [{"id": "<c>", "text": title, "evidence": [{"article_id": "x1", "span": [0, 1]}],
                                         "support": 1, "independent_support": 1}],
          "sources": [{"id": "s<1>", "name": outlet, "kind": "person"}],
          "derivations": [{"from": "s<1>", "to": "x1", "kind": "<k>", "score": 1, "passages": []}]}
    html = render_report(an)
    t = parse(html)
    for tag, d in t.tags:
        assert not any(k.startswith("on") for k in d), (tag, d)
        assert not (d.get("href") or "").lower().startswith("javascript:")
    assert "<i>evil</i>" not in html and "<script>x()" not in html and "<svg onload" not in html


def test_real_pipeline_output_renders(seeds, tmp_path):
    from storytrace import api
    doc = api.analyze([seeds], out=tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert len(doc["articles"]) == 5
    assert html.count('<article class="card"') == 5
    if doc.get("derivations"):
        assert '<svg class="dgraph"' in html
    if doc.get("claims"):
        assert html.count('<tr id="claim-') == len(doc["claims"])


# ------------------------------------------------------------------ size at scale: the capped report

def basil_analysis(corpora, n_big: int = 12) -> dict:
    """An analysis over the 300 real BASIL articles: one storyline per BASIL event (3 outlets),
    except that the first `n_big` events form one big storyline with a derivation chain, so the
    cap must pick it first. Claims: the first sentence of each article (evidence span real)."""
    import hashlib
    rows = [json.loads(line) for line in (corpora / "basil" / "articles.jsonl").open(encoding="utf-8")]
    arts, groups = [], {}
    for r in rows:
        aid = hashlib.blake2b(r["text"].encode(), digest_size=8).hexdigest()
        arts.append({"id": aid, "title": r.get("title"), "outlet": r.get("outlet"), "url": r.get("url"),
                     "published": r.get("published"), "text": r["text"]})
        groups.setdefault(r["id"].rsplit("_", 1)[0], []).append(aid)
    keys = list(groups)
    events = [{"id": f"e{i}", "storyline_id": "big" if i < n_big else f"s{i}", "article_ids": groups[k],
               "title": f"event {i}"} for i, k in enumerate(keys)]
    storylines = [{"id": "big", "event_ids": [f"e{i}" for i in range(n_big)], "title": "The big storyline"}]
    storylines += [{"id": f"s{i}", "event_ids": [f"e{i}"], "title": None} for i in range(n_big, len(keys))]
    big = [a for k in keys[:n_big] for a in groups[k]]
    derivations = [{"from": big[i], "to": big[i + 1], "kind": "rewrite", "score": 0.5, "passages": []}
                   for i in range(len(big) - 1)]
    claims = []
    for i, a in enumerate(arts):
        end = a["text"].find(". ")
        if end > 10:
            claims.append({"id": f"c{i}", "text": a["text"][:end], "evidence": [{"article_id": a["id"], "span": [0, end]}],
                           "support": 1 + (i % 3), "independent_support": 1})
    return {"version": 1, "articles": arts, "events": events, "storylines": storylines, "derivations": derivations,
            "claims": claims, "sources": [], "attributions": [], "conflicts": [], "timeline": [], "novelty": [],
            # a summary given (as the pipeline gives one), so rendering does not summarise 89 storylines
            "summary": [{"storyline_id": "big", "sentences": [{"text": claims[0]["text"], "article_ids": [arts[0]["id"]]}]}],
            "rejected": []}


def internal_links_resolve(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    return [h for h in re.findall(r'href="#([^"]*)"', html) if h not in ids]


@pytest.fixture(scope="module")
def basil(corpora):
    return basil_analysis(corpora)


def test_big_store_report_is_capped_and_says_what_it_left_out(basil):
    from storytrace.report import ReportLimits
    limits = ReportLimits(storylines=5, articles=60, claims=30, sources=50, listed=40)
    html = render_report(basil, limits)
    full = render_report(basil, ReportLimits(10**6, 10**6, 10**6, 10**6, 10**6))
    assert html.count('<article class="card"') == 60 and full.count('<article class="card"') == 300
    assert len(html) < len(full) / 3
    # the largest storyline (with the derivations) comes first, in full
    storylines = re.findall(r'<div class="card storyline" id="sl-([^"]+)">', html)
    assert storylines[0] == "big" and len(storylines) == 5
    assert html.count('<tr id="claim-') == 30
    # the note says what is left out and where to see it
    note = html.split('id="left-out"')[1].split("</div>")[0]
    assert "5 of 89 shown in full" in note and "60 of 300 shown" in note and "40 more listed by title" in note
    assert "Claims: 30 of 276 in the table" in note
    assert "storytrace serve --db" in note and "storytrace export" in note and "analysis.json" in note
    assert html.count('<tr id="sl-') == 40                       # the other storylines, listed by title
    assert internal_links_resolve(html) == [] and internal_links_resolve(full) == []
    assert 'id="left-out"' not in full


def test_default_limits_keep_small_stores_complete(html, basil):
    from storytrace.report import DEFAULT_LIMITS
    assert 'id="left-out"' not in html                           # the seeds report is complete
    assert DEFAULT_LIMITS.articles < 300
    capped = render_report(basil)
    assert capped.count('<article class="card"') == DEFAULT_LIMITS.articles and 'id="left-out"' in capped


def test_write_outputs_streams_both_files_and_never_leaves_half_a_file(sample, tmp_path, monkeypatch):
    from storytrace import api, report
    js, rep = api.write_outputs(sample, tmp_path)
    assert json.loads(js.read_text(encoding="utf-8")) == sample
    assert rep.read_text(encoding="utf-8").count('<article class="card"') == 5
    # Shareable like any file the user creates (not the private 0600 of a temp file).
    mask = os.umask(0o022)
    os.umask(mask)
    assert {js.stat().st_mode & 0o777, rep.stat().st_mode & 0o777} == {0o666 & ~mask}
    before = rep.read_bytes()

    def broken(doc, fh, limits=None):
        fh.write("<!DOCTYPE html><p>half")
        raise RuntimeError("render failed")

    monkeypatch.setattr(report, "write_report", broken)
    with pytest.raises(RuntimeError):
        api.write_outputs(sample, tmp_path)
    assert rep.read_bytes() == before                              # the old report stays whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.json", "report.html"]   # no temp file left
