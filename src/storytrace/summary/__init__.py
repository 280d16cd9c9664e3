"""Cited multi-source summaries per storyline.

`summarize(analysis)` picks 5-8 sentences per storyline from its articles (extractive), each
citing every article that says the same thing, in time order:

1. candidates: sentence spans of each article (text.sentence_spans), without headlines, bylines
   and furniture (too short, no sentence punctuation, "continue reading"...);
2. "says the same thing": sentences of different articles whose content-word TF-IDF cosine is
   high, or that lie in the two sides of an aligned passage of a derivation, form one group; a
   group is said once, in the words of its earliest article, and cites all its articles;
3. score: LexRank centrality, how many articles carry the group, lead position, and a bonus for
   a follow-up's new facts (novelty claims' evidence); one slot is reserved for each event so a
   follow-up's news is not crowded out by the first report's many copies;
4. MMR selection (relevance minus redundancy with what is already chosen), then time order.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..report.view import View, build_view, span_of
from ..text import sentence_spans
from .lexical import content_terms, lexrank, tfidf_matrix, tfidf_sparse

__all__ = ["summarize", "summarize_articles", "Candidate", "candidates"]

SAME_THING = 0.5      # cosine at or above which two sentences of different articles say the same thing
REDUNDANT = 0.45      # never pick a sentence this similar to one already picked
MMR_LAMBDA = 0.7
# Score weights: centrality (LexRank), agreement across articles, lead position, a follow-up's
# lexical novelty, a novelty claim's evidence. Chosen by leave-one-out on a labelled corpus (bench/summary_rouge.py).
W_CENTRAL, W_SUPPORT, W_LEAD, W_FRESH, W_NOVEL = 0.45, 0.4, 0.3, 0.2, 0.35
LEAD_DECAY = 2.0
MAX_CANDIDATES_PER_ARTICLE = 40
# Candidates of one storyline, at most (about): the sentence similarities form a dense n x n matrix,
# 2,500 candidates are 25 MB, while a 500-article storyline at 40 each would want 1.6 GB. A big
# storyline reads fewer sentences of each article (its lead first); never fewer than 3.
MAX_CANDIDATES_PER_STORYLINE = 2500
MIN_CANDIDATES_PER_ARTICLE = 3
_ROWS = 256  # rows of a candidate matrix handled at once (memory, not results)
# Matched against lower-cased text (IGNORECASE is several times slower in `re`).
_FURNITURE = re.compile(r"continue reading|click here|sign up|subscribe|all rights reserved|newsletter|"
                        r"tap to|install (?:the|our) app|read more|follow us|\(more .{0,40} stories\.?\)")
_END = re.compile(r"""[.!?\u2026]["'\u201d\u2019)\]]*$""")


@dataclass
class Candidate:
    article_id: str
    start: int
    end: int
    text: str
    position: int                     # index of the sentence in its article
    time: datetime | None
    order: int                        # article's rank in time order
    terms: list[str] = field(default_factory=list)


def _is_sentence(s: str, title: str | None) -> bool:
    n_words = len(s.split())
    if n_words < 6 or n_words > 80 or _FURNITURE.search(s.lower()):
        return False
    if title and s.strip().strip('"\u201c\u201d') == title.strip().strip('"\u201c\u201d'):
        return False
    return bool(_END.search(s))  # headlines, bylines, captions without punctuation are not sentences


