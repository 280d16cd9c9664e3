"""Exports of the sample analysis: CSV, JSONL, GraphML that networkx (and so Gephi) can load."""
from __future__ import annotations

import csv
import json
from xml.etree import ElementTree as ET

import pytest

from storytrace.export import export
from test_report_data import sample_analysis


@pytest.fixture(scope="module")
def sample(seeds):
    an = sample_analysis(seeds)
    an["articles"][2]["title"] = "=HYPERLINK(\"http://evil.example\")"   # a spreadsheet formula in a title
    an["articles"][4]["text"] += "\x0b\x01"                              # characters XML 1.0 cannot hold
    return an


def test_csv_has_one_row_per_item_and_defuses_formulas(sample, tmp_path):
    paths = export(sample, tmp_path, "csv")
    assert [p.name for p in paths] == ["articles.csv", "claims.csv", "derivations.csv"]
    arts = list(csv.DictReader((tmp_path / "articles.csv").open(encoding="utf-8", newline="")))
    assert [a["id"] for a in arts] == [a["id"] for a in sample["articles"]]
    assert arts[1]["text"] == sample["articles"][1]["text"]              # full text round-trips
    assert arts[2]["title"].startswith("'=HYPERLINK")
    claims = list(csv.DictReader((tmp_path / "claims.csv").open(encoding="utf-8", newline="")))
    assert claims[0]["support"] == "3" and claims[0]["independent_support"] == "1"
    assert json.loads(claims[0]["evidence"])[0]["span"] == sample["claims"][0]["evidence"][0]["span"]
    ders = list(csv.DictReader((tmp_path / "derivations.csv").open(encoding="utf-8", newline="")))
    assert [d["kind"] for d in ders] == ["partial", "rewrite", "cites", "cites"] and ders[0]["n_passages"] == "1"


def test_jsonl_round_trips_the_contract_dicts(sample, tmp_path):
    export(sample, tmp_path, "jsonl")
    rows = [json.loads(l) for l in (tmp_path / "derivations.jsonl").open(encoding="utf-8")]
    assert rows == sample["derivations"]
    claims = [json.loads(l) for l in (tmp_path / "claims.jsonl").open(encoding="utf-8")]
    assert [c["id"] for c in claims] == ["c1", "c2", "c3", "c4", "c5"]


def test_graphml_loads_in_networkx_with_kinds_and_outside_sources(sample, tmp_path):
    paths = export(sample, tmp_path, "graphml")
    for p in paths:
        ET.parse(p)                                                      # well-formed XML
    import networkx as nx
    g = nx.read_graphml(paths[0])
    assert g.is_directed() and g.number_of_nodes() == 6 and g.number_of_edges() == 4
    assert g.nodes["src:hill"]["type"] == "source" and g.nodes["src:hill"]["label"] == "The Hill"
    ids = [a["id"] for a in sample["articles"]]
    assert g.edges[ids[1], ids[0]]["kind"] == "partial" and g.edges[ids[1], ids[0]]["score"] == pytest.approx(0.41)
    assert g.in_degree(ids[4]) == 2                                      # a rewrite and a citation of an outside source
    c = nx.read_graphml(paths[1])
    assert c.nodes["claim:c1"]["support"] == 3 and c.in_degree("claim:c1") == 3


def test_empty_analysis_and_unknown_format(tmp_path):
    for fmt in ("csv", "jsonl", "graphml"):
        paths = export({}, tmp_path / fmt, fmt)
        assert paths and all(p.exists() for p in paths)
    with pytest.raises(ValueError):
        export({}, tmp_path, "xlsx")
