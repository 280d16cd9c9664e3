"""Exports of an analysis for notebooks and graph tools: CSV, JSON Lines, GraphML.

`export(analysis, out_dir, fmt)` writes articles, claims and derivations:
- csv:     articles.csv, claims.csv, derivations.csv (nested fields as JSON in one cell; cells
           that a spreadsheet would run as a formula are prefixed with ' so they stay text);
- jsonl:   articles.jsonl, claims.jsonl, derivations.jsonl (the contract's dicts, one per line);
- graphml: derivations.graphml (articles and outside sources as nodes, derivations as directed
           edges with kind/score/passage count) and claims.graphml (claims and the articles that
           support them), both loadable by networkx and Gephi.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterable
from xml.etree import ElementTree as ET

__all__ = ["export", "FORMATS"]

FORMATS = ("csv", "jsonl", "graphml")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ARTICLE_COLS = ["id", "title", "outlet", "published", "published_inferred", "url", "byline", "path",
                "external_id", "language", "chars", "truncated", "text"]
CLAIM_COLS = ["id", "text", "support", "independent_support", "quantity", "time", "origins", "evidence"]
DERIV_COLS = ["from", "to", "kind", "score", "n_passages", "passages"]


def _list(analysis: dict, key: str) -> list[dict]:
    v = analysis.get(key) if isinstance(analysis, dict) else None
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _cell(v: object) -> str:
    if v is None:
        return ""
    s = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(s):
        s = "'" + s  # CSV formula injection: keep it text in spreadsheets
    return s


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _write_csv(path: Path, cols: list[str], rows: Iterable[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
    return path


def _write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _deriv_rows(analysis: dict) -> list[dict]:
    out = []
    for d in _list(analysis, "derivations"):
        row = dict(d)
        row["n_passages"] = len(d.get("passages") or [])
        out.append(row)
    return out


def _x(v: object) -> str:
    return _XML_BAD.sub("", "" if v is None else str(v))


class _GraphML:
    """A minimal GraphML writer with typed, declared attributes (what Gephi and networkx read)."""

    NS = "http://graphml.graphdrawing.org/xmlns"

    def __init__(self, node_keys: dict[str, str], edge_keys: dict[str, str]) -> None:
        ET.register_namespace("", self.NS)
        self.root = ET.Element(f"{{{self.NS}}}graphml")
        self.keys: dict[tuple[str, str], str] = {}
        for dom, keys in (("node", node_keys), ("edge", edge_keys)):
            for name, typ in keys.items():
                kid = f"{dom[0]}_{name}"
                ET.SubElement(self.root, f"{{{self.NS}}}key", {"id": kid, "for": dom, "attr.name": name, "attr.type": typ})
                self.keys[(dom, name)] = kid
        self.graph = ET.SubElement(self.root, f"{{{self.NS}}}graph", {"id": "G", "edgedefault": "directed"})
        self.nodes: set[str] = set()
        self.n_edges = 0

    def _data(self, el: ET.Element, dom: str, attrs: dict) -> None:
        for k, v in attrs.items():
            if v is None or (dom, k) not in self.keys:
                continue
            d = ET.SubElement(el, f"{{{self.NS}}}data", {"key": self.keys[(dom, k)]})
            d.text = _x(str(v).lower() if isinstance(v, bool) else v)

    def node(self, nid: str, **attrs: object) -> None:
        if nid in self.nodes:
            return
        self.nodes.add(nid)
        self._data(ET.SubElement(self.graph, f"{{{self.NS}}}node", {"id": _x(nid)}), "node", attrs)

    def edge(self, a: str, b: str, **attrs: object) -> None:
        self.n_edges += 1
        el = ET.SubElement(self.graph, f"{{{self.NS}}}edge", {"id": f"e{self.n_edges}", "source": _x(a), "target": _x(b)})
        self._data(el, "edge", attrs)

    def write(self, path: Path) -> Path:
        ET.ElementTree(self.root).write(path, encoding="utf-8", xml_declaration=True)
        return path


def _graphml(analysis: dict, out_dir: Path) -> list[Path]:
    arts = {a["id"]: a for a in _list(analysis, "articles") if isinstance(a.get("id"), str)}
    sources = {s["id"]: s for s in _list(analysis, "sources") if isinstance(s.get("id"), str)}
    node_keys = {"label": "string", "type": "string", "outlet": "string", "published": "string", "title": "string",
                 "url": "string", "source_kind": "string", "support": "int", "independent_support": "int"}

    def add_endpoint(g: _GraphML, nid: str) -> None:
        if nid in arts:
            a = arts[nid]
            g.node(nid, label=a.get("title") or a.get("outlet") or nid, type="article", outlet=a.get("outlet"),
                   published=a.get("published"), title=a.get("title"), url=a.get("url"))
        else:
            s = sources.get(nid, {})
            g.node(nid, label=s.get("name") or nid, type="source", source_kind=s.get("kind"))

    g = _GraphML(node_keys, {"kind": "string", "score": "double", "n_passages": "int"})
    for aid in arts:
        add_endpoint(g, aid)
    for d in _list(analysis, "derivations"):
        if not isinstance(d.get("from"), str) or not isinstance(d.get("to"), str):
            continue
        add_endpoint(g, d["from"])
        add_endpoint(g, d["to"])
        score = d.get("score")
        g.edge(d["from"], d["to"], kind=d.get("kind"), score=score if isinstance(score, (int, float)) else None,
               n_passages=len(d.get("passages") or []))
    paths = [g.write(out_dir / "derivations.graphml")]

    c = _GraphML(node_keys, {"kind": "string", "start": "int", "end": "int"})
    for cl in _list(analysis, "claims"):
        cid = f"claim:{cl.get('id')}"
        sup, ind = cl.get("support"), cl.get("independent_support")
        c.node(cid, label=cl.get("text"), type="claim", support=sup if isinstance(sup, int) else None,
               independent_support=ind if isinstance(ind, int) else None)
        for ev in cl.get("evidence") or []:
            if isinstance(ev, dict) and isinstance(ev.get("article_id"), str):
                add_endpoint(c, ev["article_id"])
                sp = ev.get("span") if isinstance(ev.get("span"), list) and len(ev["span"]) == 2 else [None, None]
                c.edge(ev["article_id"], cid, kind="supports", start=sp[0], end=sp[1])
    paths.append(c.write(out_dir / "claims.graphml"))
    return paths


def export(analysis: dict, out_dir: Path, fmt: str) -> list[Path]:
    """Write articles, claims and derivations of `analysis` under `out_dir` as `fmt`; the paths written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    analysis = analysis if isinstance(analysis, dict) else {}
    if fmt == "graphml":
        return _graphml(analysis, out_dir)
    articles = []
    for a in _list(analysis, "articles"):
        row = dict(a)
        row.setdefault("chars", len(a.get("text") or ""))
        articles.append(row)
    claims, derivs = _list(analysis, "claims"), _deriv_rows(analysis)
    if fmt == "csv":
        return [_write_csv(out_dir / "articles.csv", ARTICLE_COLS, articles),
                _write_csv(out_dir / "claims.csv", CLAIM_COLS, claims),
                _write_csv(out_dir / "derivations.csv", DERIV_COLS, derivs)]
    return [_write_jsonl(out_dir / "articles.jsonl", articles),
            _write_jsonl(out_dir / "claims.jsonl", claims),
            _write_jsonl(out_dir / "derivations.jsonl", _list(analysis, "derivations"))]
