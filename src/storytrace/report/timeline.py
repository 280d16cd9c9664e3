"""The timeline drawn as inline SVG: when each outlet published, and when the claims say things happened.

One row per outlet (articles as dots, linked to their text) and one row for the times the claims
refer to (diamonds). The axis spans the dated items; undated articles are listed, not placed.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .safe import Markup, clip, escape
from .view import View, parse_time

W, LEFT, RIGHT, ROW_H, TOP, MAX_ROWS = 900, 170, 24, 28, 34, 24


def _ticks(lo: datetime, hi: datetime, n: int = 8) -> tuple[list[datetime], str]:
    """Tick times on calendar boundaries (month starts or whole days), at most about `n` of them."""
    days = (hi - lo).total_seconds() / 86400
    if days > 120:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        step = max(1, -(-months // n))
        t = datetime(lo.year, lo.month, 1)
        out = []
        while t <= hi:
            if t >= lo:
                out.append(t)
            m = t.month - 1 + step
            t = datetime(t.year + m // 12, m % 12 + 1, 1)
        return out, "%Y-%m"
    step = max(1, int(-(-days // n)))
    t = datetime(lo.year, lo.month, lo.day) + timedelta(days=1)
    out = []
    while t <= hi:
        out.append(t)
        t += timedelta(days=step)
    return out, "%Y-%m-%d"


def timeline_svg(view: View, article_ids: list[str] | None = None, *, anchor_prefix: str = "#art-",
                 claim_prefix: str = "#claim-", link_claims: set[str] | None = None) -> tuple[Markup, list[str]]:
    """(SVG, ids of undated articles). SVG is empty Markup when nothing has a date.

    `link_claims`: the claim ids a diamond may link to (a capped report lists some claims only);
    None links every claim."""
    aids = article_ids if article_ids is not None else [a["id"] for a in view.articles]
    dated = [(a, view.article_time(a)) for a in aids]
    undated = [a for a, t in dated if t is None]
    dated = [(a, t) for a, t in dated if t is not None]
    keep_claims = None
    if article_ids is not None:
        keep = set(article_ids)
        keep_claims = {c.get("id") for c in view.claims
                       if any(isinstance(e, dict) and e.get("article_id") in keep for e in c.get("evidence") or [])}
    items = []  # (start, end or None, entry): a claimed time, or a range when the claim gives one
    for t in view.timeline:
        when = parse_time(t.get("start")) or parse_time(t.get("time"))
        if when is None or (keep_claims is not None and t.get("claim_id") not in keep_claims):
            continue
        end = parse_time(t.get("end"))
        items.append((when, end if end and end - when > timedelta(days=1) else None, t))
    times = [t for _, t in dated] + [w for w, _, _ in items] + [e for _, e, _ in items if e]
    if not times:
        return Markup(""), undated
    lo, hi = min(times), max(times)
    if hi - lo < timedelta(days=2):
        lo, hi = lo - timedelta(days=1), hi + timedelta(days=1)
    pad = (hi - lo) * 0.04
    lo, hi = lo - pad, hi + pad
    span_s = (hi - lo).total_seconds()

    def x(t: datetime) -> float:
        return LEFT + (W - LEFT - RIGHT) * (t - lo).total_seconds() / span_s

    outlets: list[str] = []
    for a, _ in sorted(dated, key=lambda p: p[1]):
        o = view.article_outlet(a)
        if o not in outlets:
            outlets.append(o)
    other = len(outlets) > MAX_ROWS
    if other:
        outlets = outlets[: MAX_ROWS - 1] + ["other outlets"]
    rows = outlets + (["claimed times"] if items else [])
    height = TOP + len(rows) * ROW_H + 30
    ticks, fmt = _ticks(lo, hi)
    out = [f'<svg class="tline" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" '
           f'aria-label="timeline of publications and claimed times" xmlns="http://www.w3.org/2000/svg">']
    axis_y = TOP + len(rows) * ROW_H + 4
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{W - RIGHT}" y2="{axis_y}" class="axis"/>')
    for tk in ticks:
        tx = x(tk)
        out.append(f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{axis_y}" class="grid"/>'
                   f'<text x="{tx:.1f}" y="{axis_y + 16}" text-anchor="middle" class="tick">{escape(tk.strftime(fmt))}</text>')
    for r, name in enumerate(rows):
        y = TOP + r * ROW_H + ROW_H / 2
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" class="rowlabel">{escape(clip(name, 26))}</text>'
                   f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" class="row"/>')
    row_of = {o: i for i, o in enumerate(outlets)}
    # Articles at (almost) the same place in a row share one label, so numbers never overprint.
    per_row: dict[int, list[tuple[float, str]]] = {}
    for a, t in dated:
        per_row.setdefault(row_of.get(view.article_outlet(a), len(outlets) - 1), []).append((x(t), a))
    for r, pts in per_row.items():
        y = TOP + r * ROW_H + ROW_H / 2
        pts.sort()
        clusters: list[list[tuple[float, str]]] = []
        for px, a in pts:
            if clusters and px - clusters[-1][-1][0] < 12:
                clusters[-1].append((px, a))
            else:
                clusters.append([(px, a)])
        for cl in clusters:
            for px, a in cl:
                num = view.cite(a)
                tip = f"[{num}] {view.article_title(a)} \u2014 {view.article_outlet(a)}, {view.article_date(a)}"
                out.append(f'<a href="{escape(anchor_prefix + a)}"><g class="tart"><title>{escape(tip)}</title>'
                           f'<circle cx="{px:.1f}" cy="{y:.1f}" r="6"/></g></a>')
            label = ",".join(str(view.cite(a) or "") for _, a in cl)
            label = label if len(label) <= 14 else f"{len(cl)} articles"
            cx = sum(px for px, _ in cl) / len(cl)
            out.append(f'<text x="{cx:.1f}" y="{y - 9:.1f}" text-anchor="middle" class="num">{escape(label)}</text>')
    if items:
        y = TOP + (len(rows) - 1) * ROW_H + ROW_H / 2
        for when, end, t in items:
            cx = x(when)
            rng = (f'<line x1="{cx:.1f}" y1="{y:.1f}" x2="{x(end):.1f}" y2="{y:.1f}" class="trange"/>' if end else "")
            tip = f"{t.get('time')}: {clip(t.get('text'), 200)}"
            mark = (f'<g class="tclaim"><title>{escape(tip)}</title>'
                    f'{rng}<path d="M{cx:.1f},{y - 7:.1f} l7,7 l-7,7 l-7,-7 z"/></g>')
            if link_claims is None or str(t.get("claim_id")) in link_claims:
                mark = f'<a href="{escape(claim_prefix + str(t.get("claim_id")))}">{mark}</a>'
            out.append(mark)
    out.append("</svg>")
    return Markup("".join(out)), undated
