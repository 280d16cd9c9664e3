"""One claim across articles: align mentions, then count independent origins through the derivation graph.

Two mentions are the same claim when they measure the same thing with compatible figures and
times ("more than 400 trucks since August" / "in the past three months, more than 400 trucks"),
or when their wording overlaps strongly and nothing they state disagrees. Candidates come from
an inverted index over content stems and quantity keys, so large stories are not compared all
pairs against all pairs.

Independent support: each evidence is traced back along derivation edges ("from" an article or
an outside source such as an outlet the article attributes to) to its root; articles derived
from one report, or attributing the claim to the same source, share one origin.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from math import fsum
from typing import Any, Iterable

from ..dates import published_date
from ..model import Article
from .extract import ClaimMention, content_stems
from .quantities import _TIME_UNITS, compatible, unit_key

Span = tuple[int, int]

# Wording overlap needed to call two mentions one claim (overlap coefficient on content stems),
# with and without an identical figure to back it. Set on the sample story and checked for purity on
# the events of two labelled corpora (bench/claims_align.py).
SAME_WITH_FIGURE = 0.40
SAME_WORDING = 0.50
SAME_WORDING_JACCARD = 0.30
# A near-containment (a short wording inside a longer sentence) with a lower Jaccard.
SAME_CONTAINED = 0.75
SAME_CONTAINED_JACCARD = 0.18
# Characters either side of a figure that make up "what it measures" when the figures match.
FIGURE_WINDOW = 90
# Stems found in more sentences than this are not used to propose candidate pairs.
POSTINGS_CAP = 200
# How many of a mention's rarest stems index it for candidate pairs.
INDEX_STEMS = 8
# A figure found in at most this many sentences is distinctive enough to propose a pair alone.
FIGURE_POSTINGS = 30
try:  # scipy counts the pairs of big storylines faster; without it the plain loops do (same pairs)
    import scipy.sparse  # noqa: F401
    _HAVE_SCIPY = True
except ImportError:  # pragma: no cover - scipy comes with the project's dependencies
    _HAVE_SCIPY = False
# Below this many posting-pair visits, candidate pairs are counted in plain loops (a sparse product
# costs more to set up than it saves).
SMALL_PAIRS = 20_000
# Whole-article derivations: the derived text takes its claims from its parent.
WHOLE_KINDS = frozenset({"copy", "excerpt", "rewrite"})


@dataclass
class Claim:
    """One checkable statement made by one or more articles, with the evidence and its origins."""
    id: str
    text: str
    mentions: list[ClaimMention]
    quantity: dict | None = None
    time: dict | None = None
    origins: list[str] = field(default_factory=list)
    evidence_origins: dict[str, list[str]] = field(default_factory=dict)  # mention id -> its roots
    first_published: str | None = None

    @property
    def article_ids(self) -> list[str]:
        seen: list[str] = []
        for m in self.mentions:
            if m.article_id not in seen:
                seen.append(m.article_id)
        return seen

    @property
    def support(self) -> int:
        return len(self.article_ids)

    @property
    def independent_support(self) -> int:
        return len(self.origins)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "quantity": self.quantity, "time": self.time,
                "evidence": [{"article_id": m.article_id, "span": list(m.span)} for m in self.mentions],
                "support": self.support, "independent_support": self.independent_support,
                "origins": list(self.origins), "first_published": self.first_published}


# ---------------------------------------------------------------- same claim?

def _times_compatible(a: dict | None, b: dict | None) -> bool:
    if not a or not b or not a.get("start") or not b.get("start"):
        return True
    return a["start"] <= (b.get("end") or b["start"]) and b["start"] <= (a.get("end") or a["start"])


_ONES = __import__("itertools").repeat(1.0)


def _overlap(a: frozenset[str], b: frozenset[str], idf: dict[str, float] | None = None) -> tuple[float, float]:
    """Overlap coefficient and Jaccard of two stem sets, each stem weighted by its rarity in the story.

    Weighting matters: in one story every sentence names the same parties (a country, "trucks"); the
    words that tell two claims apart are the rarer ones.
    """
    if not a or not b:
        return 0.0, 0.0
    if idf is None:
        inter = len(a & b)
        return inter / min(len(a), len(b)), inter / len(a | b)
    g = idf.get
    inter = a & b
    if not inter:
        return 0.0, 0.0
    # fsum: correctly rounded, so the same whatever order the set iterates in (a plain float sum
    # follows the string hash seed, and a link score on a threshold or a tie then parts between runs).
    wa, wb, wi = fsum(map(g, a, _ONES)), fsum(map(g, b, _ONES)), fsum(map(g, inter, _ONES))
    return wi / min(wa, wb), wi / (wa + wb - wi)


def _vetoed(m1: ClaimMention, m2: ClaimMention) -> bool:
    """Statements that cannot be one claim: other figures for one measure, other times, one negated."""
    if not _times_compatible(m1.time, m2.time):
        return True
    q1, q2 = m1.quantity, m2.quantity
    if q1 and q2 and unit_key(q1) and unit_key(q1) == unit_key(q2):
        if not compatible(q1, q2):
            return True
        # Two stated figures (not "hundreds of") that differ are two measurements, even if both hedged.
        if not (_vague(q1) or _vague(q2)) and abs(q1["value"] - q2["value"]) > 0.1 * max(q1["value"], q2["value"]):
            return True
    return False


def _vague(q: dict) -> bool:
    a = q.get("approx") or ""
    return any(w in a for w in ("dozens", "scores", "hundreds", "thousands", "millions", "billions"))


def same_claim(m1: ClaimMention, m2: ClaimMention, s1: frozenset[str] | None = None,
               s2: frozenset[str] | None = None, idf: dict[str, float] | None = None) -> tuple[bool, float]:
    """Whether two mentions state one claim, and a score in [0, 1] saying how sure."""
    s1 = s1 if s1 is not None else m1.stems
    s2 = s2 if s2 is not None else m2.stems
    ov, jac = _overlap(s1, s2, idf)
    if _vetoed(m1, m2):
        return False, ov
    q1, q2 = m1.quantity, m2.quantity
    if q1 and q2 and unit_key(q1) and unit_key(q1) == unit_key(q2) and q1["value"] == q2["value"] \
            and (q1.get("approx") or "") == (q2.get("approx") or "") and not _vague(q1) \
            and unit_key(q1) not in _TIME_UNITS:
        # Same figure: compare what surrounds it, since a long sentence may carry other claims too.
        wov = max(ov, _overlap(_window(m1), _window(m2), idf)[0])
        dated = bool(m1.time and m2.time and ((m1.time.get("start") and m2.time.get("start")) or
                     (m1.time.get("precision") == m2.time.get("precision") == "unknown"
                      and m1.time.get("label", "").lower() == m2.time.get("label", "").lower())))
        if wov >= SAME_WITH_FIGURE or (dated and q1["value"] >= 10 and wov >= SAME_WITH_FIGURE / 3):
            return True, min(1.0, 0.5 + wov / 2)
    if m1.negated != m2.negated and ov < 0.9:
        return False, ov
    if (ov >= SAME_WORDING and jac >= SAME_WORDING_JACCARD) or (ov >= SAME_CONTAINED and jac >= SAME_CONTAINED_JACCARD):
        return True, ov
    return False, ov


def _window(m: ClaimMention, width: int = FIGURE_WINDOW) -> frozenset[str]:
    if not m.quantity_span:
        return m.stems
    a = max(0, m.quantity_span[0] - m.span[0] - width)
    b = m.quantity_span[1] - m.span[0] + width
    return content_stems(m.text[a:b])


def story_idf(stems: list[frozenset[str]]) -> dict[str, float]:
    """Sentence-level inverse document frequency of each stem among the mentions being aligned."""
    import math
    df: dict[str, int] = defaultdict(int)
    for st in stems:
        for x in st:
            df[x] += 1
    n = len(stems)
    return {x: math.log((n + 1) / (c + 0.5)) for x, c in df.items()}


def _candidate_pairs(mentions: list[ClaimMention], stems: list[frozenset[str]]) -> set[tuple[int, int]]:
    """Pairs of mentions from different articles sharing a figure or two of their rarest stems.

    Each mention is indexed under its INDEX_STEMS rarest stems only (prefix filtering): two wordings of
    one claim share their distinctive words, and common words would make the pair count quadratic.
    """
    df: dict[str, int] = defaultdict(int)
    for st in stems:
        for x in st:
            df[x] += 1
    index: dict[str, list[int]] = defaultdict(list)
    for i, (m, st) in enumerate(zip(mentions, stems)):
        for _, x in sorted([(df[x], x) for x in st])[:INDEX_STEMS]:
            index["w:" + x].append(i)
        if m.quantity and unit_key(m.quantity) and unit_key(m.quantity) not in _TIME_UNITS:
            index[f"q:{unit_key(m.quantity)}:{m.quantity['value']}"].append(i)
    keys = []
    for key, post in index.items():
        if len(post) < 2 or len(post) > POSTINGS_CAP:
            continue  # a key in this many sentences carries no signal (and would cost quadratic time)
        # A figure shared by few sentences ("400 trucks") proposes a pair by itself; a common one needs a word too.
        keys.append((post, 2 if key.startswith("q:") and len(post) <= FIGURE_POSTINGS else 1))
    if sum(len(p) * len(p) for p, _ in keys) <= SMALL_PAIRS or not _HAVE_SCIPY:
        shared: dict[tuple[int, int], int] = defaultdict(int)
        for post, w in keys:
            for x in range(len(post)):
                i = post[x]
                ai = mentions[i].article_id
                for y in range(x + 1, len(post)):
                    j = post[y]
                    if ai != mentions[j].article_id:
                        shared[(i, j)] += w
        return {p for p, c in shared.items() if c >= 2}
    # A big storyline: count, for every pair, the keys it shares (weighted) as one sparse product in
    # C, the same count the loops above make (they cost most of the alignment of big storylines).
    rows: list[int] = []
    cols: list[int] = []
    for k, (post, _) in enumerate(keys):
        rows.extend(post)
        cols.extend([k] * len(post))
    weights = [float(w) for _, w in keys]
    k = len(keys)
    import numpy as np
    from scipy import sparse

    n = len(mentions)
    inc = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, k))
    shared = sparse.triu((inc @ sparse.diags(np.array(weights, dtype=np.float32))) @ inc.T, k=1).tocoo()
    art_ids: dict[str, int] = {}
    art = np.array([art_ids.setdefault(m.article_id, len(art_ids)) for m in mentions])
    keep = (shared.data >= 2) & (art[shared.row] != art[shared.col])
    return set(zip(shared.row[keep].tolist(), shared.col[keep].tolist()))


def _average_link(mentions: list[ClaimMention], links: dict[tuple[int, int], float]) -> list[list[int]]:
    """Merge linked mentions, strongest links first, only while at least half of the cross-article
    pairs of the two groups are links themselves and none is vetoed: a chain of loose links
    (title -> lead -> figure) does not pull unrelated statements into one claim."""
    cluster = {i: [i] for i in range(len(mentions))}
    owner = list(range(len(mentions)))
    for (i, j), _ in sorted(links.items(), key=lambda kv: (-kv[1], kv[0])):
        a, b = owner[i], owner[j]
        if a == b:
            continue
        cross = [(x, y) for x in cluster[a] for y in cluster[b] if mentions[x].article_id != mentions[y].article_id]
        if not cross or any(_vetoed(mentions[x], mentions[y]) for x, y in cross):
            continue
        linked = sum(1 for x, y in cross if (min(x, y), max(x, y)) in links)
        if linked * 2 < len(cross):
            continue
        keep, gone = min(a, b), max(a, b)
        cluster[keep].extend(cluster.pop(gone))
        for x in cluster[keep]:
            owner[x] = keep
    return [sorted(v) for _, v in sorted(cluster.items())]


# ---------------------------------------------------------------- origins

def _fold_name(name: str) -> str:
    n = " ".join(name.lower().split())
    for art in ("the ", "a ", "an "):
        if n.startswith(art):
            n = n[len(art):]
    return n


def source_aliases(sources: Iterable[dict] | None) -> dict[str, str]:
    """Source id -> the node that stands for it: its in-corpus report, or the first source of one name."""
    alias: dict[str, str] = {}
    by_name: dict[tuple[str, str], str] = {}
    for s in sources or []:
        if not s.get("id"):
            continue
        if s.get("article_id"):
            alias[s["id"]] = s["article_id"]  # an outlet's report that is in the corpus
            continue
        # One source named twice ("Intelligence officials" / "intelligence officials") is one origin.
        key = (s.get("kind") or "", _fold_name(s.get("name") or ""))
        if key[1]:
            first = by_name.setdefault(key, s["id"])
            if first != s["id"]:
                alias[s["id"]] = first
    return alias


# The pipeline passes the whole registry with every storyline: folding every source's name once per
# storyline made the stage quadratic (most of its time at 1k articles). The map is kept for the last
# registry seen, recognised by identity and length (a registry is not edited while claims run).
_ALIAS_CACHE: list = [None, -1, {}]


def _aliases_for(sources: Iterable[dict] | None) -> dict[str, str]:
    if not isinstance(sources, list):
        return source_aliases(sources)
    if _ALIAS_CACHE[0] is not sources or _ALIAS_CACHE[1] != len(sources):
        _ALIAS_CACHE[:] = [sources, len(sources), source_aliases(sources)]
    return _ALIAS_CACHE[2]


class _Graph:
    def __init__(self, derivations: Iterable[dict], attributions: Iterable[dict] | None,
                 sources: Iterable[dict] | None | dict[str, str], known_articles: Iterable[str] | None = None):
        # `sources`: the registry entries, or an alias map already made from them (source_aliases).
        self.alias: dict[str, str] = sources if isinstance(sources, dict) else _aliases_for(sources)
        self.parents: dict[str, list[dict]] = defaultdict(list)
        for d in derivations:
            if d.get("from") and d.get("to") and d["from"] != d["to"]:
                self.parents[d["to"]].append(d)
        self.known_articles: set[str] = set(known_articles or ())
        self.attrib: dict[str, list[dict]] = defaultdict(list)
        for a in attributions or []:
            if a.get("article_id") and a.get("source_id") and a.get("span"):
                self.attrib[a["article_id"]].append(a)
        # An article attributing anything to an outlet whose report is in the corpus cites that report:
        # an implicit "cites" edge, used for the claims that report makes too.
        for aid, atts in self.attrib.items():
            have = {self.canon(e["from"]) for e in self.parents.get(aid, [])}
            for a in atts:
                target = self.canon(a["source_id"])
                if target in self.known_articles and target != aid and target not in have:
                    self.parents[aid].append({"from": a["source_id"], "to": aid, "kind": "cites", "implicit": True})
                    have.add(target)

    def canon(self, node: str) -> str:
        seen = set()
        while node in self.alias and node not in seen:
            seen.add(node)
            node = self.alias[node]
        return node

    def roots(self, article_id: str, span: Span | None, claim_articles: dict[str, Span],
              depth: int = 0, path: frozenset[str] = frozenset(), memo: dict | None = None) -> list[str]:
        """The origins of one piece of evidence: follow the edge that carried it, up to a root.
        `path` stops cycles (A derived from B and B from A); `memo` keeps a shared ancestor from
        being walked once per route to it (both made this exponential on real graphs)."""
        node = self.canon(article_id)
        if depth > 20 or node in path:
            return [node]
        memo = {} if memo is None else memo
        key = (node, tuple(span) if span else None)
        if key in memo:
            return memo[key]
        path = path | {node}
        result = self._roots(node, span, claim_articles, depth, path, memo)
        memo[key] = result
        return result

    def _roots(self, node: str, span: Span | None, claim_articles: dict[str, Span], depth: int,
               path: frozenset[str], memo: dict) -> list[str]:
        edges = self.parents.get(node, [])
        chosen: list[dict] = []
        if span is not None:
            # 1. an edge whose aligned passage covers this sentence
            for e in edges:
                for p in e.get("passages") or []:
                    ts = p.get("to_span")
                    if ts and ts[0] < span[1] and span[0] < ts[1]:
                        chosen.append(e)
                        break
        if not chosen:
            # 2. the whole text derives from another: a copy or excerpt carries every claim; a rewrite
            #    carries those its parent makes too (what it adds is its own)
            chosen = [e for e in edges if e.get("kind") in ("copy", "excerpt")
                      or (e.get("kind") in WHOLE_KINDS | {"partial"} and self.canon(e["from"]) in claim_articles)]
        if not chosen and span is not None:
            # 3. the sentence attributes the claim to a source
            srcs = [a["source_id"] for a in self.attrib.get(node, [])
                    if a["span"][0] < span[1] and span[0] < a["span"][1]]
            if srcs:
                out: list[str] = []
                for s in srcs:
                    c = self.canon(s)
                    nxt = (self.roots(c, claim_articles.get(c), claim_articles, depth + 1, path, memo)
                           if c in self.parents or c in claim_articles else [c])
                    out.extend(x for x in nxt if x not in out)
                return out
        if not chosen and edges:
            # 4. a cited source: the one whose report also makes this claim; else the only one cited when
            #    its report is outside the corpus (we cannot read it; an in-corpus report that lacks the
            #    claim did not supply it)
            cites = [e for e in edges if e.get("kind") not in WHOLE_KINDS | {"partial"}]
            chosen = [e for e in cites if self.canon(e["from"]) in claim_articles]
            if not chosen and len(cites) == 1 and self.canon(cites[0]["from"]) == cites[0]["from"] \
                    and cites[0]["from"] not in self.known_articles:
                chosen = cites
        if not chosen:
            return [node]
        out = []
        for e in chosen:
            parent = self.canon(e["from"])
            for r in self.roots(parent, claim_articles.get(parent), claim_articles, depth + 1, path, memo):
                if r not in out:
                    out.append(r)
        return out


# ---------------------------------------------------------------- alignment

def _order_key(m: ClaimMention, order: dict[str, int], pub: dict[str, str | None] | None = None) -> tuple:
    p = m.published or (pub or {}).get(m.article_id)
    d = published_date(p)
    return (d is None, d.isoformat() if d else "", p or "", order.get(m.article_id, 0), m.span[0])


def align_claims(articles: list[Article], mentions: list[ClaimMention], derivations: list[dict],
                 attributions: list[dict] | None = None, sources: list[dict] | dict[str, str] | None = None
                 ) -> list[Claim]:
    """Group mentions that state one claim across articles; count support and independent origins.

    `derivations`: edges {"from", "to", "kind", "passages"?}; "from" is an article id or a source id.
    `attributions`: {"article_id", "source_id", "span"} (optional): a sentence attributing the claim to a
    source takes that source as its origin when no derivation edge carried it.
    `sources`: registry entries {"id", "article_id"} (optional) identify a source with its in-corpus report;
    or the alias map `source_aliases(registry)` already made from them.
    """
    order = {a.id: i for i, a in enumerate(articles)}
    pub = {a.id: a.published for a in articles}
    stems = [m.stems for m in mentions]
    idf = story_idf(stems)
    links: dict[tuple[int, int], float] = {}
    for i, j in _candidate_pairs(mentions, stems):
        ok, score = same_claim(mentions[i], mentions[j], stems[i], stems[j], idf)
        if ok:
            links[(min(i, j), max(i, j))] = score
    groups = _average_link(mentions, links)
    graph = _Graph(derivations, attributions, sources, known_articles=[a.id for a in articles])
    claims: list[Claim] = []
    for idxs in groups:
        ms = sorted((mentions[i] for i in idxs), key=lambda m: _order_key(m, order, pub))
        rep = ms[0]
        quantity = next((m.quantity for m in ms if m.quantity), None)
        time = next((m.time for m in ms if m.time and m.time.get("precision") != "unknown"), None) or \
            next((m.time for m in ms if m.time), None)
        claim_articles: dict[str, Span] = {}
        for m in ms:
            claim_articles.setdefault(m.article_id, m.span)
        origins: list[str] = []
        per: dict[str, list[str]] = {}
        for m in ms:
            rs = graph.roots(m.article_id, m.span, claim_articles)
            per[m.id] = rs
            for r in rs:
                if r not in origins:
                    origins.append(r)
        cid = "claim-" + hashlib.blake2b(f"{rep.article_id}:{rep.span[0]}:{rep.span[1]}".encode(), digest_size=5).hexdigest()
        claims.append(Claim(id=cid, text=rep.text, mentions=ms, quantity=quantity, time=time, origins=origins,
                            evidence_origins=per, first_published=rep.published or pub.get(rep.article_id)))
    claims.sort(key=lambda c: (-c.support, _order_key(c.mentions[0], order, pub)))
    return claims
