"""Article text with its annotations highlighted by character span.

Annotations (aligned passages on both sides of a derivation, quotes and attributions, claim
evidence) overlap freely, so the text is cut at every span boundary and each piece is wrapped in
one <mark> that lists all annotations covering it. Each annotation carries a tooltip and, for an
alignment, the other side's words and an anchor to jump to them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .safe import Markup, clip, escape
from .view import View, span_of


@dataclass
class Ann:
    id: str
    article_id: str
    kind: str            # reuse | reused | quote | attribution | claim
    start: int
    end: int
    tip: str
    other_text: str | None = None
    other_anchor: str | None = None
    other_label: str | None = None

    def data(self) -> dict:
        return {"k": self.kind, "tip": self.tip, "ot": self.other_text, "oa": self.other_anchor,
                "ol": self.other_label}


@dataclass
class Annotations:
    by_article: dict[str, list[Ann]] = field(default_factory=dict)

    def add(self, ann: Ann) -> None:
        self.by_article.setdefault(ann.article_id, []).append(ann)

    def all(self) -> list[Ann]:
        return [a for anns in self.by_article.values() for a in anns]


def collect(view: View, max_other_chars: int = 600, article_ids: set[str] | None = None) -> Annotations:
    """Every highlightable span the analysis has, keyed by article.

    `article_ids`: only these articles get annotations (a capped report shows some texts only);
    an alignment whose other side is not among them keeps the other side's words but no jump
    anchor. Annotation ids are numbered over the whole analysis either way, so an id means the
    same span in a capped and an uncapped rendering.
    """
    out = Annotations()
    n = 0

    def shown(aid: str) -> bool:
        return article_ids is None or aid in article_ids

    def text_of(aid: str) -> str:
        t = (view.by_id.get(aid) or {}).get("text")
        return t if isinstance(t, str) else ""

    def ok(aid: str, sp: tuple[int, int] | None) -> bool:
        return sp is not None and aid in view.by_id and sp[1] <= len(text_of(aid))

    for d in view.derivations:
        src, dst, kind = d["from"], d["to"], str(d.get("kind") or "reuse")
        for p in d.get("passages") or []:
            if not isinstance(p, dict):
                continue
            to_sp, from_sp = span_of(p.get("to_span")), span_of(p.get("from_span"))
            if not ok(dst, to_sp):
                continue
            n += 1
            sim = p.get("similarity")
            sim_s = f" (similarity {sim:.2f})" if isinstance(sim, (int, float)) else ""
            if isinstance(p.get("kind"), str):
                sim_s = f", {p['kind']}{sim_s}"
            a_id, b_id = f"ann{n}a", f"ann{n}b"
            has_other = ok(src, from_sp)
            if shown(dst):
                out.add(Ann(a_id, dst, "reuse", to_sp[0], to_sp[1],
                            f"{kind}: reused from {view.node_label(src)}{sim_s}",
                            clip(text_of(src)[from_sp[0]:from_sp[1]], max_other_chars) if has_other else None,
                            b_id if has_other and shown(src) else None,
                            view.node_label(src)))
            if has_other and shown(src):
                out.add(Ann(b_id, src, "reused", from_sp[0], from_sp[1],
                            f"{kind}: reused by {view.node_label(dst)}{sim_s}",
                            clip(text_of(dst)[to_sp[0]:to_sp[1]], max_other_chars), a_id if shown(dst) else None,
                            view.node_label(dst)))
    for at in view.attributions:
        aid, sp = at.get("article_id"), span_of(at.get("span"))
        if not isinstance(aid, str) or not ok(aid, sp):
            continue
        n += 1
        if not shown(aid):
            continue
        who = view.node_label(at["source_id"]) if isinstance(at.get("source_id"), str) else "an unnamed source"
        quote = at.get("quote")
        kind = "quote" if isinstance(quote, str) and quote else "attribution"
        tip = f"{'quote' if kind == 'quote' else 'attributed'} \u2014 source: {who}"
        out.add(Ann(f"ann{n}q", aid, kind, sp[0], sp[1], tip))
    for c in view.claims:
        ind = c.get("independent_support")
        sup = c.get("support")
        for ev in c.get("evidence") or []:
            if not isinstance(ev, dict):
                continue
            aid, sp = ev.get("article_id"), span_of(ev.get("span"))
            if not isinstance(aid, str) or not ok(aid, sp):
                continue
            n += 1
            if not shown(aid):
                continue
            out.add(Ann(f"ann{n}c", aid, "claim", sp[0], sp[1],
                        f"claim {c.get('id')}: {clip(c.get('text'), 200)} \u2014 support {sup if sup is not None else '?'}, "
                        f"independent {ind if ind is not None else '?'}"))
    return out


def render_text(text: str, anns: list[Ann]) -> Markup:
    """`text` as escaped HTML with every annotation span wrapped in <mark> (overlaps allowed)."""
    if not text:
        return Markup("")
    anns = [a for a in anns if 0 <= a.start < a.end <= len(text)]
    bounds = sorted({0, len(text), *(a.start for a in anns), *(a.end for a in anns)})
    starts: dict[int, list[Ann]] = {}
    for a in anns:
        starts.setdefault(a.start, []).append(a)
    active: list[Ann] = []
    parts: list[str] = []
    for lo, hi in zip(bounds, bounds[1:]):
        active = [a for a in active if a.end > lo]
        new = starts.get(lo, [])
        active.extend(new)
        for a in new:
            parts.append(f'<a class="anchor" id="{escape(a.id)}"></a>')
        piece = escape(text[lo:hi])
        if not active:
            parts.append(str(piece))
            continue
        kinds = sorted({a.kind for a in active})
        cls = " ".join(f"k-{k}" for k in kinds)
        ids = " ".join(a.id for a in active)
        tip = " | ".join(dict.fromkeys(a.tip for a in active))
        parts.append(f'<mark class="hl {escape(cls)}" data-a="{escape(ids)}" title="{escape(clip(tip, 400))}" '
                     f'tabindex="0">{piece}</mark>')
    return Markup("".join(parts))
