"""The derivation graph drawn as inline SVG, laid out in Python (no JS library, no network).

Layered (Sugiyama-style, simplified): a node's layer is its longest path from an origin, so the
origins sit at the top and every edge points down; within a layer nodes are ordered by the mean
position of their parents (one barycentre pass), ties by publication date. Sources outside the
corpus are drawn as dashed rounded boxes so they read as "not an article we have".
"""
from __future__ import annotations

from .safe import Markup, clip, escape
from .view import View

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 190, 46, 30, 78, 16
# Characters that fit a node line at 12px (title) and 11px (subtitle) in a sans-serif font.
LINE1_CHARS, LINE2_CHARS = 26, 30


def layers(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering from the roots; edges that close a cycle are ignored."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        if a != b:
            succ[a].append(b)
    # Drop back edges found by an iterative DFS, so the rest is a DAG.
    state: dict[str, int] = {}
    dag: dict[str, list[str]] = {n: [] for n in nodes}
    order: list[str] = []
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(nxt) == 1:
                continue  # back edge: cycle, skip
            else:
                dag[node].append(nxt)
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
    depth = {n: 0 for n in nodes}
    for n in reversed(order):  # reverse post-order is a topological order
        for m in dag[n]:
            depth[m] = max(depth[m], depth[n] + 1)
    return depth


def derivation_svg(view: View, article_ids: list[str] | None = None, *, anchor_prefix: str = "#art-",
                   link_ids: set[str] | None = None) -> Markup:
    """SVG of the derivations touching `article_ids` (all when None); empty Markup when none.

    `link_ids`: the articles a node may link to (a capped report leaves some out, and a link to
    an article that is not on the page would lead nowhere); None links every article.
    """
    keep = set(article_ids) if article_ids is not None else None
    ders = [d for d in view.derivations if keep is None or d["to"] in keep or d["from"] in keep]
    if not ders:
        return Markup("")
    nodes: list[str] = []
    for d in ders:
        for nid in (d["from"], d["to"]):
            if nid not in nodes:
                nodes.append(nid)
    edges = [(d["from"], d["to"]) for d in ders]
    depth = layers(nodes, edges)
    n_layers = max(depth.values()) + 1
    rows: list[list[str]] = [[] for _ in range(n_layers)]
    for nid in view.time_sorted([n for n in nodes if view.is_article(n)]) + [n for n in nodes if not view.is_article(n)]:
        rows[depth[nid]].append(nid)
    parents: dict[str, list[str]] = {}
    for a, b in edges:
        parents.setdefault(b, []).append(a)
    pos: dict[str, float] = {}
    for r, row in enumerate(rows):
        if r:
            row.sort(key=lambda n: (sum(pos.get(p, 0) for p in parents.get(n, [])) / max(1, len(parents.get(n, []))))
                     if parents.get(n) else 1e9)
        for i, n in enumerate(row):
            pos[n] = i
    width = max(len(r) for r in rows) * (NODE_W + GAP_X) - GAP_X + 2 * PAD
    height = n_layers * (NODE_H + GAP_Y) - GAP_Y + 2 * PAD
    xy: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        row_w = len(row) * (NODE_W + GAP_X) - GAP_X
        x0 = (width - row_w) / 2
        for i, n in enumerate(row):
            xy[n] = (x0 + i * (NODE_W + GAP_X), PAD + r * (NODE_H + GAP_Y))
    out: list[str] = [
        f'<svg class="dgraph" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="derivation graph: who reused whom, origins at the top" xmlns="http://www.w3.org/2000/svg">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for d in ders:
        (x1, y1), (x2, y2) = xy[d["from"]], xy[d["to"]]
        sx, sy = x1 + NODE_W / 2, y1 + NODE_H
        tx, ty = x2 + NODE_W / 2, y2
        if depth[d["to"]] <= depth[d["from"]]:  # a skipped cycle edge: draw it upwards, dashed
            sy, ty = y1, y2 + NODE_H
        kind = str(d.get("kind") or "?")
        score = d.get("score")
        label = kind + (f" {score:.2f}" if isinstance(score, (int, float)) else "")
        npass = len(d.get("passages") or [])
        tip = (f"{view.node_label(d['from'])} \u2192 {view.node_label(d['to'])}: {kind}"
               + (f", score {score:.2f}" if isinstance(score, (int, float)) else "")
               + f", {npass} aligned passage{'s' if npass != 1 else ''}")
        mx, my = (sx + tx) / 2, (sy + ty) / 2
        out.append(f'<g class="edge e-{escape(kind)}"><title>{escape(tip)}</title>'
                   f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" marker-end="url(#arrow)"/>'
                   f'<rect x="{mx - 4 - 3.4 * len(label):.1f}" y="{my - 9:.1f}" width="{8 + 6.8 * len(label):.1f}" '
                   f'height="16" rx="3" class="elabel"/>'
                   f'<text x="{mx:.1f}" y="{my + 3.5:.1f}" text-anchor="middle">{escape(label)}</text></g>')
    for nid in nodes:
        x, y = xy[nid]
        art = view.is_article(nid)
        line1 = clip(view.node_label(nid), LINE1_CHARS)
        if art:
            line2 = clip(f"{view.article_outlet(nid)} \u00b7 {view.article_date(nid)}", LINE2_CHARS)
            num = view.cite(nid)
            line1 = clip(f"[{num}] {view.node_label(nid)}", LINE1_CHARS) if num else line1
            tip = f"{view.node_label(nid)} \u2014 {view.article_outlet(nid)}, {view.article_date(nid)}"
        else:
            src = view.sources.get(nid) or {}
            line2 = clip(f"outside the corpus ({src.get('kind') or 'source'})", LINE2_CHARS)
            tip = f"{view.node_label(nid)}: a source outside the corpus"
        cls = "node art" if art else "node ext"
        if depth[nid] == 0 and not parents.get(nid):
            cls += " origin"
        body = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{4 if art else 16}"/>'
                f'<text x="{x + 8:.1f}" y="{y + 19:.1f}">{escape(line1)}</text>'
                f'<text x="{x + 8:.1f}" y="{y + 36:.1f}" class="sub">{escape(line2)}</text>')
        if art and (link_ids is None or nid in link_ids):
            out.append(f'<a href="{escape(anchor_prefix + nid)}"><g class="{cls}"><title>{escape(tip)}</title>{body}</g></a>')
        else:
            out.append(f'<g class="{cls}"><title>{escape(tip)}</title>{body}</g>')
    out.append("</svg>")
    return Markup("".join(out))
