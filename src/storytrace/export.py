"""Exports of an analysis for notebooks and graph tools: CSV, JSON Lines, GraphML.

`export(analysis, out_dir, fmt)` writes articles, claims and derivations:
- csv:     articles.csv, claims.csv, derivations.csv (nested fields as JSON in one cell; cells
           that a spreadsheet would run as a formula are prefixed with ' so they stay text);
- jsonl:   articles.jsonl, claims.jsonl, derivations.jsonl (the contract's dicts, one per line);
- graphml: derivations.graphml (articles and outside sources as nodes, derivations as directed
           edges with kind/score/passage count) and claims.graphml (claims and the articles that
           support them), both loadable by networkx and Gephi.
Every format is streamed row by row to its file: no second copy of a list, no XML tree in memory.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterable, Iterator
from xml.sax.saxutils import escape as xml_escape, quoteattr

__all__ = ["export", "FORMATS"]

FORMATS = ("csv", "jsonl", "graphml")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0

ARTICLE_COLS = ["id", "title", "outlet", "published", "published_inferred", "url", "byline", "path",
                "external_id", "language", "chars", "truncated", "text"]
CLAIM_COLS = ["id", "text", "support", "independent_support", "quantity", "time", "origins", "evidence"]
DERIV_COLS = ["from", "to", "kind", "score", "n_passages", "passages"]


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
    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
    return path


def _write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    with path.open("w", encoding="utf-8", buffering=1 << 20) as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def _iter(analysis: dict, key: str) -> Iterator[dict]:
    """The dicts under `key`, one at a time (exports stream: no copy of a whole list is built)."""
    v = analysis.get(key) if isinstance(analysis, dict) else None
    return (x for x in v if isinstance(x, dict)) if isinstance(v, list) else iter(())


def _article_rows(analysis: dict) -> Iterator[dict]:
    for a in _iter(analysis, "articles"):
        if "chars" in a:
            yield a
        else:
            yield {**a, "chars": len(a.get("text") or "")}


def _deriv_rows(analysis: dict) -> Iterator[dict]:
    for d in _iter(analysis, "derivations"):
        yield {**d, "n_passages": len(d.get("passages") or [])}


def _x(v: object) -> str:
    return _XML_BAD.sub("", "" if v is None else str(v))


class _GraphML:
    """A minimal streaming GraphML writer with typed, declared attributes (what Gephi and networkx
    read): each node and edge is written as it comes, so memory holds only the set of node ids."""

    NS = "http://graphml.graphdrawing.org/xmlns"

    def __init__(self, path: Path, node_keys: dict[str, str], edge_keys: dict[str, str]) -> None:
        self.path = path
        self.f = path.open("w", encoding="utf-8", buffering=1 << 20)
        self.f.write(f'<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<graphml xmlns="{self.NS}">')
        self.keys: dict[tuple[str, str], str] = {}
        for dom, keys in (("node", node_keys), ("edge", edge_keys)):
            for name, typ in keys.items():
                kid = f"{dom[0]}_{name}"
                self.f.write(f"<key id={quoteattr(kid)} for={quoteattr(dom)} attr.name={quoteattr(name)} "
                             f"attr.type={quoteattr(typ)} />")
                self.keys[(dom, name)] = kid
        self.f.write('<graph id="G" edgedefault="directed">')
        self.nodes: set[str] = set()
        self.n_edges = 0

    def _data(self, dom: str, attrs: dict) -> str:
        out = []
        for k, v in attrs.items():
            if v is None or (dom, k) not in self.keys:
                continue
            text = _x(str(v).lower() if isinstance(v, bool) else v)
            out.append(f"<data key={quoteattr(self.keys[(dom, k)])}>{xml_escape(text)}</data>")
        return "".join(out)

    def node(self, nid: str, **attrs: object) -> None:
        if nid in self.nodes:
            return
        self.nodes.add(nid)
        self.f.write(f"<node id={quoteattr(_x(nid))}>{self._data('node', attrs)}</node>")

    def edge(self, a: str, b: str, **attrs: object) -> None:
        self.n_edges += 1
        self.f.write(f"<edge id=\"e{self.n_edges}\" source={quoteattr(_x(a))} target={quoteattr(_x(b))}>"
                     f"{self._data('edge', attrs)}</edge>")

    def write(self) -> Path:
        self.f.write("</graph></graphml>")
        self.f.close()
        return self.path


def _graphml(analysis: dict, out_dir: Path) -> list[Path]:
    arts = {a["id"]: a for a in _iter(analysis, "articles") if isinstance(a.get("id"), str)}
    sources = {s["id"]: s for s in _iter(analysis, "sources") if isinstance(s.get("id"), str)}
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

    g = _GraphML(out_dir / "derivations.graphml", node_keys, {"kind": "string", "score": "double", "n_passages": "int"})
    for aid in arts:
        add_endpoint(g, aid)
    for d in _iter(analysis, "derivations"):
        if not isinstance(d.get("from"), str) or not isinstance(d.get("to"), str):
            continue
        add_endpoint(g, d["from"])
        add_endpoint(g, d["to"])
        score = d.get("score")
        g.edge(d["from"], d["to"], kind=d.get("kind"), score=score if isinstance(score, (int, float)) else None,
               n_passages=len(d.get("passages") or []))
    paths = [g.write()]

    c = _GraphML(out_dir / "claims.graphml", node_keys, {"kind": "string", "start": "int", "end": "int"})
    for cl in _iter(analysis, "claims"):
        cid = f"claim:{cl.get('id')}"
        sup, ind = cl.get("support"), cl.get("independent_support")
        c.node(cid, label=cl.get("text"), type="claim", support=sup if isinstance(sup, int) else None,
               independent_support=ind if isinstance(ind, int) else None)
        for ev in cl.get("evidence") or []:
            if isinstance(ev, dict) and isinstance(ev.get("article_id"), str):
                add_endpoint(c, ev["article_id"])
                sp = ev.get("span") if isinstance(ev.get("span"), list) and len(ev["span"]) == 2 else [None, None]
                c.edge(ev["article_id"], cid, kind="supports", start=sp[0], end=sp[1])
    paths.append(c.write())
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
    if fmt == "csv":
        return [_write_csv(out_dir / "articles.csv", ARTICLE_COLS, _article_rows(analysis)),
                _write_csv(out_dir / "claims.csv", CLAIM_COLS, _iter(analysis, "claims")),
                _write_csv(out_dir / "derivations.csv", DERIV_COLS, _deriv_rows(analysis))]
    return [_write_jsonl(out_dir / "articles.jsonl", _article_rows(analysis)),
            _write_jsonl(out_dir / "claims.jsonl", _iter(analysis, "claims")),
            _write_jsonl(out_dir / "derivations.jsonl", _iter(analysis, "derivations"))]
