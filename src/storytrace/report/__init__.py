"""The static report: one self-contained HTML page from an analysis dict.

`render_report(analysis)` draws what the stages produced (storylines, a derivation graph, a
timeline, highlighted article texts, claims) and says plainly what they did not produce. The
page needs no network: CSS and JS are inlined and allowed by hash in a Content-Security-Policy,
figures are SVG computed in Python, and every article-derived string is escaped by jinja2.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .graph import derivation_svg
from .highlight import collect, render_text
from .safe import clip, csp_hash, json_for_script, safe_url
from .timeline import timeline_svg
from .view import View, build_view

__all__ = ["render_report", "write_report", "report_context", "ReportLimits", "DEFAULT_LIMITS", "CSS", "JS", "report_csp", "environment"]

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


@dataclass(frozen=True)
class ReportLimits:
    """How much one report.html shows, so its size stays bounded however big the store grows.

    At 5,000 articles an uncapped report was 211 MB (every text highlighted, every claim, the
    whole graph): too big for a browser and for the memory of the run that writes it. Past these
    caps the report shows the largest storylines (most articles, then most derivations) in full
    with the texts of their most-derived articles, lists the rest compactly, and says what it
    left out and where to see it (the web UI and the exports read the whole store).
    """
    storylines: int = 25      # storylines shown in full: summary and events
    articles: int = 200       # articles shown with their highlighted text
    claims: int = 1000        # rows of the claims table
    sources: int = 500        # rows of the sources table
    listed: int = 1000        # rows of each compact list (other storylines, rejected inputs, ...)


DEFAULT_LIMITS = ReportLimits()


def _art_ref(v: View, aid: str, shown: set[str] | None = None) -> dict:
    return {"id": aid, "num": v.cite(aid) or "?", "title": v.article_title(aid),
            "outlet": v.article_outlet(aid), "date": v.article_date(aid),
            "shown": shown is None or aid in shown}


def _summaries(v: View, analysis: dict, shown: set[str] | None = None,
               only: set[str] | None = None) -> tuple[dict[str, list[dict]], str | None]:
    """Summary sentences per storyline id (of `only` when given); computed here when the
    analysis carries none."""
    items, note = v.summary, None
    if not items and v.storylines and v.articles:
        try:
            from ..summary import summarize
            if only is not None:  # a capped report summarises only the storylines it shows in full
                analysis = {**analysis, "storylines": [sl for sl in v.storylines if str(sl.get("id")) in only]}
            items = summarize(analysis)
            note = "Summary computed when this report was rendered (the analysis carried none)."
        except Exception as exc:  # a broken summariser must not take the whole report down
            items, note = [], f"Summary unavailable: {type(exc).__name__}."
    out: dict[str, list[dict]] = {}
    for s in items:
        if only is not None and str(s.get("storyline_id")) not in only:
            continue
        sents = []
        for sent in s.get("sentences") or []:
            if not isinstance(sent, dict):
                continue
            cites = sorted(({"id": a, "num": v.cite(a) or 0, "title": v.article_title(a),
                             "shown": shown is None or a in shown}
                            for a in dict.fromkeys(sent.get("article_ids") or []) if a in v.by_id),
                           key=lambda c: c["num"])
            sents.append({"text": str(sent.get("text") or ""), "cites": cites})
        out[str(s.get("storyline_id"))] = sents
    return out, note


def _span_text(v: View, aids: list[str]) -> str:
    times = [t for t in (v.article_time(a) for a in aids) if t]
    if not times:
        return ""
    lo, hi = min(times).date(), max(times).date()
    return str(lo) if lo == hi else f"{lo} to {hi}"


def _select(v: View, limits: ReportLimits) -> tuple[list[tuple[dict, list[str]]], list[tuple[dict, list[str]]], set[str] | None]:
    """(storylines in full, storylines listed only, ids of the articles whose text is shown).

    The third item is None when everything fits under the limits (the report is complete).
    Storylines are ranked by size, then by how many derivations touch them (where the reuse
    is); the article budget goes to their most-derived articles first.
    """
    with_ids = [(sl, [a for a in aids if a in v.by_id]) for sl, aids in v.storyline_index()]
    if len(with_ids) <= limits.storylines and len(v.articles) <= limits.articles:
        return with_ids, [], None
    degree: dict[str, int] = {}
    for d in v.derivations:
        for end in (d["from"], d["to"]):
            degree[end] = degree.get(end, 0) + 1
    ranked = sorted(with_ids, key=lambda p: (-len(p[1]), -sum(degree.get(a, 0) for a in p[1])))
    full, listed = ranked[: limits.storylines], ranked[limits.storylines:]
    shown: list[str] = []
    seen: set[str] = set()

    def take(aids: list[str]) -> None:
        for a in sorted(aids, key=lambda a: (-degree.get(a, 0), v.position.get(a, 0))):
            if len(shown) >= limits.articles:
                return
            if a not in seen:
                seen.add(a)
                shown.append(a)

    for _, aids in full:
        take(aids)
    # Budget left (few storylines, or none at all): the most-derived articles of the rest.
    take([a["id"] for a in v.articles])
    return full, listed, seen


def report_context(analysis: dict | None, limits: ReportLimits | None = None) -> dict:
    """Everything the template shows, computed from the analysis (pure; no I/O)."""
    limits = limits or DEFAULT_LIMITS
    analysis = analysis if isinstance(analysis, dict) else {}
    v = build_view(analysis)
    full, listed, shown = _select(v, limits)
    capped = shown is not None
    summaries, note = _summaries(v, analysis, shown, {str(sl.get("id")) for sl, _ in full} if capped else None)
    ev_by_id = {e.get("id"): e for e in v.events}
    ev_by_storyline: dict[object, list[dict]] = {}
    for e in v.events:
        ev_by_storyline.setdefault(e.get("storyline_id"), []).append(e)
    assigned: set[str] = set()
    for _, aids in full + listed:
        assigned.update(aids)
    storylines = []
    for i, (sl, aids) in enumerate(full):
        evs = [ev_by_id[e] for e in sl.get("event_ids") or [] if e in ev_by_id]
        seen_ev = {id(e) for e in evs}
        evs += [e for e in ev_by_storyline.get(sl.get("id"), []) if id(e) not in seen_ev] if sl.get("id") is not None else []
        title = sl.get("title") if isinstance(sl.get("title"), str) and sl["title"].strip() else (
            v.article_title(v.time_sorted(aids)[0]) if aids else f"Storyline {i + 1}")
        storylines.append({
            "id": str(sl.get("id")), "title": clip(title, 200), "article_ids": aids, "span": _span_text(v, aids),
            "summary": summaries.get(str(sl.get("id")), []), "summary_note": note,
            "events": [{"id": str(e.get("id")),
                        "title": clip(e.get("title"), 200) if isinstance(e.get("title"), str) and e["title"].strip()
                        else "Untitled event",
                        "articles": [_art_ref(v, a, shown) for a in v.time_sorted([x for x in e.get("article_ids") or [] if x in v.by_id])],
                        "why": _why_items(e.get("why"))} for e in evs]})
    other_storylines = []
    for sl, aids in listed[: limits.listed]:
        title = sl.get("title") if isinstance(sl.get("title"), str) and sl["title"].strip() else (
            v.article_title(v.time_sorted(aids)[0]) if aids else "Untitled storyline")
        n_ev = len(sl.get("event_ids") or [])
        if not n_ev and sl.get("id") is not None:
            n_ev = len(ev_by_storyline.get(sl.get("id"), []))
        other_storylines.append({"id": str(sl.get("id")), "title": clip(title, 200), "n_articles": len(aids),
                                 "n_events": n_ev, "span": _span_text(v, aids)})
    for e in v.events:
        assigned.update(a for a in e.get("article_ids") or [] if a in v.by_id)
    unassigned_all = [a for a in v.time_sorted([a["id"] for a in v.articles]) if a not in assigned]
    unassigned = [_art_ref(v, a, shown) for a in unassigned_all[: limits.listed]]

    shown_ids = v.time_sorted([a["id"] for a in v.articles if shown is None or a["id"] in shown])
    anns = collect(v, article_ids=shown)
    ann_data = {a.id: a.data() for a in anns.all()}
    ev_anchor: dict[tuple[str, int, int], str] = {}
    for a in anns.all():
        if a.kind == "claim":
            ev_anchor.setdefault((a.article_id, a.start, a.end), a.id)

    def touches_shown(c: dict) -> bool:
        return any(isinstance(e, dict) and e.get("article_id") in shown for e in c.get("evidence") or [])

    all_claims = v.claims if not capped else [c for c in v.claims if touches_shown(c)]
    # Most-supported first: what a fact-checker looks for; independent support breaks ties.
    def support_key(c: dict) -> tuple[int, int]:
        sup, ind = c.get("support"), c.get("independent_support")
        return (-(sup if isinstance(sup, int) else 0), -(ind if isinstance(ind, int) else 0))

    kept_claims = sorted(all_claims, key=support_key)[: limits.claims]
    claim_ids = {str(c.get("id")) for c in kept_claims}
    conflicts_by_claim: dict[str, list[dict]] = {}
    conflicts = []
    n_conflicts_touching = 0
    for f in v.conflicts:
        ids = [str(c) for c in f.get("claim_ids") or []]
        if capped and not any(c in claim_ids for c in ids):
            continue
        n_conflicts_touching += 1
        item = {"kind": str(f.get("kind") or "conflict"), "note": clip(f.get("note"), 400), "claim_ids": ids,
                "linked": [c for c in ids if c in claim_ids]}
        for c in ids:
            conflicts_by_claim.setdefault(c, []).append(item)
        if len(conflicts) < limits.listed:
            conflicts.append(item)
    claims = []
    for c in kept_claims:
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
                on_page = shown is None or e["article_id"] in shown
                evidence.append({"num": v.cite(e["article_id"]), "title": v.article_title(e["article_id"]),
                                 "anchor": (ev_anchor.get(key) if key in ev_anchor else "art-" + e["article_id"]) if on_page else None})
        claims.append({"id": str(c.get("id")), "text": clip(c.get("text"), 500), "detail": "; ".join(detail),
                       "support": sup if sup is not None else "?", "independent": ind if ind is not None else "?",
                       "echo": isinstance(sup, int) and isinstance(ind, int) and sup >= 2 and ind * 2 <= sup,
                       "evidence": evidence, "conflicts": conflicts_by_claim.get(str(c.get("id")), [])})

    cited_by: dict[str, list[str]] = {}
    for at in v.attributions:
        sid, aid = at.get("source_id"), at.get("article_id")
        if isinstance(sid, str) and aid in v.by_id and aid not in cited_by.setdefault(sid, []):
            cited_by[sid].append(aid)
    source_items = list(v.sources.items())
    if capped:
        source_items = [(sid, s) for sid, s in source_items
                        if s.get("article_id") in shown or any(a in shown for a in cited_by.get(sid, []))]
        source_items.sort(key=lambda p: -len(cited_by.get(p[0], [])))
    n_sources_touching = len(source_items)
    sources = [{"name": v.node_label(sid), "kind": s.get("kind") or "other",
                "article_id": s.get("article_id") if s.get("article_id") in v.by_id else None,
                "linked": s.get("article_id") in v.by_id and (shown is None or s.get("article_id") in shown),
                "num": v.cite(s.get("article_id")) if s.get("article_id") in v.by_id else None,
                "cited_by": [{"id": a, "num": v.cite(a), "shown": shown is None or a in shown}
                             for a in v.time_sorted(cited_by.get(sid, []))]}
               for sid, s in source_items[: limits.sources]]

    novelty = {n.get("article_id"): [v.claims_by_id[c] for c in n.get("claim_ids") or [] if c in v.claims_by_id]
               for n in v.novelty}
    der_in: dict[str, list[dict]] = {}
    der_out: dict[str, list[dict]] = {}
    for d in v.derivations:
        der_in.setdefault(d["to"], []).append(d)
        der_out.setdefault(d["from"], []).append(d)
    articles = []
    for aid in shown_ids:
        a = v.by_id[aid]
        text = a.get("text") if isinstance(a.get("text"), str) else ""
        raw_url = a.get("url") if isinstance(a.get("url"), str) else ""
        derived = [f"{v.node_label(d['from'])} ({d.get('kind') or '?'})" for d in der_in.get(aid, [])]
        reused = [f"{v.node_label(d['to'])} ({d.get('kind') or '?'})" for d in der_out.get(aid, [])]
        articles.append({
            "id": aid, "num": v.cite(aid), "title": v.article_title(aid), "outlet": v.article_outlet(aid),
            "date": v.article_date(aid), "byline": clip(a.get("byline"), 120) if a.get("byline") else "",
            "chars": len(text), "truncated": bool(a.get("truncated")), "url": safe_url(raw_url),
            "url_text": clip(raw_url, 200), "path": clip(a.get("path"), 200) if a.get("path") else "",
            "derived_from": derived, "reused_by": reused,
            "new_claims": [{"id": str(c.get("id")), "text": clip(c.get("text"), 160),
                            "linked": str(c.get("id")) in claim_ids} for c in novelty.get(aid, [])],
            "boilerplate": len(a.get("boilerplate_removed") or []),
            "html": render_text(text, anns.by_article.get(aid, []))})

    tline, undated = timeline_svg(v, shown_ids if capped else None, link_claims=claim_ids)
    rows_all = [t for t in v.timeline if not capped or str(t.get("claim_id")) in claim_ids]
    timeline_rows = [{"time": str(t.get("time") or ""), "text": clip(t.get("text"), 300),
                      "claim_id": str(t["claim_id"]) if t.get("claim_id") is not None and str(t["claim_id"]) in claim_ids else None}
                     for t in rows_all[: limits.listed]]
    rejected = v.rejected[: limits.listed]
    left_out = _left_out(v, limits, capped, full, listed, other_storylines, shown_ids, unassigned_all, all_claims,
                         claims, n_conflicts_touching, conflicts, n_sources_touching, sources, rows_all, timeline_rows)
    graph_ids = shown_ids if capped else None
    no_derivation = [_art_ref(v, a, shown) for a in shown_ids
                     if not der_in.get(a) and not der_out.get(a)][:200]
    return {"v": v, "storylines": storylines, "other_storylines": other_storylines, "unassigned": unassigned,
            "graph": derivation_svg(v, graph_ids, link_ids=shown),
            "tline": tline, "undated": [_art_ref(v, a, shown) for a in undated], "timeline_rows": timeline_rows,
            "claims": claims, "conflicts": conflicts, "sources": sources, "articles": articles,
            "rejected": rejected, "left_out": left_out, "capped": capped, "limits": limits,
            "ann_json": json_for_script(ann_data), "css": CSS, "js": JS, "csp": report_csp(),
            "stage_notes": _stage_notes(analysis), "no_derivation": no_derivation,
            "generated": datetime.now().isoformat(timespec="seconds")}


def _left_out(v: View, limits: ReportLimits, capped: bool, full: list, listed: list, other_storylines: list,
              shown_ids: list, unassigned_all: list, all_claims: list, claims: list, n_conflicts: int,
              conflicts: list, n_sources: int, sources: list, rows_all: list, rows: list) -> list[str]:
    """One line per section that shows less than the analysis holds (empty for a complete report)."""
    out = []
    if capped:
        line = f"Storylines: {len(full):,} of {len(full) + len(listed):,} shown in full (the largest)"
        if other_storylines:
            line += f"; {len(other_storylines):,} more listed by title, without their texts"
        if len(listed) > len(other_storylines):
            line += f"; {len(listed) - len(other_storylines):,} not listed"
        if full or listed:
            out.append(line + ".")
        out.append(f"Article texts: {len(shown_ids):,} of {len(v.articles):,} shown (the most-derived articles"
                   + (" of the storylines shown in full" if full else "") + "); the graph and the timeline draw these articles only.")
        if len(claims) < len(v.claims):
            out.append(f"Claims: {len(claims):,} of {len(v.claims):,} in the table (the best supported of the "
                       f"{len(all_claims):,} with evidence in the texts shown).")
        if len(sources) < len(v.sources):
            out.append(f"Sources: {len(sources):,} of {len(v.sources):,} listed (the most cited of the "
                       f"{n_sources:,} attributed in the texts shown).")
        if len(conflicts) < len(v.conflicts):
            out.append(f"Conflicts: {len(conflicts):,} of {len(v.conflicts):,} listed (of the {n_conflicts:,} "
                       f"involving a claim in the table).")
    else:
        if len(claims) < len(v.claims):
            out.append(f"Claims: {len(claims):,} of {len(v.claims):,} in the table (the best supported).")
        if len(sources) < len(v.sources):
            out.append(f"Sources: {len(sources):,} of {len(v.sources):,} listed.")
        if len(conflicts) < n_conflicts:
            out.append(f"Conflicts: {len(conflicts):,} of {n_conflicts:,} listed.")
    if len(unassigned_all) > limits.listed:
        out.append(f"Articles in no storyline: {limits.listed:,} of {len(unassigned_all):,} listed.")
    if len(rows) < len(v.timeline):
        out.append(f"Timeline entries: {len(rows):,} of {len(v.timeline):,} listed.")
    if len(v.rejected) > limits.listed:
        out.append(f"Rejected inputs: {limits.listed:,} of {len(v.rejected):,} listed.")
    return out


def _stage_notes(analysis: dict) -> list[dict]:
    """Stages the pipeline reported as failed or unavailable, so an empty section is explained."""
    notes = analysis.get("stage_notes")
    out = []
    for n in notes if isinstance(notes, list) else []:
        if isinstance(n, dict):
            out.append({"stage": clip(n.get("stage") or "?", 40), "status": clip(n.get("status") or "", 40),
                        "detail": clip(n.get("detail") or "", 300)})
    return out


def render_report(analysis: dict, limits: ReportLimits | None = None) -> str:
    """One self-contained HTML page (no network, works from file://) for an analysis dict."""
    return environment().get_template("report.html.j2").render(**report_context(analysis, limits))


def write_report(analysis: dict, fh: TextIO, limits: ReportLimits | None = None) -> int:
    """Stream the report into the open text file `fh` (chunk by chunk, never the whole page as
    one string); the number of characters written."""
    n = 0
    for chunk in environment().get_template("report.html.j2").generate(**report_context(analysis, limits)):
        fh.write(chunk)
        n += len(chunk)
    return n
