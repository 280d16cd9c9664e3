"""From candidate pairs to derivation edges: align, decide whether there is reuse, which way it
went, what kind it is, and drop edges that a shared source explains.

Direction comes from weighted, stated evidence (each vote is one line of `evidence`):
publication times (strongest), wire furniture and agency credits (wire copy is upstream),
quotation marks around the other's words (quoting is downstream), phrases that relay another
report, truncation of an excerpt, and containment asymmetry (the derived text is mostly the
source's words; the source has more of its own). Nothing here knows an outlet by name.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Protocol

import numpy as np

from storytrace.reuse.align import Passage, Tokenized, align, reworded
from storytrace.reuse.candidates import NUM_PERM, CandidateIndex, CandidatePair
from storytrace.reuse.evidence import (agency_credits, furniture, looks_truncated, quote_mask, reports_on_report,
                                       wire_furniture)
from storytrace.reuse.model import AlignedPassage, Derivation, ReuseResult
from storytrace.reuse.pairs import PairResult, _ranges
from storytrace.reuse.prep import Prep, prepare_articles
from storytrace.reuse.shingle import SHINGLE, doc_shingles, fast_tokens
from storytrace.reuse.topic import TOPIC_COSINE, TermStats, article_terms, shared_rare_terms, topic_pairs

log = logging.getLogger(__name__)

MIN_EDGE_WORDS = 10        # verbatim words shared for an edge (a short sentence)
MIN_LONGEST = 8            # ... of which one passage at least this long
MIN_REWORDED = 3           # or this many reworded sentences (lexical) ...
MIN_REWORDED_COVER = 0.3   # ... covering this share of the shorter text
COPY_COVER = 0.8           # both texts this much in passages: copy
EXCERPT_COVER = 0.8        # the derived one this much: excerpt
REWRITE_COVER = 0.35       # this much of the source reproduced (verbatim or reworded): rewrite
BOILER_DF = 8             # a passage whose 5-grams recur in this many articles is page furniture ...
NEAR_COPY_JACCARD = 0.5   # ... unless the two texts are near-copies (wire copy on many sites)
GROUP_SCORE = 0.75        # edges this strong join their texts into one syndication group
SIBLING_EXPLAINED = 0.7    # share of an X-Y overlap also aligned to a common source Z of both
# Same-story pairs (rare-term cosine >= topic.TOPIC_COSINE) need less wording evidence: one verbatim
# passage (MIN_PASSAGE_WORDS) or TOPIC_MIN_REWORDED reworded sentences (paraphrase.py's threshold).
TOPIC_MIN_REWORDED = 1
TOPIC_MAX_DAYS = 3         # dated texts further apart than this are follow-ups, not one story's versions


@dataclass
class _Doc:
    article: object
    tok: Tokenized
    wire: list[str]
    agencies: list[tuple[str, str]]
    relays: str | None
    truncated: bool
    when: tuple[datetime | None, bool]  # (parsed time, has a clock time)


def _when(iso: str | None) -> tuple[datetime | None, bool]:
    if not iso:
        return None, False
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None, False
    return dt, len(iso) > 10


def _doc(a) -> _Doc:
    removed = tuple(getattr(a, "boilerplate_removed", None) or ())
    text = a.text or ""
    return _Doc(a, Tokenized.of(text), wire_furniture(text, removed), agency_credits(text, removed),
                reports_on_report(text), looks_truncated(text, bool(getattr(a, "truncated", False))),
                _when(getattr(a, "published", None)))


@dataclass
class _Pair:
    a: _Doc
    b: _Doc
    passages: list[Passage]
    va: np.ndarray      # verbatim-matched words of A (bool per word)
    vb: np.ndarray
    pa: np.ndarray      # verbatim or reworded words of A
    pb: np.ndarray
    boilerplate: int = 0  # passages dropped as recurring furniture

    @property
    def verbatim_words(self) -> int:
        return int(self.va.sum())


def _masks(n: int, ranges: Iterable[tuple[int, int]]) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for s, e in ranges:
        m[s:e] = True
    return m


def _boilerplate(a: _Doc, b: _Doc, verb: list[Passage], df, checks: list | None = None) -> tuple[list[Passage], int]:
    """Drop passages that recur across many articles (newsletter boxes, copyright lines).

    The one corpus-wide input of a pair's result: each passage looked up in `df` is appended to
    `checks` as (its sampled 5-gram hashes, found recurring), so a stored result can be re-checked
    against a grown corpus (pairs.PairResult.valid_under)."""
    if not verb:
        return verb, 0
    ua, ub = a.tok.ugrams(), b.tok.ugrams()
    inter = len(np.intersect1d(ua, ub, assume_unique=True))
    union = (len(ua) + len(ub) - inter) or 1
    if inter / union >= NEAR_COPY_JACCARD:
        return verb, 0
    keep, recurring, marked = [], [], []
    for p in verb:
        s0, s1 = a.tok.char_span(p.a0, p.a1)
        if p.matched < 120 and furniture(a.tok.text[s0:s1]):
            marked.append(p)          # footer / newsletter / link text: never reuse evidence
            continue
        grams = doc_shingles(a.tok.text[s0:s1])
        d = df(grams) if df is not None else np.zeros(0, np.int64)
        is_rec = bool(len(d[d >= 0]) and float(np.median(d[d >= 0])) >= BOILER_DF)
        if checks is not None and df is not None:
            checks.append(([int(x) for x in grams[d >= 0]], is_rec))
        (recurring if is_rec else keep).append(p)
    # Texts of one story share much besides a recurring passage (a quote every version carries);
    # recurring furniture is what two otherwise unrelated texts have in common.
    if recurring and sum(p.matched for p in keep) >= MIN_EDGE_WORDS:
        keep = sorted(keep + recurring, key=lambda p: p.a0)
        recurring = []
    return keep, len(recurring) + len(marked)


def _lexical_paraphraser(a, b, ea, eb, lexical):
    """Sentence-level paraphrase scoring without the model (same-story pairs, lexical path)."""
    from storytrace.reuse.paraphrase import align_reworded

    return align_reworded(a, b, ea, eb, lexical, use_model=False)


def _align_pair(a: _Doc, b: _Doc, paraphraser=None, df=None, same_story: bool = False,
                checks: list | None = None) -> _Pair:
    verb, n_boiler = _boilerplate(a, b, align(a.tok, b.tok), df, checks)
    verbatim_edge = sum(p.matched for p in verb) >= MIN_EDGE_WORDS and \
        max((p.matched for p in verb), default=0) >= MIN_LONGEST
    if same_story and paraphraser is None and not verbatim_edge:
        # a same-story pair short of verbatim evidence: its reworded sentences decide (lexical
        # sentence scoring; pairs with enough verbatim text skip this cost)
        paraphraser = _lexical_paraphraser
    va = _masks(len(a.tok), (r for p in verb for r in p.a_matched))
    vb = _masks(len(b.tok), (r for p in verb for r in p.b_matched))
    ea = _masks(len(a.tok), ((p.a0, p.a1) for p in verb))
    eb = _masks(len(b.tok), ((p.b0, p.b1) for p in verb))
    # The lexical reworded-sentence pass only where verbatim reuse already makes an edge, or the
    # pair tells one story (it never made an edge alone on 25k news-feed candidate pairs, and it
    # is the costly part on unrelated ones).
    para = reworded(a.tok, b.tok, ea, eb) if verbatim_edge or same_story or paraphraser is not None else []
    if paraphraser is not None:
        try:
            para = paraphraser(a.tok, b.tok, ea, eb, para)
        except Exception as e:  # an optional model must never break the lexical result
            log.warning("paraphrase alignment failed (%s); lexical passages only", e)
    # a reworded "sentence" that is page furniture (a copyright or newsletter line) is no evidence
    para = [p for p in para if not furniture(a.tok.text[slice(*a.tok.char_span(p.a0, p.a1))])
            and not furniture(b.tok.text[slice(*b.tok.char_span(p.b0, p.b1))])]
    pa = ea | _masks(len(a.tok), ((p.a0, p.a1) for p in para))
    pb = eb | _masks(len(b.tok), ((p.b0, p.b1) for p in para))
    return _Pair(a, b, sorted(verb + para, key=lambda p: p.a0), va, vb, pa, pb, n_boiler)


def _is_reuse(p: _Pair, topic: tuple[float, list[str]] | None = None) -> tuple[bool, str]:
    """Whether the aligned pair is reuse, and why. `topic` = (rare-term cosine, shared rare terms)
    for a same-story pair: one verbatim passage or one reworded sentence is then enough."""
    longest = max((x.matched for x in p.passages if x.kind == "verbatim"), default=0)
    v = p.verbatim_words
    n_verb = sum(1 for x in p.passages if x.kind == "verbatim")
    if v >= MIN_EDGE_WORDS and longest >= MIN_LONGEST:
        return True, f"{v} words verbatim in {n_verb} passages"
    n_para = sum(1 for x in p.passages if x.kind == "paraphrase")
    if topic is not None and topic[0] >= TOPIC_COSINE and (n_verb >= 1 or n_para >= TOPIC_MIN_REWORDED):
        terms = ", ".join(f"'{t}'" for t in topic[1])
        return True, (f"same story by rare terms (cosine {topic[0]:.2f}{': ' + terms if terms else ''}) with "
                      f"{n_para} reworded sentences and {v} words verbatim in {n_verb} passages")
    shorter = min(p.pa.mean() if len(p.pa) else 0, p.pb.mean() if len(p.pb) else 0)
    cover = max(p.pa.mean() if len(p.pa) else 0, p.pb.mean() if len(p.pb) else 0) if n_para else 0
    if n_para >= MIN_REWORDED and min(cover, 1.0) and shorter >= MIN_REWORDED_COVER:
        return True, f"{n_para} reworded sentences, {v} words verbatim"
    return False, ""


def _direction(p: _Pair) -> tuple[float, list[str], float, bool]:
    """Signed vote (+: A is the source), evidence lines, confidence 0..1, and whether any evidence
    other than containment asymmetry took part (dates, wire marks, quotes, relays, truncation)."""
    votes: list[tuple[float, str]] = []
    a, b = p.a, p.b
    ta, tb = a.when, b.when
    if ta[0] is not None and tb[0] is not None:
        x, y = ta[0], tb[0]
        if not (ta[1] and tb[1]) or (x.tzinfo is None) != (y.tzinfo is None):
            x, y = x.date(), y.date()   # compare calendar days when either lacks a time or zone
        if x != y:
            inferred = getattr(a.article, "published_inferred", False) or getattr(b.article, "published_inferred", False)
            w = 1.5 if inferred else 3.0
            first, second = (a, b) if x < y else (b, a)
            votes.append((w if x < y else -w, f"published first: {getattr(first.article, 'published', '')} "
                          f"before {getattr(second.article, 'published', '')}" + (" (a date inferred)" if inferred else "")))
    if bool(a.wire) != bool(b.wire):
        src = a if a.wire else b
        votes.append((2.0 if a.wire else -2.0, f"wire furniture in the source ({src.wire[0]})"))
    na, nb = {n for n, _ in a.agencies}, {n for n, _ in b.agencies}
    if bool(na) != bool(nb):
        src = a if na else b
        votes.append((1.0 if na else -1.0, f"agency credit in the source ({src.agencies[0][1]})"))
    # quotation marks: words that one side quotes and the other states as its own
    qa = _quoted_share(a, p.va)
    qb = _quoted_share(b, p.vb)
    if qa[1] >= 10 or qb[1] >= 10:
        # Only when one side states as narrative what the other quotes: both quoting a speaker
        # says nothing about who copied whom.
        if qa[0] >= 0.3 and qb[0] <= 0.1:
            votes.append((-1.5, f"{qa[1]} of the shared words are in quotation marks in the derived text only"))
        elif qb[0] >= 0.3 and qa[0] <= 0.1:
            votes.append((1.5, f"{qb[1]} of the shared words are in quotation marks in the derived text only"))
    if bool(a.relays) != bool(b.relays):
        votes.append((-1.0 if a.relays else 1.0, f"the derived text relays a report: '{a.relays or b.relays}'"))
    # truncation: an excerpt stops where its source goes on
    for side, sign in ((a, -1.0), (b, 1.0)):
        other = b if side is a else a
        cov = (p.va if side is a else p.vb)
        ocov = (p.vb if side is a else p.va)
        if side.truncated and len(cov) and cov.mean() >= 0.6 and len(ocov):
            last = int(np.flatnonzero(ocov)[-1]) if ocov.any() else len(ocov)
            if len(ocov) - last > 20:
                votes.append((2.0 * sign, "the derived text is cut short (excerpt) where the source goes on"))
    strong = any(v for v, _ in votes)
    ca = float(p.pa.mean()) if len(p.pa) else 0.0
    cb = float(p.pb.mean()) if len(p.pb) else 0.0
    whole = max(ca, cb) >= 0.9   # one text inside the other: an excerpt, or a lead expanded
    if whole and abs(ca - cb) >= 0.1:
        votes.append((0.0, "one text is contained whole in the other: containment alone does not say "
                           "which came first"))
    elif whole:
        votes.append((0.0, "near-identical texts: containment does not say which came first"))
    elif abs(ca - cb) >= 0.1:
        # weak: a condensed rewrite and an expanded one look alike from the overlap alone
        w = 0.5
        votes.append((-w if ca > cb else w, f"containment asymmetry: {max(ca, cb):.0%} of the derived text is "
                      f"aligned, {min(ca, cb):.0%} of the source"))
    total = sum(v for v, _ in votes)
    mag = sum(abs(v) for v, _ in votes)
    conf = abs(total) / mag if mag else 0.0
    ev = [e if not v or not total else f"{'for' if (v > 0) == (total > 0) else 'against'}: {e}" for v, e in votes]
    return total, ev, conf, strong


def _quoted_share(d: _Doc, matched: np.ndarray) -> tuple[float, int]:
    if not matched.any():
        return 0.0, 0
    qm = quote_mask(d.tok.text)
    starts = d.tok.spans[matched, 0]
    inside = qm[starts] if len(qm) else np.zeros(len(starts), dtype=bool)
    return float(inside.mean()), int(inside.sum())


def _kind(src_cov: float, dst_cov: float, src_total: float, dst_trunc: bool) -> str:
    if dst_cov >= COPY_COVER and src_cov >= COPY_COVER:
        return "copy"
    if dst_cov >= EXCERPT_COVER or (dst_trunc and dst_cov >= 0.6):
        return "excerpt"
    if src_total >= REWRITE_COVER:
        return "rewrite"
    return "partial"


def _edge(p: _Pair, why: str) -> tuple[Derivation, np.ndarray, np.ndarray, bool]:
    vote, ev, conf, strong = _direction(p)
    # Containment asymmetry alone cannot tell a condensed copy from an expanded one: it only
    # breaks ties between other evidence. Without any, the pair is shared text, not an edge.
    directed = vote != 0 and strong
    a_first = vote > 0 if directed else _default_a_first(p)
    src, dst = (p.a, p.b) if a_first else (p.b, p.a)
    s_ext, d_ext = (p.pa, p.pb) if a_first else (p.pb, p.pa)
    s_verb_ext = _masks(len(src.tok), ((x.a0, x.a1) if a_first else (x.b0, x.b1) for x in p.passages if x.kind == "verbatim"))
    d_verb_ext = _masks(len(dst.tok), ((x.b0, x.b1) if a_first else (x.a0, x.a1) for x in p.passages if x.kind == "verbatim"))
    kind = _kind(float(s_verb_ext.mean()), float(d_verb_ext.mean()), float(s_ext.mean()), dst.truncated)
    passages = []
    for x in p.passages:
        s0, s1, t0, t1 = (x.a0, x.a1, x.b0, x.b1) if a_first else (x.b0, x.b1, x.a0, x.a1)
        passages.append(AlignedPassage(src.tok.char_span(s0, s1), dst.tok.char_span(t0, t1), x.similarity, x.kind))
    passages.sort(key=lambda q: q.to_span)
    score = round(1 - (1 - float(d_ext.mean())) * (1 - float(s_ext.mean())), 3)
    evidence = [why] + ev
    if p.boilerplate:
        evidence.append(f"{p.boilerplate} shared passages ignored as page furniture (recurring in {BOILER_DF}+ "
                        "articles, or footer/newsletter/link text)")
    if not directed:
        evidence.append("direction undetermined: no dates or text evidence either way, containment aside "
                        "(listed as shared text, not as a derivation)")
    return (Derivation(src.article.id, dst.article.id, kind, score, passages, evidence, directed, round(conf, 3)),
            s_ext, d_ext, strong)


def _pair_result(da: _Doc, db: _Doc, para, df, cos: float | None) -> PairResult:
    """Align one pair and decide it (see pairs.align_pair, the public form)."""
    checks: list = []
    p = _align_pair(da, db, para, df, same_story=cos is not None, checks=checks)
    ok, why = _is_reuse(p, None if cos is None else (cos, shared_rare_terms(da.tok.text, db.tok.text)))
    a_id, b_id = da.article.id, db.article.id
    if not ok:
        return PairResult(a_id, b_id, checks=checks)
    d, s_ext, d_ext, strong = _edge(p, why)
    return PairResult(a_id, b_id, d.to_dict(), _ranges(s_ext), _ranges(d_ext), len(s_ext), len(d_ext), bool(strong),
                      checks)


def _default_a_first(p: _Pair) -> bool:
    la, lb = len(p.a.tok), len(p.b.tok)
    return la > lb or (la == lb and p.a.article.id < p.b.article.id)


def _drop_siblings(edges: list[tuple[Derivation, np.ndarray, np.ndarray]]) -> list[tuple[Derivation, np.ndarray, np.ndarray]]:
    """Keep, for each derived text, only the sources that explain words no better source does.

    Two papers that both rewrote one wire story share its sentences with each other too; that
    overlap is explained by the common source. Per target, sources are taken upstream first (a
    source that the target's other sources themselves derive from), then by score; a source whose
    aligned words in the target are already `SIBLING_EXPLAINED` covered by kept ones is dropped.
    """
    by_target: dict[str, list[int]] = {}
    for k, (d, _s, _t, *_r) in enumerate(edges):
        by_target.setdefault(d.target, []).append(k)
    pairs = {(e[0].source, e[0].target) for e in edges}
    dropped: set[int] = set()
    for y, ks in by_target.items():
        if len(ks) < 2:
            continue
        srcs = {edges[k][0].source for k in ks}

        def rank(k: int) -> tuple[int, float]:
            x = edges[k][0].source
            feeds = sum(1 for z in srcs if z != x and (x, z) in pairs)
            return (-feeds, -edges[k][0].score)

        covered = None
        for k in sorted(ks, key=rank):
            d, _s, t = edges[k][:3]
            if covered is None:
                covered = t.copy()
                continue
            if len(t) != len(covered) or not t.any():
                continue
            if (t & covered).sum() / t.sum() >= SIBLING_EXPLAINED:
                dropped.add(k)
                z = next(edges[j][0].source for j in sorted(ks, key=rank) if j not in dropped and j != k)
                d.evidence.append(f"dropped: explained by common source {z}")
                continue
            covered |= t
    return [e for k, e in enumerate(edges) if k not in dropped]


class PairCache(Protocol):
    """Where find_derivations keeps per-pair results between runs (store.cache.PairCache)."""

    def key(self, a: Any, b: Any, extra: Any) -> str: ...

    def load(self, keys: list[str]) -> dict[str, Any]: ...

    def save(self, key: str, value: Any) -> None: ...


_CACHE_CHUNK = 500   # pairs looked up in the cache per query


class PrepCache(Protocol):
    """Where find_derivations keeps per-article candidate inputs (store.cache.ArticleBlobs)."""

    def get(self, articles: list, compute: Callable[[list], list[bytes]]) -> dict[str, bytes]: ...


def _preparations(articles: list, cache: "PrepCache | None") -> dict[str, Prep]:
    """Each article's Prep, from the cache where kept (the same arrays either way)."""
    if cache is None:
        return {a.id: p for a, p in zip(articles, prepare_articles(articles))}
    blobs = cache.get(articles, lambda todo: [p.to_bytes() for p in prepare_articles(todo)])
    return {a.id: Prep.from_bytes(blobs[a.id]) for a in articles}


class _Credits:
    """The agency credits of a text that was never aligned (cheap: looks at its ends only)."""

    def __init__(self, a) -> None:
        self.agencies = agency_credits(a.text or "", tuple(getattr(a, "boilerplate_removed", None) or ()))


def _in(e, article_id: str) -> np.ndarray:
    """The edge's aligned-word mask over `article_id`'s words (it is the source or the target)."""
    return e[1] if e[0].source == article_id else e[2]


def _siblings(all_edges: list, kept: list) -> tuple[list, list[set[str]]]:
    """Turn weakly directed edges between texts that share the same passages with a third text
    into sibling groups: copies of one source we cannot see, not copies of each other.

    An edge is weak when only containment asymmetry set its direction. X-Y is a sibling link when
    some W aligned with both covers at least half of the X-Y overlap in Y and in X.
    """
    nbr: dict[str, dict[str, tuple]] = {}
    for e in all_edges:
        nbr.setdefault(e[0].source, {})[e[0].target] = e
        nbr.setdefault(e[0].target, {})[e[0].source] = e
    out, groups = [], []
    for e in kept:
        d = e[0]
        if e[3]:
            out.append(e)
            continue
        x, y = d.source, d.target
        common = (set(nbr.get(x, {})) & set(nbr.get(y, {}))) - {x, y}
        xm, ym = e[1], e[2]
        sib = None
        for w in sorted(common):
            wx, wy = _in(nbr[x][w], x), _in(nbr[y][w], y)
            if len(wx) == len(xm) and len(wy) == len(ym) and xm.any() and ym.any() and \
                    (xm & wx).sum() >= 0.5 * xm.sum() and (ym & wy).sum() >= 0.5 * ym.sum():
                sib = w
                break
        if sib is None:
            out.append(e)
        else:
            groups.append({x, y, sib})
    return out, groups


def _wire_origins(docs: dict[str, _Doc], edges: list[Derivation], sibling_groups: list[set[str]] = ()) -> list[dict]:
    """Groups of syndicated copies and agency-credited texts, named for the agency when credited."""
    parent = {i: i for i in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in edges:
        if (d.kind in ("copy", "excerpt") or d.score >= GROUP_SCORE) and d.source in parent and d.target in parent:
            parent[find(d.source)] = find(d.target)
    for g in sibling_groups:
        g = [i for i in g if i in parent]
        for i in g[1:]:
            parent[find(i)] = find(g[0])
    comps: dict[str, list[str]] = {}
    for i in docs:
        comps.setdefault(find(i), []).append(i)
    out = []
    by_agency: dict[str, dict] = {}
    for members in comps.values():
        credited = [(n, m, i) for i in members for n, m in docs[i].agencies]
        if len(members) < 2 and not credited:
            continue
        # Most credits first, ties by name: set order is salted per process (PYTHONHASHSEED), and
        # the group's agency must not depend on which process built it (engines must agree).
        names = sorted({n for n, _, _ in credited}, key=lambda n: (-sum(1 for c in credited if c[0] == n), n))
        name = names[0] if names else None
        ev = [f"{i}: '{m}'" for n, m, i in credited if n == name][:5]
        if len(members) >= 2:
            ev.append(f"{len(members)} texts are copies or excerpts of one another, or share the same passages "
                      "with no evidence of which came first (likely one source outside the corpus)")
        if name is not None and name in by_agency:   # one entry per agency
            g = by_agency[name]
            g["article_ids"] = sorted(set(g["article_ids"]) | set(members))
            g["evidence"] += ev
            continue
        g = {"name": name, "kind": "agency" if name else "unknown", "article_ids": sorted(members), "evidence": ev}
        if name:
            by_agency[name] = g
        out.append(g)
    return out


def _paraphraser(enabled: bool):
    """The optional sentence-embedding aligner, or None (lexical only) with a logged reason."""
    if not enabled:
        return None
    try:
        from storytrace.reuse import paraphrase as para_mod  # built separately; optional
    except Exception as e:  # noqa: BLE001 - missing module or model: lexical path
        log.info("paraphrase alignment unavailable (%s): lexical passages only", e)
        return None
    fn = getattr(para_mod, "align_reworded", None)
    if fn is None:
        log.info("paraphrase module has no align_reworded(); lexical passages only")
        return None
    return fn


def _same_story_pairs(usable: list, terms: list | None = None) -> tuple[dict[frozenset, float], TermStats]:
    """Rare-term same-story pairs of the batch (id pair -> cosine, in batch order), minus dated
    texts more than TOPIC_MAX_DAYS apart (a later follow-up retells the story; it is not a version
    of it). `terms`: the articles' precomputed `topic.article_terms` (else computed here)."""
    stats = TermStats(np.zeros(0, np.uint64), np.zeros(0, np.int64), len(usable))
    try:
        if terms is None:
            terms = [article_terms(a.text or "") for a in usable]
        tp, stats = topic_pairs(terms=terms)
    except ImportError as e:  # scipy missing: n-gram candidates only
        log.info("same-story pairs unavailable (%s)", e)
        return {}, stats
    out: dict[frozenset, float] = {}
    for t in tp:
        a, b = usable[t.i], usable[t.j]
        wa, wb = _when(getattr(a, "published", None))[0], _when(getattr(b, "published", None))[0]
        if wa is not None and wb is not None and abs((wa.date() - wb.date()).days) > TOPIC_MAX_DAYS:
            continue
        out[frozenset((a.id, b.id))] = t.cosine
    return out, stats


def find_derivations(articles: list, *, paraphrase: bool = False, index: CandidateIndex | None = None,
                     fetch: Callable[[str], object] | None = None,
                     extra_pairs: Iterable[tuple[str, str]] | None = None,
                     pair_source: Callable[[list], list[CandidatePair]] | None = None,
                     pair_cache: "PairCache | None" = None, prep_cache: "PrepCache | None" = None) -> ReuseResult:
    """Derivation edges among `articles` (and against `index`'s stored articles, when given).

    `paraphrase=True` adds reworded-sentence passages from the optional sentence-embedding
    aligner (falls back to the lexical pass, with a log line, when it is unavailable).
    `extra_pairs` are article-id pairs to align besides the n-gram candidates, e.g. the articles
    of one event: a rewrite that shares no word 5-gram with its source is never a candidate.
    `pair_source(usable_articles)` replaces the in-process candidate index (the Spark engine
    computes the same pairs on a cluster).

    Incremental use: pass the persistent `index`; only pairs involving articles not yet in it are
    aligned, and stored articles are looked up with `fetch(article_id)` unless they are in
    `articles`. Never raises on bad input: unusable texts are listed in `skipped` with a reason.

    `pair_cache` keeps per-pair results between runs (`pairs.PairResult`, keyed by both articles'
    content and fields and the code version; see store.cache.PairCache): a stored pair whose
    furniture checks the current corpus decides alike is not aligned again. Candidates and the
    graph are still computed over all articles, so the result equals a run without the cache.
    `prep_cache` keeps each article's candidate inputs (reuse.prep.Prep: signature, sampled
    5-grams, rare-term vector), so only new texts are tokenised for candidate generation.
    """
    t0 = time.perf_counter()
    res = ReuseResult()
    by_id: dict[str, object] = {}
    for a in articles:
        if a.id in by_id:
            res.skipped.append({"article_id": a.id, "reason": "identical text to another input "
                                f"({getattr(by_id[a.id], 'path', '') or a.id}): one article, no edge"})
            continue
        by_id[a.id] = a
    usable = []
    docs: dict[str, _Doc] = {}     # tokenised for alignment on first use (most texts never are)
    preps = None
    if pair_source is None or prep_cache is not None:
        preps = _preparations(list(by_id.values()), prep_cache)
    for a in by_id.values():
        n = preps[a.id].n_tokens if preps is not None else len(fast_tokens(a.text or ""))
        if n < SHINGLE + 1:
            res.skipped.append({"article_id": a.id, "reason": f"too short for reuse detection ({n} words)"})
            continue
        usable.append(a)
    idx = index if index is not None else CandidateIndex()
    if pair_source is not None:
        pairs: list[CandidatePair] = list(pair_source(usable))
    else:
        sig = np.stack([preps[a.id].sig for a in usable]) if usable else np.zeros((0, NUM_PERM), np.uint32)
        pairs = idx.add_prepared([a.id for a in usable], sig, [preps[a.id].sampled for a in usable])
    t1 = time.perf_counter()
    para = _paraphraser(paraphrase)
    have = {frozenset((c.a, c.b)) for c in pairs}
    topic, tstats = _same_story_pairs(usable, None if preps is None else [preps[a.id].terms for a in usable])
    for k in topic:
        if k not in have:
            have.add(k)
            x, y = sorted(k)
            pairs.append(CandidatePair(x, y, 0, 0.0, False))
    if extra_pairs:
        for x, y in extra_pairs:
            k = frozenset((x, y))
            if x != y and k not in have and x in by_id and y in by_id:
                have.add(k)
                pairs.append(CandidatePair(x, y, 0, 0.0, False))

    def get(i: str) -> _Doc | None:
        if i not in docs:
            art = by_id.get(i)
            if art is None and fetch is not None:
                art = fetch(i)
            if art is not None:
                docs[i] = _doc(art)
        return docs.get(i)

    # An article's tokens are dropped after its last pair (memory grows with the articles in
    # flight, not with all articles aligned so far); later lookups re-read what they need.
    last_use = {}
    for k, c in enumerate(pairs):
        last_use[c.a] = k
        last_use[c.b] = k
    edges = []
    aligned = from_cache = rechecked = 0
    for c0 in range(0, len(pairs), _CACHE_CHUNK):
        chunk = pairs[c0:c0 + _CACHE_CHUNK]
        keys: list[str | None] = [None] * len(chunk)
        stored: dict[str, Any] = {}
        if pair_cache is not None:
            for j, c in enumerate(chunk):
                x, y = by_id.get(c.a), by_id.get(c.b)
                if x is not None and y is not None:
                    keys[j] = pair_cache.key(x, y, [topic.get(frozenset((c.a, c.b))), bool(para)])
            stored = pair_cache.load([q for q in keys if q is not None])
        for j, c in enumerate(chunk):
            k = c0 + j
            r = None
            if keys[j] is not None and keys[j] in stored:
                r = PairResult.from_dict(stored[keys[j]])
                if not r.valid_under(idx.df):   # the corpus now decides a furniture check otherwise
                    r = None
                    rechecked += 1
            if r is not None:
                from_cache += 1
            else:
                da, db = get(c.a), get(c.b)
                if da is None or db is None:
                    continue
                aligned += 1
                r = _pair_result(da, db, para, idx.df, topic.get(frozenset((c.a, c.b))))
                if keys[j] is not None:
                    pair_cache.save(keys[j], r.to_dict())
            for i in (c.a, c.b):
                if last_use[i] == k:
                    docs.pop(i, None)
            e = r.edge_tuple()
            if e is not None:
                edges.append(e)
    t2 = time.perf_counter()
    kept = _drop_siblings(edges)
    kept, sib_groups = _siblings(edges, kept)
    # No evidence either way: not a derivation edge but shared text (listed, and grouped).
    res.undirected = sorted((e[0] for e in kept if not e[0].directed), key=lambda d: (-d.score, d.source, d.target))
    sib_groups += [{d.source, d.target} for d in res.undirected]
    res.derivations = sorted((e[0] for e in kept if e[0].directed), key=lambda d: (-d.score, d.source, d.target))
    # agency credits are looked for in every usable text, aligned or not
    res.wire_origins = _wire_origins({a.id: _Credits(a) for a in usable},
                                     res.derivations, sib_groups)
    res.stats = {"articles": len(by_id), "candidate_pairs": len(pairs), "aligned_pairs": aligned,
                 "pairs_from_cache": from_cache, "cached_pairs_invalidated": rechecked,
                 "edges_before_common_source": len(edges), "edges": len(kept), "sibling_links_grouped": len(sib_groups),
                 "paraphrase_model": bool(para),
                 "seconds": {"prepare_and_candidates": round(t1 - t0, 3), "align_and_decide": round(t2 - t1, 3),
                             "graph": round(time.perf_counter() - t2, 3)}}
    return res
