"""The static report: one self-contained HTML page from an analysis dict.

`render_report(analysis)` draws what the stages produced (storylines, a derivation graph, a
timeline, highlighted article texts, claims) and says plainly what they did not produce. The
page needs no network: CSS and JS are inlined and allowed by hash in a Content-Security-Policy,
figures are SVG computed in Python, and every article-derived string is escaped by jinja2.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .graph import derivation_svg
from .highlight import collect, render_text
from .safe import clip, csp_hash, json_for_script, safe_url
from .timeline import timeline_svg
from .view import View, build_view

__all__ = ["render_report", "report_context", "CSS", "JS", "report_csp", "environment"]

TEMPLATES = Path(__file__).parent / "templates"
CSS = (TEMPLATES / "report.css").read_text(encoding="utf-8")
JS = (TEMPLATES / "report.js").read_text(encoding="utf-8")


def report_csp() -> str:
    """A CSP that allows only the page's own inline CSS and JS (by hash) and data: images."""
    return ("default-src 'none'; " f"script-src {csp_hash(JS)}; style-src {csp_hash(CSS)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


@lru_cache(maxsize=4)
def environment(extra: str | None = None) -> Environment:
    paths = [str(TEMPLATES)] + ([extra] if extra else [])
    return Environment(loader=FileSystemLoader(paths), autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=False, lstrip_blocks=False)


def _why_items(why: Any) -> list[tuple[str, str]]:
    if not isinstance(why, dict):
        return []
    out = []
    for k, val in why.items():
        if isinstance(val, float):
            s = f"{val:.3f}"
        elif isinstance(val, (str, int)):
            s = str(val)
        else:
            s = json.dumps(val, ensure_ascii=False, default=str)
        out.append((clip(k, 60), clip(s, 300)))
    return out


def _art_ref(v: View, aid: str) -> dict:
    return {"id": aid, "num": v.cite(aid) or "?", "title": v.article_title(aid),
            "outlet": v.article_outlet(aid), "date": v.article_date(aid)}


def _summaries(v: View, analysis: dict) -> tuple[dict[str, list[dict]], str | None]:
    """Summary sentences per storyline id; computed here when the analysis carries none."""
    items, note = v.summary, None
    if not items and v.storylines and v.articles:
        try:
            from ..summary import summarize
            items = summarize(analysis)
            note = "Summary computed when this report was rendered (the analysis carried none)."
        except Exception as exc:  # a broken summariser must not take the whole report down
            items, note = [], f"Summary unavailable: {type(exc).__name__}."
    out: dict[str, list[dict]] = {}
    for s in items:
        sents = []
        for sent in s.get("sentences") or []:
            if not isinstance(sent, dict):
                continue
            cites = sorted(({"id": a, "num": v.cite(a) or 0, "title": v.article_title(a)}
                            for a in dict.fromkeys(sent.get("article_ids") or []) if a in v.by_id),
                           key=lambda c: c["num"])
            sents.append({"text": str(sent.get("text") or ""), "cites": cites})
        out[str(s.get("storyline_id"))] = sents
    return out, note


def report_context(analysis: dict | None) -> dict:
    """Everything the template shows, computed from the analysis (pure; no I/O)."""
    analysis = analysis if isinstance(analysis, dict) else {}
    v = build_view(analysis)
    summaries, note = _summaries(v, analysis)
    ev_by_id = {e.get("id"): e for e in v.events}
    assigned: set[str] = set()
    storylines = []
    for i, sl in enumerate(v.storylines):
        aids = [a for a in v.storyline_article_ids(sl) if a in v.by_id]
        assigned.update(aids)
        evs = [ev_by_id[e] for e in sl.get("event_ids") or [] if e in ev_by_id]
        evs += [e for e in v.events if e.get("storyline_id") == sl.get("id") and e not in evs]
        times = [t for t in (v.article_time(a) for a in aids) if t]
        span = ""
        if times:
            lo, hi = min(times).date(), max(times).date()
            span = str(lo) if lo == hi else f"{lo} to {hi}"
        title = sl.get("title") if isinstance(sl.get("title"), str) and sl["title"].strip() else (
            v.article_title(v.time_sorted(aids)[0]) if aids else f"Storyline {i + 1}")
        storylines.append({
            "id": str(sl.get("id")), "title": clip(title, 200), "article_ids": aids, "span": span,
            "summary": summaries.get(str(sl.get("id")), []), "summary_note": note,
            "events": [{"id": str(e.get("id")),
                        "title": clip(e.get("title"), 200) if isinstance(e.get("title"), str) and e["title"].strip()
                        else "Untitled event",
                        "articles": [_art_ref(v, a) for a in v.time_sorted([x for x in e.get("article_ids") or [] if x in v.by_id])],
                        "why": _why_items(e.get("why"))} for e in evs]})
    for e in v.events:
        assigned.update(a for a in e.get("article_ids") or [] if a in v.by_id)
    unassigned = [_art_ref(v, a) for a in v.time_sorted([a["id"] for a in v.articles]) if a not in assigned]

    anns = collect(v)
    ann_data = {a.id: a.data() for a in anns.all()}
    conflicts_by_claim: dict[str, list[dict]] = {}
    conflicts = []
    for f in v.conflicts:
        ids = [str(c) for c in f.get("claim_ids") or []]
        item = {"kind": str(f.get("kind") or "conflict"), "note": clip(f.get("note"), 400), "claim_ids": ids}
        conflicts.append(item)
        for c in ids:
            conflicts_by_claim.setdefault(c, []).append(item)
    ev_anchor: dict[tuple[str, int, int], str] = {}
    for a in anns.all():
        if a.kind == "claim":
            ev_anchor.setdefault((a.article_id, a.start, a.end), a.id)
    claims = []
    for c in v.claims:
        sup, ind = c.get("support"), c.get("independent_support")
        q, t = c.get("quantity"), c.get("time")
        detail = []
        if isinstance(q, dict) and q.get("value") is not None:
            val = q.get("value")
            if isinstance(val, float) and val.is_integer():
                val = int(val)
            val = f"{val:,}" if isinstance(val, int) else str(val)
            detail.append("quantity: " + " ".join(str(x) for x in (q.get("approx"), val, q.get("unit")) if x))
        if isinstance(t, dict) and (t.get("start") or t.get("end")):
            detail.append(f"time: {t.get('start') or '?'}" + (f" to {t['end']}" if t.get("end") and t.get("end") != t.get("start") else "")
                          + (f" ({t['precision']})" if t.get("precision") else ""))
        evidence = []
        for e in c.get("evidence") or []:
            if isinstance(e, dict) and e.get("article_id") in v.by_id:
                sp = e.get("span")
                key = (e["article_id"], sp[0], sp[1]) if isinstance(sp, (list, tuple)) and len(sp) == 2 else None
                evidence.append({"num": v.cite(e["article_id"]), "title": v.article_title(e["article_id"]),
                                 "anchor": ev_anchor.get(key) if key in ev_anchor else "art-" + e["article_id"]})
        claims.append({"id": str(c.get("id")), "text": clip(c.get("text"), 500), "detail": "; ".join(detail),
                       "support": sup if sup is not None else "?", "independent": ind if ind is not None else "?",
                       "echo": isinstance(sup, int) and isinstance(ind, int) and sup >= 2 and ind * 2 <= sup,
                       "evidence": evidence, "conflicts": conflicts_by_claim.get(str(c.get("id")), [])})

    # Most-supported first: what a fact-checker looks for; independent support breaks ties.
    claims.sort(key=lambda c: (-(c["support"] if isinstance(c["support"], int) else 0),
                               -(c["independent"] if isinstance(c["independent"], int) else 0)))
    cited_by: dict[str, list[str]] = {}
    for at in v.attributions:
        sid, aid = at.get("source_id"), at.get("article_id")
        if isinstance(sid, str) and aid in v.by_id and aid not in cited_by.setdefault(sid, []):
            cited_by[sid].append(aid)
    sources = [{"name": v.node_label(sid), "kind": s.get("kind") or "other",
                "article_id": s.get("article_id") if s.get("article_id") in v.by_id else None,
                "num": v.cite(s.get("article_id")) if s.get("article_id") in v.by_id else None,
                "cited_by": [{"id": a, "num": v.cite(a)} for a in v.time_sorted(cited_by.get(sid, []))]}
               for sid, s in v.sources.items()]

    novelty = {n.get("article_id"): [v.claims_by_id[c] for c in n.get("claim_ids") or [] if c in v.claims_by_id]
               for n in v.novelty}
    articles = []
    for aid in v.time_sorted([a["id"] for a in v.articles]):
        a = v.by_id[aid]
        text = a.get("text") if isinstance(a.get("text"), str) else ""
        raw_url = a.get("url") if isinstance(a.get("url"), str) else ""
        derived = [f"{v.node_label(d['from'])} ({d.get('kind') or '?'})" for d in v.derivations if d["to"] == aid]
        reused = [f"{v.node_label(d['to'])} ({d.get('kind') or '?'})" for d in v.derivations if d["from"] == aid]
        articles.append({
            "id": aid, "num": v.cite(aid), "title": v.article_title(aid), "outlet": v.article_outlet(aid),
            "date": v.article_date(aid), "byline": clip(a.get("byline"), 120) if a.get("byline") else "",
            "chars": len(text), "truncated": bool(a.get("truncated")), "url": safe_url(raw_url),
            "url_text": clip(raw_url, 200), "path": clip(a.get("path"), 200) if a.get("path") else "",
            "derived_from": derived, "reused_by": reused,
            "new_claims": [{"id": str(c.get("id")), "text": clip(c.get("text"), 160)} for c in novelty.get(aid, [])],
            "boilerplate": len(a.get("boilerplate_removed") or []),
            "html": render_text(text, anns.by_article.get(aid, []))})

    tline, undated = timeline_svg(v)
    timeline_rows = [{"time": str(t.get("time") or ""), "text": clip(t.get("text"), 300),
                      "claim_id": str(t["claim_id"]) if t.get("claim_id") is not None else None} for t in v.timeline]
    return {"v": v, "storylines": storylines, "unassigned": unassigned, "graph": derivation_svg(v),
            "tline": tline, "undated": [_art_ref(v, a) for a in undated], "timeline_rows": timeline_rows,
            "claims": claims, "conflicts": conflicts, "sources": sources, "articles": articles,
            "ann_json": json_for_script(ann_data), "css": CSS, "js": JS, "csp": report_csp(),
            "stage_notes": _stage_notes(analysis),
            "no_derivation": [_art_ref(v, a) for a in v.time_sorted([a["id"] for a in v.articles])
                              if not any(d["from"] == a or d["to"] == a for d in v.derivations)][:200],
            "generated": datetime.now().isoformat(timespec="seconds")}


def _stage_notes(analysis: dict) -> list[dict]:
    """Stages the pipeline reported as failed or unavailable, so an empty section is explained."""
    notes = analysis.get("stage_notes")
    out = []
    for n in notes if isinstance(notes, list) else []:
        if isinstance(n, dict):
            out.append({"stage": clip(n.get("stage") or "?", 40), "status": clip(n.get("status") or "", 40),
                        "detail": clip(n.get("detail") or "", 300)})
    return out


def render_report(analysis: dict) -> str:
    """One self-contained HTML page (no network, works from file://) for an analysis dict."""
    return environment().get_template("report.html.j2").render(**report_context(analysis))