def joined_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, with hard-wrapped lines re-joined.

    `sentence_spans` ends a sentence at every line break; texts wrapped at a fixed width would
    give fragments, so a piece that does not end like a sentence and is followed, after one
    line break, by a piece starting in lower case (or a digit) is joined to it.
    """
    spans = sentence_spans(text)
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            gap = text[pe:s]
            if gap.count("\n") == 1 and not gap.strip() and not _END.search(text[ps:pe]) \
                    and (text[s].islower() or text[s].isdigit()):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def per_article_cap(n_articles: int) -> int:
    """Sentences read per article of a storyline of `n_articles` (40, fewer in big storylines)."""
    return max(MIN_CANDIDATES_PER_ARTICLE,
               min(MAX_CANDIDATES_PER_ARTICLE, MAX_CANDIDATES_PER_STORYLINE // max(1, n_articles)))


def candidates(view: View, article_ids: list[str]) -> list[Candidate]:
    out: list[Candidate] = []
    cap = per_article_cap(len(set(article_ids)))
    for order, aid in enumerate(view.time_sorted(article_ids)):
        a = view.by_id.get(aid) or {}
        text = a.get("text") if isinstance(a.get("text"), str) else ""
        title = a.get("title") if isinstance(a.get("title"), str) else None
        pos = 0
        for s, e in joined_sentence_spans(text):
            sent = " ".join(text[s:e].split())
            if not _is_sentence(sent, title):
                continue
            c = Candidate(aid, s, e, sent, pos, view.article_time(aid), order, content_terms(sent))
            pos += 1
            if c.terms:
                out.append(c)
            if pos >= cap:
                break
    return out


class _UF:
    def __init__(self, n: int) -> None:
        self.p = list(range(n))

    def find(self, i: int) -> int:
        while self.p[i] != i:
            self.p[i] = self.p[self.p[i]]
            i = self.p[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.p[max(ri, rj)] = min(ri, rj)  # the earlier candidate (earlier article) stays the root


def _overlaps(c: Candidate, sp: tuple[int, int], min_frac: float = 0.5) -> bool:
    """The sentence and the span share at least `min_frac` of the shorter of the two."""
    inter = min(c.end, sp[1]) - max(c.start, sp[0])
    return inter > 0 and inter >= min_frac * min(c.end - c.start, sp[1] - sp[0])


def _novel_spans(view: View, aids: set[str]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for n in view.novelty:
        aid = n.get("article_id")
        if aid not in aids:
            continue
        for cid in n.get("claim_ids") or []:
            for ev in (view.claims_by_id.get(cid) or {}).get("evidence") or []:
                sp = span_of(ev.get("span")) if isinstance(ev, dict) else None
                if sp and ev.get("article_id") == aid:
                    out.setdefault(aid, []).append(sp)
    return out


def summarize_articles(view: View, article_ids: list[str], events: list[list[str]] | None = None,
                       max_sentences: int = 8) -> list[dict]:
    """Summary sentences [{"text", "article_ids"}] for a set of articles (one storyline)."""
    cands = candidates(view, article_ids)
    if not cands:
        return []
    n = len(cands)
    # The candidate-by-candidate matrices are built and scanned a block of rows at a time (same
    # values, same order): a storyline of ~1,000 articles has ~3,000 candidates, and each extra
    # full n x n temporary cost ~36 MB at the summary stage's peak.
    try:
        vecs = tfidf_sparse([c.terms for c in cands])
        vt = vecs.T.tocsc()
        sim = np.empty((n, n), dtype=np.float32)
        for b0 in range(0, n, _ROWS):
            sim[b0:b0 + _ROWS] = (vecs[b0:b0 + _ROWS] @ vt).toarray()
        del vt
    except ImportError:  # no scipy: the dense product (same values, slower on big storylines)
        dense = tfidf_matrix([c.terms for c in cands])
        sim = dense @ dense.T
    uf = _UF(n)
    for b0 in range(0, n, _ROWS):
        # Pairs above the diagonal only (j > i: k = b0 + 1 in the block), row-major as over the whole matrix.
        for i, j in np.argwhere(np.triu(sim[b0:b0 + _ROWS] >= SAME_THING, k=b0 + 1)):
            i += b0
            if cands[i].article_id != cands[j].article_id:
                uf.union(int(i), int(j))
    # Aligned passages of a derivation: the copy's sentence is the source's sentence again.
    by_article: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        by_article.setdefault(c.article_id, []).append(i)
    for d in view.derivations:
        if d["from"] not in by_article or d["to"] not in by_article:
            continue
        for p in d.get("passages") or []:
            fs, ts = span_of(p.get("from_span")), span_of(p.get("to_span")) if isinstance(p, dict) else (None, None)
            if not fs or not ts:
                continue
            src = [i for i in by_article[d["from"]] if _overlaps(cands[i], fs)]
            dst = [j for j in by_article[d["to"]] if _overlaps(cands[j], ts)]
            for i in src:
                for j in dst:
                    if sim[i, j] >= 0.2:  # the sentences share words, not just the passage window
                        uf.union(i, j)
    by_root: dict[int, list[int]] = {}
    for i in range(n):
        by_root.setdefault(uf.find(i), []).append(i)
    # A group speaks in the words of its origin: the member whose article no other member's
    # article was derived into (a copy never speaks for its source), then the earliest.
    derived = {(d["from"], d["to"]) for d in view.derivations}
    groups: dict[int, list[int]] = {}
    for members in by_root.values():
        arts = {cands[m].article_id for m in members}
        rep = min(members, key=lambda m: (any((b, cands[m].article_id) in derived for b in arts if b != cands[m].article_id),
                                          cands[m].order, cands[m].position))
        groups[rep] = members
    n_articles = max(1, len(set(article_ids)))
    central = lexrank(sim)
    central = central / (central.max() or 1)
    novel = _novel_spans(view, set(article_ids))
    # Lexical novelty of follow-ups (articles of a later event than the first): how unlike
    # anything an earlier article said, so their new facts rise even when no claims stage has
    # marked them. Within the first event, agreement across outlets matters more than novelty.
    order = np.array([c.order for c in cands])
    fresh = np.empty(n, dtype=sim.dtype)
    for b0 in range(0, n, _ROWS):
        earlier = order[None, :] < order[b0:b0 + _ROWS, None]
        fresh[b0:b0 + _ROWS] = 1 - np.where(earlier, sim[b0:b0 + _ROWS], 0).max(axis=1)
    first_event = set(events[0]) if events else set(article_ids)
    fresh[[c.article_id in first_event for c in cands]] = 0
    score = np.zeros(n)
    for root, members in groups.items():
        support = len({cands[m].article_id for m in members})
        for m in members:
            c = cands[m]
            s = (W_CENTRAL * central[m] + W_SUPPORT * math.log1p(support) / math.log1p(n_articles)
                 + W_LEAD / (1 + c.position / LEAD_DECAY) + (W_FRESH * fresh[m] if support == 1 else 0.0))
            if c.article_id in novel and any(_overlaps(c, sp, 0.3) or (sp[0] >= c.start and sp[1] <= c.end)
                                             for sp in novel[c.article_id] if sp[0] < c.end and sp[1] > c.start):
                s += W_NOVEL
            score[m] = s
    # A group's score is its best member's.
    rep_score = {root: max(score[m] for m in members) for root, members in groups.items()}
    roots = sorted(groups, key=lambda r: -rep_score[r])
    target = min(max_sentences, max(5, 2 + n_articles), len(roots))
    chosen: list[int] = []
    red = np.zeros(n)  # each candidate's highest similarity to a chosen one, kept up to date

    def pick(r: int) -> None:
        nonlocal red
        chosen.append(r)
        red = np.maximum(red, sim[r])

    def redundancy(r: int) -> float:
        return float(red[r]) if chosen else 0.0

    # Reserve one slot per event (in time order) so every happening, follow-ups included, is told.
    aid_root = {}
    for r in roots:
        for m in groups[r]:
            aid_root.setdefault(cands[m].article_id, []).append(r)
    for ev_aids in events or []:
        if len(chosen) >= target:
            break
        pool = [r for a in ev_aids for r in aid_root.get(a, []) if r not in chosen and redundancy(r) < REDUNDANT]
        if pool:
            pick(max(pool, key=lambda r: rep_score[r]))
    root_arr = np.array(roots)
    score_arr = np.array([rep_score[r] for r in roots])
    while len(chosen) < target:
        r_red = red[root_arr] if chosen else np.zeros(len(roots))
        val = MMR_LAMBDA * score_arr - (1 - MMR_LAMBDA) * r_red
        val[(r_red >= REDUNDANT) | np.isin(root_arr, chosen)] = -np.inf
        best = int(np.argmax(val))
        if not np.isfinite(val[best]):
            break
        pick(int(root_arr[best]))
    chosen.sort(key=lambda r: (cands[r].order, cands[r].position))
    claim_spans = _claim_evidence(view, set(article_ids))
    out = []
    for r in chosen:
        members = groups[r]
        aids = list(dict.fromkeys(cands[m].article_id for m in members))
        # A claim the claims stage aligned across articles, made in this very sentence, is said
        # by its other articles too: cite them (the claims table counts them as support).
        for m in members:
            c = cands[m]
            for sp, others in claim_spans.get(c.article_id, []):
                if _overlaps(c, sp, 0.6) and (sp[1] - sp[0]) >= 0.5 * (c.end - c.start):
                    aids.extend(a for a in others if a not in aids)
        out.append({"text": cands[r].text, "article_ids": view.time_sorted(aids)})
    return out


def _claim_index(view: View) -> dict[str, list[tuple[tuple[int, int], list[str]]]]:
    """article id -> [(evidence span, every article of that claim)] for claims made by two or more
    articles; built once per analysis (summaries are made per storyline: scanning every claim for
    each storyline made the stage quadratic)."""
    idx = view.__dict__.get("_claim_index")  # cached on the view: one analysis, many storylines
    if idx is None:
        idx = {}
        for c in view.claims:
            ev = [(e.get("article_id"), span_of(e.get("span"))) for e in c.get("evidence") or [] if isinstance(e, dict)]
            ev = [(a, sp) for a, sp in ev if a and sp]
            arts = list(dict.fromkeys(a for a, _ in ev))
            if len(arts) < 2:
                continue
            for a, sp in ev:
                idx.setdefault(a, []).append((sp, arts))
        view.__dict__["_claim_index"] = idx
    return idx


def _claim_evidence(view: View, aids: set[str]) -> dict[str, list[tuple[tuple[int, int], list[str]]]]:
    """article id -> [(evidence span, the claim's other evidence articles in `aids`)]."""
    out: dict[str, list[tuple[tuple[int, int], list[str]]]] = {}
    idx = _claim_index(view)
    for a in aids:
        for sp, arts in idx.get(a, []):
            others = [x for x in arts if x != a and x in aids]
            if others:
                out.setdefault(a, []).append((sp, others))
    return out


def summarize(analysis: dict, *, max_sentences: int = 8) -> list[dict]:
    """[{"storyline_id", "sentences": [{"text", "article_ids"}]}] for every storyline with articles."""
    view = build_view(analysis)
    out = []
    for sl in view.storylines:
        aids = [a for a in view.storyline_article_ids(sl) if a in view.by_id]
        if not aids:
            continue
        ev_ids = set(sl.get("event_ids") or [])
        evs = [e for e in view.events if e.get("id") in ev_ids or e.get("storyline_id") == sl.get("id")]
        ev_lists = [[a for a in e.get("article_ids") or [] if a in view.by_id] for e in evs]
        ev_lists.sort(key=lambda l: min((view.article_time(a) or datetime.max for a in l), default=datetime.max))
        sents = summarize_articles(view, aids, ev_lists, max_sentences=max_sentences)
        out.append({"storyline_id": sl.get("id"), "sentences": sents})
    return out
