"""EventIndex: placement of articles into events and storylines, batch or as they arrive.

Why batch results do not depend on input order:
- an article's vector depends on the article alone (fixed background idf, see features.py);
- two articles are compared iff they share at least `min_shared_keys` of their key terms (their
  strongest words and names) and, when both are dated, lie at most `window_days` apart: a
  symmetric rule of the pair (pairs.py), so the same pairs are compared whatever came first;
- events are average-link clusters over those pair similarities (time-discounted), run per
  connected component of the pairs >= `link_threshold`, nodes in sorted order, ties broken on the
  smallest article id. Average link at threshold t never joins two components of the graph of
  pairs >= t, so this is plain average link whenever link_threshold <= event_threshold.

Undated articles: placed by their content; an article with dated neighbours gets an estimated day
(`_estimate`: their median date, or later when its text names later months, see mentions.py) that
counts in the time discount, so a follow-up saying "in early January" parts from November reports.
`StoryResult.inferred_dates` gives each undated article such a date (never before the months it names).

Scale (tens of thousands of articles, millions of pairs): pairs live in flat arrays (`PairGraph`),
computed by block sparse products (pairs.py); the time discount, the components and the pairs of
each component are array operations; average link is `linkage.average_link_arrays`.

Three ways to add articles:
- `add(articles, place=False)` then `recluster()`: the batch partition (what `cluster` does);
- `add(articles, place=False)` on an index that was clustered, then `update()`: where the
  components the new articles (and the undated articles whose estimated day they move) touch are
  small, they are re-clustered: the batch result of the grown set. News chains into one giant
  component (90% of a 37k-article news corpus); above `BOUNDED_FROM` articles the update is
  bounded instead (`_update_bounded`): average link goes on from the current clusters, the new
  articles joining the clusters they reach, so the cost follows the new articles and those
  clusters; close to but not always equal to batch (bench/results/events.md: "Bounded update,
  fourth session");
- `add(articles)` (place=True): one pass per article, it joins the event with the best mean
  similarity, re-clustered on its own at checkpoint sizes (`_place`): flat cost, close to but not
  always equal to batch; `recluster()` or `update()` then gives the batch partition.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Callable, Iterable

import numpy as np

from ..dates import published_date
from ..model import Article
from . import features, meaning
from .linkage import average_link_arrays, split_lookalikes
from .mentions import floor_date, time_mentions
from .pairs import KnownPairs, PairInput, cosine, is_candidate, key_terms, pair_arrays
from .result import Event, Storyline, StoryResult, event_why, storyline_why

STATE_VERSION = 2

@dataclass(frozen=True)
class Params:
    """One configuration for every corpus (tuned on three labelled corpora together, see bench/events_bench.py)."""
    event_threshold: float = 0.12    # mean pair similarity for articles to share an event
    link_threshold: float = 0.12     # batch: average link runs per component of pairs at least this similar
    time_free_days: int = 7          # dates this close cost nothing
    time_scale: float = 0.06         # then each doubling of the gap costs this much similarity
    time_max_penalty: float = 0.15   # ... up to this much: very close texts months apart (a topic
                                     # that runs for months) can still be one event
    window_days: int = 240           # dated pairs further apart are never compared
    edge_floor: float = 0.05         # weaker pair similarities are not kept (count as 0)
    key_terms: int = 20              # terms per article in the candidate index
    min_shared_keys: int = 2         # key terms two articles must share to be compared
    near_days: int = 120             # dated pairs further apart than this ...
    far_min_shared_keys: int = 3     # ... must share this many key terms
    split_ratio: float = 3.0         # look-alike split: halves this much more cohesive than across
    split_max_cross: float = 0.2     # ... and at most this similar across
    split_min_half: int = 3          # ... and each half at least this many articles
    story_threshold: float = 0.25    # event-centroid similarity for events to share a storyline
    min_words: int = 6               # fewer distinct content words: a singleton with a stated reason
    # Optional meaning signal (sentence embeddings of the headlines, stories/meaning.py): pair
    # similarity + meaning_weight x (embedding cosine - meaning_center) where both articles have a
    # vector. Inert unless vectors are recorded (`EventIndex.add_meaning`, only when the model is
    # installed): without them this is the lexical path. Held-out tuned (bench/events_meaning.py).
    meaning_weight: float = 0.3
    meaning_center: float = 0.3
    meaning_max_days: int = 7        # ... on pairs published at most this far apart (< 0: every pair):
                                     # look-alike headlines (two quakes, two arrests) are far apart

BUCKET_DAYS = 30
# update(): components to redo larger than this take the bounded path (see `_update_bounded`);
# smaller ones are re-clustered exactly (the batch partition).
BOUNDED_FROM = 2000
BOUNDED_HOPS = 0      # "region": rings of reached clusters re-clustered beyond the new articles' own
# "grow" (default): average link continued from the current clusters, the new articles joining the
# clusters they reach (`_grow`): cost follows the new articles and the clusters they join. "region":
# those clusters re-clustered from scratch with the new articles, plus a pull-in fixpoint: closer to
# batch, but the region grows with the store's density (bench/results/events.md).
BOUNDED_MODE = "grow"
BOUNDED_REACH = 1.0   # a cluster is reached when its mean similarity to a new article is >= this x threshold
BOUNDED_TOP = 0       # at most this many reached clusters per new article (most similar on mean); 0: all
BOUNDED_ROUNDS = 8    # "region": at most this many pull-in rounds of the fixpoint
# Event sizes at which incremental placement re-clusters the event it grew (see `_place`).
_RECHECK = frozenset(int(4 * 1.5 ** k) for k in range(20))


def _hid(prefix: str, key: str) -> str:
    return prefix + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


class PairGraph:
    """Weighted pairs of node numbers in flat arrays, with neighbour lookup.

    Batch pairs arrive as arrays (`extend`); single pairs (`add`) go to a small overlay that is
    folded into the arrays when it grows past a quarter of them, so lookups stay cheap and the
    amortised cost per pair is constant. About 16 bytes per pair instead of two dict entries.
    """

    def __init__(self) -> None:
        self.i = np.zeros(0, np.int32)
        self.j = np.zeros(0, np.int32)
        self.s = np.zeros(0, np.float64)
        self._extra: list[tuple[int, int, float]] = []
        self._csr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._extra_nb: dict[int, dict[int, float]] = defaultdict(dict)
        self.n = 0

    def __len__(self) -> int:
        return len(self.i) + len(self._extra)

    def grow(self, n: int) -> None:
        if n > self.n and self._csr is not None:
            # New nodes have no pairs in the arrays yet (theirs go to the overlay or a later
            # `extend`): empty rows appended, not the whole index rebuilt for each new article.
            ptr, dst, val = self._csr
            self._csr = (np.concatenate([ptr, np.full(n - self.n, ptr[-1], ptr.dtype)]), dst, val)
        self.n = max(self.n, n)

    def extend(self, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> None:
        self.flush()
        self._csr = None
        if not len(self.i):
            # copy=False: arrays already of these types are taken as they are (callers hand over
            # fresh or read-only arrays; the graph never writes into them).
            self.i, self.j = i.astype(np.int32, copy=False), j.astype(np.int32, copy=False)
            self.s = s.astype(np.float64, copy=False)
            return
        self.i = np.concatenate([self.i, i.astype(np.int32)])
        self.j = np.concatenate([self.j, j.astype(np.int32)])
        self.s = np.concatenate([self.s, s.astype(np.float64)])
        self._csr = None

    def add(self, i: int, j: int, s: float) -> None:
        self._extra.append((i, j, s))
        self._extra_nb[i][j] = s
        self._extra_nb[j][i] = s
        if len(self._extra) > max(20_000, len(self.i) // 4):
            self.flush()

    def flush(self) -> None:
        if self._extra:
            i, j, s = zip(*self._extra)
            self._extra = []
            self._extra_nb = defaultdict(dict)
            self.extend(np.array(i), np.array(j), np.array(s))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All pairs (i, j, cosine); the overlay is appended, not folded (lookups stay valid)."""
        if not self._extra:
            return self.i, self.j, self.s
        i, j, s = zip(*self._extra)
        return (np.concatenate([self.i, np.array(i, np.int32)]), np.concatenate([self.j, np.array(j, np.int32)]),
                np.concatenate([self.s, np.array(s, np.float64)]))

    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._csr is None:
            i, j, s = self.i, self.j, self.s
            src = np.concatenate([i, j])
            dst = np.concatenate([j, i])
            val = np.concatenate([s, s])
            order = np.argsort(src, kind="stable")
            ptr = np.zeros(self.n + 1, np.int64)
            np.cumsum(np.bincount(src, minlength=self.n), out=ptr[1:])
            self._csr = (ptr, dst[order], val[order])
        return self._csr

    @property
    def indexed(self) -> bool:
        """Whether the neighbour index is built (lookups cost their rows, not an argsort of every pair)."""
        return self._csr is not None

    def neighbors(self, x: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour numbers and similarities of node x."""
        ptr, dst, val = self._rows()
        nb, sv = dst[ptr[x]:ptr[x + 1]], val[ptr[x]:ptr[x + 1]]
        extra = self._extra_nb.get(x)
        if extra:
            nb = np.concatenate([nb, np.fromiter(extra.keys(), np.int32, len(extra))])
            sv = np.concatenate([sv, np.fromiter(extra.values(), np.float64, len(extra))])
        return nb, sv

    def among(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair with both ends in `nodes` (each once): cost follows their neighbourhoods."""
        inset = np.zeros(self.n, bool)
        inset[nodes] = True
        I, J, S = self.edges_of(nodes)
        keep = inset[J] & (J > I)
        return I[keep], J[keep], S[keep]

    def edges_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every pair of each node in `nodes` as (node, neighbour, cosine): a pair of two of them
        comes twice, once from each end. Cost follows their neighbourhoods, not the graph."""
        nodes = np.asarray(nodes, np.int64)
        if not len(nodes):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        ptr, dst, val = self._rows()
        lo, hi = ptr[nodes], ptr[nodes + 1]
        cnt = hi - lo
        # Row slices gathered in one index array (no Python loop over the nodes).
        at = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt) + np.arange(int(cnt.sum()))
        I = np.repeat(nodes, cnt)
        J = dst[at].astype(np.int64)
        S = val[at]
        if self._extra_nb:
            EI, EJ, ES = [], [], []
            for x in nodes.tolist():
                extra = self._extra_nb.get(x)
                if extra:
                    EI.extend([x] * len(extra))
                    EJ.extend(extra.keys())
                    ES.extend(extra.values())
            if EI:
                I = np.concatenate([I, np.array(EI, np.int64)])
                J = np.concatenate([J, np.array(EJ, np.int64)])
                S = np.concatenate([S, np.array(ES, np.float64)])
        return I, J, S


class EventIndex:
    """Articles placed into events (same happening) and storylines (follow-ups), incrementally."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or Params()
        self.vec: dict[str, dict[str, float]] = {}
        self.day: dict[str, int | None] = {}
        self.title: dict[str, str] = {}
        self.reason: dict[str, str] = {}
        self.keys: dict[str, tuple[str, ...]] = {}
        self.mentions: dict[str, list[str]] = {}  # undated articles: the months/dates they name
        self.est: dict[str, int] = {}             # undated articles: estimated day (see _estimate)
        self.post: dict[str, dict[int | None, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.ids: list[str] = []                  # node number -> article id
        self.num: dict[str, int] = {}             # article id -> node number
        self.graph = PairGraph()
        self._event_of: dict[str, str] = {}       # article -> event key (its smallest member)
        self._events: dict[str, list[str]] = {}   # event key -> sorted members
        self._comp: dict[str, int] = {}           # article -> its component at the last (re)cluster
        self._comp_members: dict[int, list[str]] = {}
        self._next_comp = 0
        self._pending: list[str] = []             # recorded since the last recluster/update
        self._res_cache: dict[str, Any] | None = None  # what the last result() computed (see there)
        self._term_ids: dict[str, int] = {}       # term -> number, for event centroids as sparse rows
        self._names: list[str] = []               # number -> term
        self.last_update_size = 0                 # articles re-clustered by the last recluster/update
        self._dirty_all = False                   # one-pass placements since: update() reclusters all
        self._days: np.ndarray | None = None      # day per node (publication, else estimate)
        self._pub = np.zeros(0, np.int64)         # publication day per node (-1: undated), append-only
        # Average-link clusters before the look-alike split ("parents", by node number of their
        # smallest id): a bounded update dissolves and re-clusters whole parents (see there).
        self._par = np.zeros(0, np.int64)        # node -> its parent (itself when never clustered)
        self._parents: dict[int, list[int]] = {}  # parent -> member nodes, sorted by id
        self._floor_memo: dict[tuple[str, int], Any] = {}  # (undated article, anchor day) -> floor_date
        self._pen_table = np.zeros(0)             # time penalty by gap in days
        self.meaning: dict[str, np.ndarray] = {}  # optional headline embeddings (add_meaning)
        self._mmat: np.ndarray | None = None      # ... as rows by node number (grown by doubling)
        self._mrows = 0                           # ... rows filled

    # ---- similarity ------------------------------------------------------------------------
    def neighbors(self, aid: str) -> dict[str, float]:
        """The article's pairs: {other id: cosine} (cosine >= edge_floor)."""
        nb, sv = self.graph.neighbors(self.num[aid])
        ids = self.ids
        return {ids[b]: s for b, s in zip(nb.tolist(), sv.tolist())}

    def gap_days(self, a: str, b: str) -> int | None:
        """Days between two articles: publication dates, else the estimate of an undated one."""
        da, db = self.day[a], self.day[b]
        if da is None:
            da = self.est.get(a)
        if db is None:
            db = self.est.get(b)
        return None if da is None or db is None else abs(da - db)

    def _published_gap(self, a: str, b: str) -> int | None:
        da, db = self.day[a], self.day[b]
        return None if da is None or db is None else abs(da - db)

    def _penalty(self, g: int) -> float:
        p = self.params
        if g <= p.time_free_days:
            return 0.0
        return min(p.time_max_penalty, p.time_scale * math.log2(g / p.time_free_days))

    def _estimate(self, aid: str) -> int | None:
        """Estimated day of an undated article: placed by its content, bounded by its text.

        Its dated neighbours at least `event_threshold` similar give the base (their lower median)
        and the anchor (the earliest) around which the months it names are read; the estimate is
        the base, or the latest named month if that is later (a follow-up that says "in early
        January" was not written in November). A function of the article's pairs only, so batch
        results keep independent of input order.
        """
        nb, sv = self.graph.neighbors(self.num[aid])
        # Array work, not a Python loop: at 37k articles an undated article has ~1,000 strong
        # neighbours, and an update re-estimates dozens of them per new article.
        days = self._pub_days()[nb[sv >= self.params.event_threshold]]
        days = np.sort(days[days >= 0])
        return self._estimate_from(aid, days.tolist())

    def _pub_days(self) -> np.ndarray:
        """Publication day of each node, -1 when undated (days are ordinals, >= 1); a node's
        publication day never changes, so nodes added since the last call are appended."""
        d = self._pub
        if len(d) < len(self.ids):
            day = self.day
            more = np.fromiter((-1 if (x := day[a]) is None else x for a in self.ids[len(d):]), np.int64,
                               len(self.ids) - len(d))
            d = self._pub = np.concatenate([d, more])
        return d

    def _estimate_from(self, aid: str, days: list[int]) -> int | None:
        if not days:
            return None
        base = days[(len(days) - 1) // 2]
        m = self.mentions.get(aid)
        if m:
            # The month floor depends on the article and its anchor day only: kept, as updates
            # recompute the estimates of the same undated neighbours again and again.
            key = (aid, days[0])
            fl = self._floor_memo.get(key, False)
            if fl is False:
                fl = self._floor_memo[key] = floor_date(m, date.fromordinal(days[0]))
            if fl is not None:
                base = max(base, fl[0].toordinal())
        return base

    def event_sim(self, a: str, b: str, raw: float) -> float:
        """Pair similarity for events: cosine less a penalty growing with the log of the date gap
        (and the meaning blend when on: the same floats as `_event_sims`)."""
        g = self.gap_days(a, b)
        pen = 0.0 if g is None else self._penalty(g)
        out = raw if pen == 0.0 else raw - pen
        if self.params.meaning_weight and self.meaning:
            mx = self.params.meaning_max_days
            da, db = self.day[a], self.day[b]
            close = mx < 0 or (da is not None and db is not None and abs(da - db) <= mx)
            va, vb = self.meaning.get(a), self.meaning.get(b)
            if close and va is not None and vb is not None:
                # The two rows alone: the same row products as the array path, the same float.
                e, has = meaning.pair_cosines(np.stack([va, vb]), np.array([0]), np.array([1]))
                out = float(meaning.blend(np.array([out]), e, has, self.params.meaning_weight,
                                          self.params.meaning_center)[0])
        return out

    def add_meaning(self, vectors: dict[str, np.ndarray]) -> None:
        """Record articles' meaning vectors (`meaning.article_vectors`), before `add`/`recluster`/
        `update`: pairs of two articles with vectors then blend them in (`Params.meaning_weight`)."""
        self.meaning.update(vectors)
        if self._mmat is not None:  # rows of articles already here
            for a, v in vectors.items():
                x = self.num.get(a)
                if x is not None and x < self._mrows:
                    self._mmat[x] = v

    def _blend_meaning(self, I: np.ndarray, J: np.ndarray, E: np.ndarray) -> np.ndarray:
        """E + the meaning term on the pairs with two vectors, published at most
        `meaning_max_days` apart (any pair when < 0)."""
        M, n = self._mmat, len(self.ids)
        if M is None or len(M) < n:  # capacity doubles: rows are appended, not rebuilt, as the store grows
            cap = max(n, 2 * (0 if M is None else len(M)))
            grown = np.zeros((cap, meaning.DIM), np.float32)
            if M is not None:
                grown[:self._mrows] = M[:self._mrows]
            M = self._mmat = grown
        if self._mrows < n:
            M[self._mrows:n] = meaning.node_matrix(self.ids[self._mrows:n], self.meaning)
            self._mrows = n
        p = self.params
        if p.meaning_max_days < 0:
            e, has = meaning.pair_cosines(M, I, J)
            return meaning.blend(E, e, has, p.meaning_weight, p.meaning_center)
        # Published dates only: an estimated day is itself a guess from lexical neighbours. Only
        # the pairs that close are embedded (a few percent of a 240-day window's pairs).
        pub = self._pub_days()
        di, dj = pub[I], pub[J]
        at = np.flatnonzero((di >= 0) & (dj >= 0) & (np.abs(di - dj) <= p.meaning_max_days))
        if not len(at):
            return E
        e, has = meaning.pair_cosines(M, I[at], J[at])
        out = np.array(E, dtype=np.float64, copy=True)
        out[at] = meaning.blend(out[at], e, has, p.meaning_weight, p.meaning_center)
        return out

    def _event_sims(self, I: np.ndarray, J: np.ndarray, S: np.ndarray) -> np.ndarray:
        """`event_sim` over arrays of pairs (the same floats: penalties from a table of `_penalty`)."""
        d = self._day_array()
        out = np.empty(len(S))
        step = 1 << 21  # in chunks: millions of pairs, few temporaries at a time
        for k in range(0, len(S), step):
            di, dj = d[I[k:k + step]], d[J[k:k + step]]
            g = np.where((di >= 0) & (dj >= 0), np.abs(di - dj), 0)
            top = int(g.max()) if len(g) else 0
            if len(self._pen_table) <= top:
                self._pen_table = np.array([self._penalty(x) for x in range(max(top + 1, 2 * len(self._pen_table)))])
            pen = self._pen_table[g]
            s = S[k:k + step]
            out[k:k + step] = np.where(pen == 0.0, s, s - pen)
        if self.params.meaning_weight and self.meaning:
            out = self._blend_meaning(I, J, out)
        return out

    def _day_array(self) -> np.ndarray:
        """Day of each node (publication or estimate), -1 when neither; nodes added since the last
        call are appended (an update must not pay for the whole store)."""
        d = self._days
        if d is None:
            d = self._days = self._day_arr(0)
        elif len(d) < len(self.ids):
            d = self._days = np.concatenate([d, self._day_arr(len(d))])
        return d

    def _day_arr(self, start: int) -> np.ndarray:
        out = np.full(len(self.ids) - start, -1, np.int64)
        for k, a in enumerate(self.ids[start:]):
            d = self.day[a]
            if d is None:
                d = self.est.get(a)
            if d is not None:
                out[k] = d
        return out

    def _set_est(self, aid: str, est: int | None) -> None:
        """Set (or clear) an undated article's estimated day, in the day array too."""
        if est is None:
            self.est.pop(aid, None)
        else:
            self.est[aid] = est
        if self._days is not None and self.num[aid] < len(self._days):
            self._days[self.num[aid]] = -1 if est is None else est

    def _buckets(self, day: int | None) -> list[int | None] | None:
        if day is None:
            return None  # undated: every bucket
        b = day // BUCKET_DAYS
        r = self.params.window_days // BUCKET_DAYS + 1
        return [None] + list(range(b - r, b + r + 1))

    def _candidates(self, aid: str) -> list[str]:
        """Single-article path: the pair rule (pairs.is_candidate) through the inverted index."""
        hits: Counter = Counter()
        buckets = self._buckets(self.day[aid])
        for t in self.keys[aid]:
            bt = self.post.get(t)
            if not bt:
                continue
            if buckets is None:
                for ids in bt.values():
                    hits.update(ids)
            else:
                for b in buckets:
                    ids = bt.get(b)
                    if ids:
                        hits.update(ids)
        p = self.params
        return [c for c, n in hits.items() if c != aid and is_candidate(n, self._published_gap(aid, c), p)]

    # ---- adding ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.vec)

    def __contains__(self, aid: str) -> bool:
        return aid in self.vec

    def add(self, articles: Iterable[Article], place: bool = True) -> list[str]:
        """Add articles (ids already present are skipped).

        place=True: each is placed in an event at once (one pass, see `_place`).
        place=False: they are recorded and their pairs computed in one batch; call `recluster()`
        (everything) or `update()` (only what they touch) afterwards.
        Returns the ids added.
        """
        added = []
        batch: list[str] = []
        seen: set[str] = set()
        for a in articles:
            if a.id in self.vec or a.id in seen:
                continue
            seen.add(a.id)
            st = article_state(a, self.params)
            if place:
                self._record(a.id, st["v"], st["d"], st["t"], st["r"], st["m"])
                self._pairs_single(a.id)
                if st["d"] is None:
                    est = self._estimate(a.id)
                    if est is not None:
                        self._set_est(a.id, est)
                self._place(a.id)
            else:
                self._record(a.id, st["v"], st["d"], st["t"], st["r"], st["m"])
                batch.append(a.id)
            added.append(a.id)
        if batch:
            self._pairs_batch(batch)
        return added

    def add_states(self, states: dict[str, dict[str, Any]],
                   pairs: Iterable[tuple[str, str, float]] | None = None,
                   known: KnownPairs | None = None) -> list[str]:
        """Record articles from their feature states (`article_state`, as the store keeps them),
        pairs computed in one batch; call `recluster()` or `update()` afterwards.

        `pairs`: the new articles' pairs (a, b, cosine) when computed elsewhere with
        `pairs.similar_pairs` (e.g. in Spark executors, by date blocks): taken as given.
        `known`: every pair among `known.ids` (a `pair_graph()` of an earlier run, those of its
        articles whose state is unchanged): taken as given, and only the pairs of the other
        articles are computed, or taken from `pairs` when given (then exactly the pairs with
        an article not in `known`). A pair is a function of its two articles alone (pairs.py),
        so the graph is the one a batch of all of them builds."""
        batch = []
        for aid in sorted(states):
            if aid in self.vec:
                continue
            s = states[aid]
            self._record(aid, s["v"], s["d"], s["t"], s["r"], s.get("m"))
            batch.append(aid)
        if known is not None:
            num = self.num
            fresh = set(batch)
            # Known articles' numbers here (-1: not recorded by this call); edges kept when both ends
            # are. int32 like the graph, and no masked copies when every pair is kept (the usual case):
            # at 37k articles the known pairs are 15M, each extra copy ~250 MB.
            at = np.array([num[a] if a in fresh else -1 for a in known.ids], dtype=np.int32)
            if len(known.i):
                I, J = at[known.i], at[known.j]
                ok = (I >= 0) & (J >= 0)
                if ok.all():
                    self.graph.extend(I, J, known.s)
                elif ok.any():
                    self.graph.extend(I[ok], J[ok], known.s[ok])
                del I, J, ok
        if pairs is not None:
            num = self.num
            trip = [(num[a], num[b], x) for a, b, x in pairs]
            if trip:
                I, J, S = (np.array(c) for c in zip(*trip))
                self.graph.extend(I, J, S)
            return batch
        have = set() if known is None else {a for a in known.ids if a is not None}
        todo = [a for a in batch if a not in have]
        if todo:
            self._pairs_batch(todo)
        return batch

    def _record(self, aid: str, v: dict[str, float], day: int | None, title: str, reason: str,
                mentions: list[str] | None = None) -> None:
        p = self.params
        self.vec[aid] = v
        if mentions:
            self.mentions[aid] = list(mentions)
        self.day[aid] = day
        self.title[aid] = title
        if reason:
            self.reason[aid] = reason
        self.keys[aid] = () if reason else key_terms(v, p.key_terms)  # too short: never a candidate
        self.num[aid] = len(self.ids)
        self.ids.append(aid)
        self.graph.grow(len(self.ids))
        self._pending.append(aid)
        self._event_of[aid] = aid
        self._events[aid] = [aid]
        bucket = None if day is None else day // BUCKET_DAYS
        for t in self.keys[aid]:
            self.post[t][bucket].append(aid)

    def _pair_input(self, aid: str) -> PairInput:
        return PairInput(aid, self.vec[aid], self.day[aid], self.keys[aid])

    def _pairs_batch(self, new: list[str]) -> None:
        """Pairs of the new articles among themselves and with those already here.

        Many new articles (a first analysis): block products over everything (pairs.pair_arrays).
        A few joining a large store: each one's candidates through the inverted index, so the cost
        follows the new articles and their neighbourhoods, not the store. The same pairs and the
        same floats either way (pairs.cosine sums like the block products)."""
        newset = set(new)
        if len(new) * 20 < len(self.ids) - len(new):
            p = self.params
            for aid in sorted(new):
                if not self.keys[aid]:
                    continue
                v, x = self.vec[aid], self.num[aid]
                for c in self._candidates(aid):
                    if c in newset and c < aid:
                        continue  # a pair of two new articles: once, from the smaller id
                    s = cosine(v, self.vec[c])
                    if s >= p.edge_floor:
                        self.graph.add(x, self.num[c], s)
            return
        old = [a for a in self.ids if a not in newset]
        items = [self._pair_input(a) for a in new]
        against = [self._pair_input(a) for a in old]
        I, J, S = pair_arrays(items, self.params, against)
        nums = np.array([self.num[a] for a in new + old], dtype=np.int32)
        if len(I):
            self.graph.extend(nums[I], nums[J], S)

    def _pairs_single(self, aid: str) -> None:
        v, p, x = self.vec[aid], self.params, self.num[aid]
        if not self.keys[aid]:
            return
        for c in self._candidates(aid):
            s = cosine(v, self.vec[c])
            if s >= p.edge_floor:
                self.graph.add(x, self.num[c], s)

    def _set_event(self, members: list[str]) -> None:
        members = sorted(members)
        self._events[members[0]] = members
        for m in members:
            self._event_of[m] = members[0]

    def _cluster(self, members: list[str], pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> list[list[str]]:
        """Average link (time-discounted pair similarities) then the look-alike split.

        `pairs`: the (node, node, cosine) pairs among `members` when the caller has them."""
        members = sorted(members)
        if len(members) == 1:
            return [members]
        if pairs is None:
            pairs = self.graph.among(np.array([self.num[a] for a in members], dtype=np.int64))
        I, J, S = pairs
        E = self._event_sims(I, J, S)
        # Local numbers in sorted id order: the tie-break order, the same in batch and update().
        nums = np.array([self.num[a] for a in members], dtype=np.int64)
        local = np.full(len(self.ids), -1, np.int32)
        local[nums] = np.arange(len(members), dtype=np.int32)
        p = self.params
        return self._split_all([[members[k] for k in cl]
                                for cl in average_link_arrays(len(members), local[I], local[J], E, p.event_threshold)])

    def _split_all(self, clusters: list[list[str]]) -> list[list[str]]:
        """Record each average-link cluster as a parent, then the look-alike split: the events."""
        p = self.params
        out = []
        for cl in clusters:
            kept = self._kept_events(cl)
            out.extend(kept if kept is not None else
                       split_lookalikes(cl, self.vec, p.split_ratio, p.split_max_cross, min_half=p.split_min_half))
        for cl in clusters:
            self._set_parent(cl)
        return sorted(out)

    def _kept_events(self, cl: list[str]) -> list[list[str]] | None:
        """The current events of `cl` when it is already a parent with exactly these members (the
        split is a function of the member set: a re-clustered parent that came out unchanged
        keeps its events without running the split again); else None."""
        if len(cl) < 4:
            return None  # too small to split: nothing to save
        nodes = [self.num[a] for a in cl]
        if self._parents.get(nodes[0]) != nodes:
            return None
        keys = {self._event_of.get(a) for a in cl}
        if None in keys or any(k not in self._events for k in keys):
            return None
        out = [list(self._events[k]) for k in keys]
        return out if sum(map(len, out)) == len(cl) else None

    def _set_parent(self, members: list[str]) -> None:
        """`members` (sorted ids) are one average-link cluster from now on."""
        self._set_parent_capacity()  # grown by doubling: cost per article stays constant
        nodes = [self.num[a] for a in members]
        key = nodes[0]
        olds = {int(self._par[x]) for x in nodes} - {key}
        if olds:  # a parent split up elsewhere keeps only its other members
            gone = set(nodes)
            for o in olds:
                rest = [x for x in self._parents.get(o, []) if x not in gone]
                if rest:
                    self._parents[o] = rest
                else:
                    self._parents.pop(o, None)
        self._par[nodes] = key
        if len(nodes) > 1:
            self._parents[key] = nodes
        else:
            self._parents.pop(key, None)

    def _parent_nodes(self, pn: int) -> list[int]:
        return self._parents.get(pn, [pn])

    def _place(self, aid: str) -> None:
        """Join the event whose mean similarity to the new article is highest (>= threshold).

        The same rule average link uses to merge, applied once: cost is one pass over the new
        article's pairs, whatever the size of the store. When the joined event reaches one of the
        sizes in `_RECHECK` (4, 6, 9, 13, ...: each about 1.5 times the last) it is clustered
        again on its own (average link, then the look-alike split), as batch would: two
        look-alike events that grew together part there. Checks at growing sizes keep the cost
        per article flat. Merges that only hindsight shows are left to `recluster()`/`update()`.
        """
        if self._pending and self._pending[-1] == aid:
            self._pending.pop()
        del self._events[aid]
        sums: dict[str, float] = defaultdict(float)
        for b, s in self.neighbors(aid).items():
            sums[self._event_of[b]] += self.event_sim(aid, b, s)
        best, best_avg = None, self.params.event_threshold
        for k in sorted(sums):
            avg = sums[k] / len(self._events[k])
            if avg >= best_avg and (best is None or avg > best_avg):
                best, best_avg = k, avg
        self._comp.pop(aid, None)
        self._dirty_all = True  # one-pass placement leaves the components to a recluster
        if best is None:
            self._set_event([aid])
            return
        members = self._events.pop(best) + [aid]
        if len(members) in _RECHECK:
            for part in self._cluster(members):
                self._set_event(part)
        else:
            self._set_event(members)

    # ---- batch partition ---------------------------------------------------------------------
    def recluster(self) -> None:
        """Recompute every event from scratch: the batch partition, independent of input order."""
        self.est.clear()
        undated = [a for a in self.ids if self.day[a] is None and not self.reason.get(a)]
        self._estimate_all(undated)
        self._days = None
        self._events.clear()
        self._event_of.clear()
        self._comp.clear()
        self._comp_members.clear()
        self._par = np.arange(len(self.ids), dtype=np.int64)
        self._parents = {}
        self._recluster_nodes(np.arange(len(self.ids), dtype=np.int64), whole=True)
        self.last_update_size = len(self.ids)
        self._pending = []
        self._dirty_all = False

    def update(self, exact: bool | None = None) -> None:
        """Events after `add(..., place=False)`, recomputed only where they can change.

        Exact (the batch partition of the grown store): the components (of pairs >= link
        threshold) that the new articles join, and those of undated articles whose estimated day
        the new pairs move (their time discount changes), are re-clustered; every other component
        keeps its events (events never cross components, and nothing about them changed).

        Bounded (`_update_bounded`): news chains into one giant component (90% of a 37k-article
        store), which an exact update re-clusters whole, so its cost grows with the store. When the
        components to redo hold more than `BOUNDED_FROM` articles, average link goes on from the
        current clusters instead: each new article joins (or merges) the clusters it reaches, and
        only those are split again; every other event is kept. The cost follows the new articles
        and the clusters they join. The partition differs from batch mostly where batch itself
        reshuffles old events when articles arrive (bench/results/events.md measures both).
        `recluster()` gives the batch partition again at any time.

        exact: None (default) chooses as above; True always exact; False always bounded.
        """
        if self._dirty_all or not self._comp:
            self.recluster()
            return
        new = [a for a in self._pending if a in self.vec]
        self._pending = []
        if not new:
            return
        p = self.params
        link = max(p.link_threshold, p.event_threshold)
        newset = set(new)
        # Undated articles whose estimate may move: the new undated ones, and old undated ones
        # with a new dated neighbour at least event_threshold similar.
        touch_est = {a for a in new if self.day[a] is None and not self.reason.get(a)}
        # (Pair arrays, not per-pair Python: the new articles' neighbourhoods grow with the store.)
        src, dst, cs = self.graph.edges_of(np.array([self.num[a] for a in new if self.day[a] is not None], np.int64))
        for b in np.unique(dst[cs >= p.event_threshold]).tolist():
            b = self.ids[b]
            if b not in newset and self.day[b] is None and not self.reason.get(b):
                touch_est.add(b)
        moved = set()
        for u in sorted(touch_est):
            old = self.est.get(u)
            est = self._estimate(u)
            self._set_est(u, est)
            if est != old and u not in newset:
                moved.add(u)
        # Components to redo: those of the new articles' strong neighbours, of articles whose
        # estimate moved, and of their neighbours they may now link to.
        comps = {self._comp[a] for a in moved}
        src, dst, cs = self.graph.edges_of(np.array(sorted(self.num[a] for a in newset | moved), np.int64))
        for b in np.unique(dst[self._event_sims(src, dst, cs) >= link]).tolist():
            b = self.ids[b]
            if b not in newset:
                comps.add(self._comp[b])
        touched = len(newset) + sum(len(self._comp_members[c]) for c in comps)
        if exact is False or (exact is None and touched > BOUNDED_FROM):
            self._update_bounded(newset, moved)
            return
        if 2 * touched > len(self.ids):
            # Most of the store (a giant component): the array path over everything is cheaper
            # than gathering the touched pairs node by node, and gives the same result.
            self.recluster()
            self.last_update_size = touched
            return
        nodes = set(newset)
        for c in comps:
            nodes.update(self._comp_members.pop(c))
        for a in nodes:
            ev = self._event_of.get(a)
            if ev is not None and ev in self._events:
                del self._events[ev]
            self._event_of.pop(a, None)
            self._comp.pop(a, None)
        self.last_update_size = len(nodes)  # articles whose events were recomputed
        self._recluster_nodes(np.array(sorted(self.num[a] for a in nodes), dtype=np.int64), whole=False)

    def _update_bounded(self, newset: set[str], moved: set[str]) -> None:
        """Place the new articles by continuing average link (`_grow`, the default) or re-cluster
        their neighbourhood ("region"); see `update`.

        Why this stays close to batch: average link is reducible (merging two clusters never
        raises their mean to a third), so a merge far from the new articles is the merge batch
        makes too. The region re-clustered is the new articles plus every average-link cluster
        ("parent", before the look-alike split) that holds an article at least `event_threshold`
        similar to one of them and whose mean similarity to it reaches `BOUNDED_REACH` x threshold
        (what the new article could join or pull apart), plus the parents of articles whose
        estimated day moved, with `BOUNDED_HOPS` more rings of parents reached from those. Re-clustered with pairs among the region only, a parent
        with no new article comes out as it was (the same greedy merges in the same order). Then a
        small fixpoint: an outside parent whose mean similarity to a re-clustered cluster reaches
        the threshold (batch would merge them) is pulled in, and the region is re-clustered again
        (at most `BOUNDED_ROUNDS` times). Every other event is kept as is. What can differ from
        batch: chains of merges that only the whole component shows (a re-clustered cluster that
        now attracts an outside one below the threshold with each of its parts...).
        """
        p = self.params
        th = p.event_threshold
        link = max(p.link_threshold, th)
        self._set_parent_capacity()
        seeds = np.array(sorted(self.num[a] for a in newset | moved), np.int64)
        isnew = np.zeros(len(self.ids), bool)
        isnew[[self.num[a] for a in newset]] = True
        src, dst, cs = self.graph.edges_of(seeds)
        es = self._event_sims(src, dst, cs)
        parents = self._reached(src, dst, es, isnew, th) | {int(self._par[self.num[a]]) for a in moved}
        # Components (kept as supersets: exact updates of small ones stay exact): each new or
        # moved article joins those of its neighbours at least `link` similar.
        joined: dict[int, set[int]] = defaultdict(set)
        lk = es >= link
        for x, y in zip(src[lk].tolist(), dst[lk].tolist()):
            c = self._comp.get(self.ids[y])
            if c is not None:
                joined[x].add(c)
        if BOUNDED_MODE == "grow":
            changed = self._grow(sorted(np.flatnonzero(isnew).tolist()), parents, th)
            events = self._split_all([sorted(self.ids[x] for x in cl) for cl in changed])
            for cl in changed:
                for x in cl:
                    ev = self._event_of.pop(self.ids[x], None)
                    if ev is not None:
                        self._events.pop(ev, None)
            for ev in events:
                self._set_event(ev)
            nodes = np.array(sorted({x for cl in changed for x in cl} | set(np.flatnonzero(isnew).tolist())), np.int64)
            self._finish_bounded(joined, newset, src, dst, lk, isnew)
            self.last_update_size = len(nodes)
            return
        frontier = set(parents)
        for _ in range(BOUNDED_HOPS):
            ring = np.array(sorted(x for pn in frontier for x in self._parent_nodes(pn)), np.int64)
            s2, d2, c2 = self.graph.edges_of(ring)
            e2 = self._event_sims(s2, d2, c2)
            frontier = self._reached(s2, d2, e2, isnew, th) - parents
            parents |= frontier
        region = set(np.flatnonzero(isnew).tolist())
        for pn in parents:
            region.update(self._parent_nodes(pn))
        for _ in range(BOUNDED_ROUNDS):
            nodes = np.array(sorted(region), np.int64)
            members, clusters, pulled = self._cluster_region(nodes, th)
            if not pulled:
                break
            for pn in pulled:
                region.update(self._parent_nodes(pn))
        # Replace the region's events and parents (an unchanged parent keeps its events).
        events = self._split_all([[members[k] for k in cl] for cl in clusters])
        for x in nodes.tolist():
            ev = self._event_of.pop(self.ids[x], None)
            if ev is not None:
                self._events.pop(ev, None)
        for ev in events:
            self._set_event(ev)
        self._finish_bounded(joined, newset, src, dst, lk, isnew)
        self.last_update_size = len(nodes)

    def _finish_bounded(self, joined, newset, src, dst, lk, isnew) -> None:
        for x, cs_ in sorted(joined.items()):
            self._join_comps(self.ids[x], cs_)
        for a in sorted(newset - {self.ids[x] for x in joined}):
            self._join_comps(a, set())
        for x, y in zip(src[lk].tolist(), dst[lk].tolist()):  # two new articles strongly linked
            if isnew[y]:
                self._join_comps(self.ids[x], {self._comp[self.ids[y]]})

    def _grow(self, new: list[int], parents: set[int], th: float) -> list[list[int]]:
        """Average link continued from the current clusters: the new articles (singletons) and the
        parents they reach are the nodes, weighted by size; pair sums between them come from their
        members' pairs. Old parents never reached the threshold with each other, and a merge of
        two clusters reaches a third only if one of its parts does, so every merge involves a new
        article and only these nodes can take part. Returns the clusters that changed (node
        numbers), each a union of new articles and whole parents."""
        import heapq

        mem: dict[int, list[int]] = {x: [x] for x in new}
        for pn in parents:
            mem[pn] = list(self._parent_nodes(pn))
        owner = np.full(len(self.ids), -1, np.int64)
        for k, xs in mem.items():
            owner[xs] = k
        allnodes = np.array(sorted(x for xs in mem.values() for x in xs), np.int64)
        src, dst, cs = self.graph.edges_of(allnodes)
        os_, od = owner[src], owner[dst]
        keep = (od >= 0) & (os_ != od) & (src < dst)
        es = self._event_sims(src[keep], dst[keep], cs[keep])
        a, b = os_[keep], od[keep]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        n = len(self.ids)
        uk, inv = np.unique(lo * n + hi, return_inverse=True)
        tot = np.bincount(inv, weights=es)
        sums: dict[int, dict[int, float]] = defaultdict(dict)
        for k, t in zip(uk.tolist(), tot.tolist()):
            x, y = divmod(k, n)
            sums[x][y] = t
            sums[y][x] = t
        size = {k: len(xs) for k, xs in mem.items()}
        first = {k: self.ids[min(xs, key=lambda x: self.ids[x])] for k, xs in mem.items()}
        ver = dict.fromkeys(mem, 0)
        heap: list = []

        def push(x: int, y: int) -> None:
            m = sums[x][y] / (size[x] * size[y])
            if m >= th:
                fx, fy = first[x], first[y]
                heapq.heappush(heap, (-m, min(fx, fy), max(fx, fy), x, y, ver[x], ver[y]))

        for x in sorted(sums):
            for y in sums[x]:
                if x < y:
                    push(x, y)
        changed: set[int] = set()
        while heap:
            _, _, _, x, y, vx, vy = heapq.heappop(heap)
            if x not in mem or y not in mem or ver[x] != vx or ver[y] != vy:
                continue
            if size[x] < size[y]:
                x, y = y, x
            mem[x].extend(mem.pop(y))
            size[x] += size.pop(y)
            first[x] = min(first[x], first.pop(y))
            ver[x] += 1
            changed.discard(y)
            changed.add(x)
            sy = sums.pop(y)
            sy.pop(x, None)
            sx = sums[x]
            sx.pop(y, None)
            for k, t in sy.items():
                sk = sums[k]
                sk.pop(y, None)
                sx[k] = sk[x] = sx.get(k, 0.0) + t
            for k in list(sx):
                push(x, k)
        return [mem[k] for k in sorted(changed)]

    def _reached(self, src: np.ndarray, dst: np.ndarray, es: np.ndarray, skip: np.ndarray, th: float) -> set[int]:
        """Parents (of `dst`, not `skip`) with a pair at least `th` similar to a node of `src` (those
        it could merge with or pull apart), whose mean similarity to that node reaches
        `BOUNDED_REACH` x th; of those, the `BOUNDED_TOP` most similar on mean per node."""
        keep = ~skip[dst]
        src, dst, es = src[keep], dst[keep], es[keep]
        strong = es >= th
        if not strong.any():
            return set()
        n = len(self.ids)
        P = self._par[dst]
        key = src * n + P
        # Only (node, parent) combinations with a strong pair; their mean over all their pairs.
        cand = np.unique(key[strong])
        sel = np.isin(key, cand)
        uk, inv = np.unique(key[sel], return_inverse=True)
        sums = np.bincount(inv, weights=es[sel])
        us, up = uk // n, uk % n
        mean = sums / self._parent_sizes(up)
        ok = mean >= BOUNDED_REACH * th
        us, up, mean = us[ok], up[ok], mean[ok]
        if BOUNDED_TOP:
            order = np.lexsort((up, -mean, us))
            us, up = us[order], up[order]
            first = np.searchsorted(us, us, side="left")
            rank = np.arange(len(us)) - first
            up = up[rank < BOUNDED_TOP]
        return set(up.tolist())

    def _cluster_region(self, nodes: np.ndarray, th: float) -> tuple[list[str], list[list[int]], set[int]]:
        """Average link over `nodes` (pairs among them), and the outside parents that now reach
        `th` in mean similarity with one of the clusters. Returns (members sorted by id, clusters
        as local numbers into them, parents to pull in)."""
        n = len(self.ids)
        members = sorted(self.ids[x] for x in nodes.tolist())
        nums = np.array([self.num[a] for a in members], np.int64)
        local = np.full(n, -1, np.int64)
        local[nums] = np.arange(len(members))
        src, dst, cs = self.graph.edges_of(nums)
        es = self._event_sims(src, dst, cs)
        inside = local[dst] >= 0
        once = inside & (src < dst)
        clusters = average_link_arrays(len(members), local[src[once]], local[dst[once]], es[once], th)
        out = ~inside
        if not out.any():
            return members, clusters, set()
        cl_of = np.zeros(len(members), np.int64)
        size = np.zeros(len(clusters), np.int64)
        for k, cl in enumerate(clusters):
            cl_of[cl] = k
            size[k] = len(cl)
        C = cl_of[local[src[out]]]
        P = self._par[dst[out]]
        key = C * n + P
        uk, inv = np.unique(key, return_inverse=True)
        sums = np.bincount(inv, weights=es[out])
        uc, up = uk // n, uk % n
        avg = sums / (size[uc] * self._parent_sizes(up))
        return members, clusters, set(up[avg >= th].tolist())

    def _parent_sizes(self, pns: np.ndarray) -> np.ndarray:
        """Sizes of the parents `pns` (one lookup per distinct parent)."""
        u, inv = np.unique(pns, return_inverse=True)
        return np.array([len(self._parent_nodes(int(x))) for x in u.tolist()], np.float64)[inv]

    def _set_parent_capacity(self) -> None:
        n = len(self.ids)
        if len(self._par) < n:
            grown = np.arange(max(n, 2 * len(self._par)), dtype=np.int64)
            grown[:len(self._par)] = self._par
            self._par = grown

    def _join_comps(self, aid: str, comps: set[int]) -> None:
        """`aid` and the components `comps` are one component from now on (the largest absorbs
        the others: each article moves O(log n) times in all)."""
        comps = {c for c in comps if c in self._comp_members}
        own = self._comp.get(aid)
        if own is not None:
            comps.add(own)
        if not comps:
            cid = self._next_comp
            self._next_comp += 1
            self._comp_members[cid] = [aid]
            self._comp[aid] = cid
            return
        target = max(comps, key=lambda c: (len(self._comp_members[c]), -c))
        tm = self._comp_members[target]
        for c in sorted(comps - {target}):
            for a in self._comp_members.pop(c):
                self._comp[a] = target
                tm.append(a)
        if self._comp.get(aid) != target:
            self._comp[aid] = target
            tm.append(aid)

    def _estimate_all(self, undated: list[str]) -> None:
        """`_estimate` for many undated articles from the pair arrays at once."""
        if not undated:
            return
        p = self.params
        I, J, S = self.graph.arrays()
        isund = np.zeros(len(self.ids), bool)
        isund[[self.num[a] for a in undated]] = True
        pub = self._pub_days()
        strong = S >= p.event_threshold
        days_of: dict[int, list[int]] = defaultdict(list)
        for X, Y in ((I, J), (J, I)):
            sel = strong & isund[X] & (pub[Y] >= 0)
            for x, d in zip(X[sel].tolist(), pub[Y[sel]].tolist()):
                days_of[x].append(d)
        for x, ds in days_of.items():
            est = self._estimate_from(self.ids[x], sorted(ds))
            if est is not None:
                self.est[self.ids[x]] = est

    def _recluster_nodes(self, nodes: np.ndarray, whole: bool) -> None:
        """Components of `nodes` (pairs >= link threshold, within `nodes`) and their events."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        p = self.params
        link = max(p.link_threshold, p.event_threshold)
        if whole:
            I, J, S = self.graph.arrays()
        else:
            I, J, S = self.graph.among(nodes)
        n = len(self.ids)
        strong = self._event_sims(I, J, S) >= link
        g = coo_matrix((np.ones(int(strong.sum()), np.int8), (I[strong], J[strong])), shape=(n, n))
        del strong
        _, label = connected_components(g, directed=False)
        del g
        label = label.astype(np.int32)
        lab = label[nodes]
        # Pairs inside a component (not a singleton's), grouped by component.
        pl = label[I]
        same = np.flatnonzero(pl == label[J])
        order = same[np.argsort(pl[same], kind="stable")]
        del same
        I, J, S, pl = I[order], J[order], S[order], pl[order]
        del order
        comps, starts = np.unique(pl, return_index=True)
        bounds = dict(zip(comps.tolist(), zip(starts.tolist(), np.append(starts[1:], len(pl)).tolist())))
        by_comp: dict[int, list[str]] = defaultdict(list)
        for x, c in zip(nodes.tolist(), lab.tolist()):
            by_comp[c].append(self.ids[x])
        for c in sorted(by_comp, key=lambda c: min(by_comp[c])):
            members = by_comp[c]
            cid = self._next_comp
            self._next_comp += 1
            self._comp_members[cid] = members
            for a in members:
                self._comp[a] = cid
            if len(members) == 1:
                self._set_parent(members)
                self._set_event(members)
                continue
            lo, hi = bounds.get(c, (0, 0))
            for ev in self._cluster(members, (I[lo:hi], J[lo:hi], S[lo:hi])):
                self._set_event(ev)

    def event_groups(self) -> list[list[str]]:
        """Every event as a sorted list of article ids, sorted by smallest id."""
        return sorted(self._events.values())

    def component_sizes(self) -> list[int]:
        """Sizes of the components (pairs >= link threshold) at the last recluster/update, largest first."""
        return sorted((len(m) for m in self._comp_members.values()), reverse=True)

    # ---- storylines and the result ---------------------------------------------------------
    def _term_number(self, t: str) -> int:
        n = self._term_ids.get(t)
        if n is None:
            n = self._term_ids[t] = len(self._names)
            self._names.append(t)
        return n

    def _member_nodes(self, groups: list[list[str]], ks: np.ndarray) -> np.ndarray:
        """Node numbers of the members of events `ks`."""
        return np.fromiter((self.num[a] for k in ks.tolist() for a in groups[k]), np.int64)

    def _event_pairs(self, groups: list[list[str]], ev_of: np.ndarray, first: np.ndarray, unchanged: np.ndarray,
                     prev: dict[str, Any], row_of: Callable[[int], tuple[np.ndarray, np.ndarray]]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """Event pairs joined by at least one article pair, as (ea, eb) sorted by (ea, eb) with
        ea < eb, their centroid cosines, and a function giving the article pairs inside the events
        of a mask (each pair once), for their evidence.

        Two events the last call also had (the same members) have the same article pairs between
        them, so their pair and cosine are the last call's. When the changed events are a small part
        of the store and the neighbour index is built (after `update()`), only their members' pairs
        are read (`PairGraph.edges_of`): the cost follows what changed, not the millions of pairs.
        Otherwise (a first call, a batch recluster) one chunked pass over every pair. Either way the
        same pairs."""
        n_ev = len(groups)
        changed = np.flatnonzero(~unchanged)
        moved = sum(len(groups[k]) for k in changed.tolist())
        big = np.int64(1 << 31)
        # Only with the neighbour index built (by `update()`): after a batch `recluster()` (the
        # pipeline) building it would cost more time and memory than the one pass it saves.
        if self._res_cache is not None and moved * 4 < len(self.ids) and self.graph.indexed:
            # Pairs of two unchanged events: the last call's (their first members' node numbers).
            k_of_first = np.full(len(self.ids), -1, np.int64)
            k_of_first[first[unchanged]] = np.flatnonzero(unchanged)
            pk = prev["keys"]
            ka, kb = k_of_first[pk // big], k_of_first[pk % big]
            keep = (ka >= 0) & (kb >= 0)
            old_code = np.minimum(ka[keep], kb[keep]) * n_ev + np.maximum(ka[keep], kb[keep])
            old_cos = prev["cos"][keep]
            del ka, kb, keep
            # Pairs with a changed event: from its members' article pairs.
            I, J, _ = self.graph.edges_of(self._member_nodes(groups, changed))
            EI, EJ = ev_of[I], ev_of[J]
            cross = EI != EJ
            new_code = np.unique(np.minimum(EI[cross], EJ[cross]) * n_ev + np.maximum(EI[cross], EJ[cross]))
            del I, J, EI, EJ, cross
            code = np.concatenate([old_code, new_code])
            esim = np.concatenate([old_cos, np.full(len(new_code), np.nan)])
            order = np.argsort(code, kind="stable")
            code, esim = code[order], esim[order]
            ea, eb = code // max(n_ev, 1), code % max(n_ev, 1)
            todo = np.isnan(esim)
            esim[todo] = _row_cosines(row_of, self._names, ea[todo], eb[todo])

            def within(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                I, J, S = self.graph.edges_of(self._member_nodes(groups, np.flatnonzero(mask)))
                inside = (ev_of[I] == ev_of[J]) & (I < J)
                return I[inside], J[inside], S[inside]
            return ea, eb, esim, within
        I, J, S = self.graph.arrays()
        # Event pairs joined by at least one article pair (their centroid cosine below), and the
        # article pairs inside each event (its evidence); in chunks, millions of pairs.
        eps, ins = [], []
        step = 1 << 21
        for k in range(0, len(I), step):
            EI, EJ = ev_of[I[k:k + step]], ev_of[J[k:k + step]]
            cross = EI != EJ
            eps.append(np.unique(np.minimum(EI[cross], EJ[cross]) * n_ev + np.maximum(EI[cross], EJ[cross])))
            ins.append(np.flatnonzero(~cross) + k)
        ep = np.unique(np.concatenate(eps)) if eps else np.zeros(0, np.int64)
        inside_at = np.concatenate(ins) if ins else np.zeros(0, np.int64)
        del eps, ins
        ea, eb = ep // max(n_ev, 1), ep % max(n_ev, 1)
        fa, fb = first[ea], first[eb]
        pkey = np.minimum(fa, fb) * big + np.maximum(fa, fb)
        esim = np.empty(len(ea))
        reuse = unchanged[ea] & unchanged[eb]
        if reuse.any():
            at = np.searchsorted(prev["keys"], pkey[reuse])
            at = np.minimum(at, max(len(prev["keys"]) - 1, 0))
            ok = len(prev["keys"]) > 0 and bool((prev["keys"][at] == pkey[reuse]).all())
            if ok:
                esim[reuse] = prev["cos"][at]
            else:  # not found (should not happen): compute them all
                reuse[:] = False
        todo = ~reuse
        esim[todo] = _row_cosines(row_of, self._names, ea[todo], eb[todo])

        def within_all(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            at = inside_at[mask[ev_of[I[inside_at]]]] if len(inside_at) else inside_at
            return I[at], J[at], S[at]
        return ea, eb, esim, within_all

    def result(self) -> StoryResult:
        groups = self.event_groups()
        p = self.params
        n_ev = len(groups)
        ev_ids = [_hid("ev-", g[0]) for g in groups]
        ev_of = np.zeros(len(self.ids), np.int64)
        for k, g in enumerate(groups):
            for a in g:
                ev_of[self.num[a]] = k
        # What the last result() computed is reused where its inputs are unchanged: an event with
        # the same members keeps its evidence, two such events keep their centroid cosine, a
        # storyline of the same events keeps its evidence. After `update()` that is all but the
        # events the new articles touched, so the cost follows them (see `_event_pairs`); Python
        # passes over every event and the storylines of touched components still grow with the store.
        prev = self._res_cache or {"events": {}, "keys": np.zeros(0, np.int64), "cos": np.zeros(0),
                                   "why": {}, "story_why": {}}
        sig = [tuple(g) for g in groups]
        unchanged = np.array([prev["events"].get(g[0]) == sg for g, sg in zip(groups, sig)], bool)
        first = np.array([self.num[g[0]] for g in groups], np.int64)
        # Centroids as sparse rows (term numbers, weights), kept per member list between calls:
        # an unchanged event's centroid is not summed again, and rows are compact arrays, not dicts.
        rows_prev = prev.get("cent", {})
        rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def row_of(k: int) -> tuple[np.ndarray, np.ndarray]:
            r = rows.get(k)
            if r is None:
                r = rows_prev.get(sig[k])
                if r is None:
                    c = _centroid([self.vec[a] for a in groups[k]])
                    r = (np.fromiter((self._term_number(t) for t in c), np.int32, len(c)),
                         np.fromiter(c.values(), np.float64, len(c)))
                rows[k] = r
            return r

        def centroid_of(k: int) -> dict[str, float]:
            tids, vals = row_of(k)
            names = self._names
            return dict(zip([names[t] for t in tids.tolist()], vals.tolist()))

        ea, eb, esim, within_pairs = self._event_pairs(groups, ev_of, first, unchanged, prev, row_of)
        big = np.int64(1 << 31)
        fa, fb = first[ea], first[eb]
        pkey = np.minimum(fa, fb) * big + np.maximum(fa, fb)
        order = np.argsort(pkey)
        new_cache = {"events": {g[0]: sg for g, sg in zip(groups, sig)}, "keys": pkey[order], "cos": esim[order],
                     "why": {}, "story_why": {}}
        del order, pkey, fa, fb
        # Storylines: average link over events; it never joins across components of the pairs
        # >= story_threshold, so it runs per component (the same merges, far fewer pairs held).
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        strong = esim >= p.story_threshold
        g = coo_matrix((np.ones(int(strong.sum())), (ea[strong], eb[strong])), shape=(n_ev, n_ev))
        _, lab = connected_components(g, directed=False)
        same = lab[ea] == lab[eb]
        ea, eb, esim = ea[same], eb[same], esim[same]
        comp_nodes: dict[int, list[int]] = defaultdict(list)
        for k in range(n_ev):
            comp_nodes[int(lab[k])].append(k)
        # A component of unchanged events (the same events, so the same pairs) keeps its
        # storylines: only components an update touched run average link again.
        story_groups: list[list[int]] = []
        key_of = {groups[k][0]: k for k in range(n_ev)}
        redo: dict[int, tuple[str, ...]] = {}
        new_cache["story_comp"] = {}
        for c, ks in comp_nodes.items():
            if len(ks) == 1:
                story_groups.append(ks)
                continue
            ckey = tuple(sorted(groups[k][0] for k in ks))
            kept = prev.get("story_comp", {}).get(ckey)
            if kept is not None and all(unchanged[k] for k in ks):
                story_groups += [[key_of[e] for e in cl] for cl in kept]
                new_cache["story_comp"][ckey] = kept
            else:
                redo[c] = ckey
        # Pairs of the components to redo, grouped by component (arrays: average link takes them
        # in any order, see `linkage.average_link_arrays`).
        todo_pairs = np.flatnonzero(np.isin(lab[ea], np.array(sorted(redo), np.int64)))
        todo_pairs = todo_pairs[np.argsort(lab[ea[todo_pairs]], kind="stable")]
        tl = lab[ea[todo_pairs]]
        loc = np.full(n_ev, -1, np.int64)
        for c, ckey in redo.items():
            ks = sorted(comp_nodes[c], key=lambda k: ev_ids[k])  # event ids sorted: the tie-break order
            loc[ks] = np.arange(len(ks))
            at = todo_pairs[np.searchsorted(tl, c, "left"):np.searchsorted(tl, c, "right")]
            found = [[ks[r] for r in cl] for cl in average_link_arrays(len(ks), loc[ea[at]], loc[eb[at]], esim[at],
                                                                        p.story_threshold)]
            story_groups += found
            new_cache["story_comp"][ckey] = [[groups[k][0] for k in cl] for cl in found]
        sid_of: dict[int, str] = {}
        storylines = []
        story_of_ev: dict[int, int] = {}
        for sg in story_groups:
            sg = sorted(sg, key=lambda e: (self._first_day(groups[e]), groups[e][0]))
            sid = _hid("st-", min(groups[e][0] for e in sg))
            for e in sg:
                sid_of[e] = sid
                story_of_ev[e] = len(storylines)
            storylines.append((sid, sg))
        # Links inside storylines, for the evidence of those not kept from the last call only.
        skeys = [tuple(sig[e] for e in sg) for _, sg in storylines]
        miss = np.array([skeys[k] not in prev["story_why"] for k in range(len(storylines))], bool)
        st = np.zeros(n_ev, np.int64)
        for e, k in story_of_ev.items():
            st[e] = k
        sel = (st[ea] == st[eb]) & miss[st[ea]] if len(storylines) else np.zeros(len(ea), bool)
        links: dict[int, list[tuple[float, str, str]]] = defaultdict(list)
        for x, y, s in zip(ea[sel].tolist(), eb[sel].tolist(), esim[sel].tolist()):
            a, b = sorted((ev_ids[x], ev_ids[y]))
            links[story_of_ev[x]].append((s, a, b))
        out_lines = []
        for k, (sid, sg) in enumerate(storylines):
            skey = skeys[k]
            why = prev["story_why"].get(skey)
            if why is None:
                why = storyline_why([ev_ids[e] for e in sg], {ev_ids[e]: centroid_of(e) for e in sg},
                                    links.get(k, []))
            if len(sg) > 1:
                new_cache["story_why"][skey] = why
            out_lines.append(Storyline(id=sid, event_ids=[ev_ids[e] for e in sg], title="", why=why))
        # Pairs inside each event, for its evidence.
        within: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
        wkeys = [(sig[k], tuple(self.est.get(a) for a in g if self.day[a] is None)) for k, g in enumerate(groups)]
        ev_miss = np.array([wk not in prev["why"] for wk in wkeys], bool)
        II, JJ, SS = within_pairs(ev_miss)  # evidence only where not kept
        if len(II):
            EE = self._event_sims(II, JJ, SS)
            for x, y, es in zip(II.tolist(), JJ.tolist(), EE.tolist()):
                within[int(ev_of[x])].append((self.ids[x], self.ids[y], es))
        story_first = {}
        for sid, sg in storylines:
            days = [d for e in sg for a in groups[e] if (d := self.day[a]) is not None]
            story_first[sid] = min(days) if days else None
        events = []
        inferred: dict[str, str] = {}
        for k, g in enumerate(groups):
            wkey = wkeys[k]
            hit = prev["why"].get(wkey)
            title, why = hit if hit is not None else event_why(g, self.vec, within.get(k, []), self.title, self.reason)
            new_cache["why"][wkey] = (title, why)
            eid = ev_ids[k]
            events.append(Event(id=eid, storyline_id=sid_of[k], article_ids=g, title=title, why=why))
            days = sorted(self.day[a] for a in g if self.day[a] is not None)
            for a in g:
                if self.day[a] is None:
                    d = self._inferred_day(a, days, story_first[sid_of[k]])
                    if d is not None:
                        inferred[a] = date.fromordinal(d).isoformat()
        ev_by_id = {e.id: e for e in events}
        for s in out_lines:
            # The storyline takes the title of its largest event (earliest on ties).
            big = max(s.event_ids, key=lambda e: (len(ev_by_id[e].article_ids), -s.event_ids.index(e)))
            s.title = ev_by_id[big].title
        events.sort(key=lambda e: e.id)
        out_lines.sort(key=lambda s: s.id)
        # Centroid rows of every present event this call or the last one made (still valid: same members).
        new_cache["cent"] = {sig[k]: r for k in range(n_ev)
                             if (r := rows.get(k) or rows_prev.get(sig[k])) is not None}
        self._res_cache = new_cache
        return StoryResult(events=events, storylines=out_lines, inferred_dates=inferred)

    def _inferred_day(self, aid: str, event_days: list[int], story_first: int | None) -> int | None:
        """Date of an undated article: its event's median date (else its own estimate, else its
        storyline's first date), never before the latest month its text names, read forward
        from the storyline's earliest dated article."""
        if event_days:
            base = event_days[(len(event_days) - 1) // 2]
        else:
            base = self.est.get(aid, story_first)
        if base is None:
            return None
        m = self.mentions.get(aid)
        if m:
            fl = floor_date(m, date.fromordinal(story_first if story_first is not None else base))
            if fl is not None:
                base = max(base, fl[0].toordinal())
        return base

    def _first_day(self, ids: list[str]) -> int:
        days = [d for a in ids if (d := self.day[a] if self.day[a] is not None else self.est.get(a)) is not None]
        return min(days) if days else 10 ** 9

    def result_memo(self) -> tuple[dict[str, Any], list[tuple[np.ndarray, str]]] | None:
        """What the last `result()` kept for the next call (events' evidence and titles, event
        pairs' centroid cosines, storylines' evidence and groupings), keyed by article ids instead
        of this index's node numbers, for `memo.pack`: a later run over a grown store gives it to
        `use_result_memo` and recomputes only what the new articles touched. None before `result()`."""
        c = self._res_cache
        if c is None:
            return None
        firsts = list(c["events"])
        k_of = np.full(len(self.ids), -1, np.int64)
        k_of[[self.num[f] for f in firsts]] = np.arange(len(firsts))
        big = np.int64(1 << 31)
        a, b = k_of[c["keys"] // big], k_of[c["keys"] % big]
        head = {"events": [list(c["events"][f]) for f in firsts],
                "why": [[list(sig), list(est), t, w] for (sig, est), (t, w) in c["why"].items()],
                "story_why": [[[list(g) for g in k], w] for k, w in c["story_why"].items()],
                "story_comp": [[list(k), v] for k, v in c.get("story_comp", {}).items()]}
        return head, [(a, "i4"), (b, "i4"), (c["cos"], "f8")]

    def use_result_memo(self, head: dict[str, Any], arrays: list[np.ndarray], keep: Callable[[str], bool]) -> None:
        """Seed `result()` with an earlier run's `result_memo`, forgetting every entry that holds an
        article here absent or for which `keep(id)` is false (its features may have changed). Exact:
        an entry is only reused for the very same members, and what it holds is a function of them
        (result() checks membership itself; the centroid cosine of two events depends on theirs)."""
        ok = [all(a in self.num and keep(a) for a in m) for m in head["events"]]
        events = {m[0]: tuple(m) for m, good in zip(head["events"], ok) if good}
        fnum = np.array([self.num[m[0]] if good else -1 for m, good in zip(head["events"], ok)], np.int64)
        A, B, cos = arrays
        fa, fb = fnum[A], fnum[B]
        sel = (fa >= 0) & (fb >= 0)
        big = np.int64(1 << 31)
        keys = np.minimum(fa[sel], fb[sel]) * big + np.maximum(fa[sel], fb[sel])
        order = np.argsort(keys)
        members_ok = set(events.values())
        self._res_cache = {
            "events": events, "keys": keys[order], "cos": cos[sel][order],
            "why": {(tuple(sig), tuple(est)): (t, w) for sig, est, t, w in head["why"] if tuple(sig) in members_ok},
            "story_why": {tuple(tuple(g) for g in k): w for k, w in head["story_why"]
                          if all(tuple(g) in members_ok for g in k)},
            "story_comp": {tuple(k): v for k, v in head["story_comp"] if all(e in events for e in k)}}

    def pair_graph(self) -> KnownPairs:
        """Every candidate pair as article ids and cosines: `add_states(known=)` of a later run."""
        I, J, S = self.graph.arrays()
        return KnownPairs(list(self.ids), I, J, S)

    # ---- state -----------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable state (vectors, dates, titles, events); `from_state` restores it."""
        return {"version": STATE_VERSION, "params": asdict(self.params),
                "articles": {a: {"v": self.vec[a], "d": self.day[a], "t": self.title[a],
                                 "r": self.reason.get(a, ""), "m": self.mentions.get(a, [])}
                             for a in sorted(self.vec)},
                "est": {a: d for a, d in sorted(self.est.items())},
                "events": self.event_groups()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "EventIndex":
        # Version 1 (no time mentions, no estimated days) reads as version 2 without them.
        if state.get("version") not in (1, STATE_VERSION):
            raise ValueError(f"event index state version {state.get('version')!r} is not {STATE_VERSION}")
        known = {f.name for f in fields(Params)}
        idx = cls(Params(**{k: v for k, v in state["params"].items() if k in known}))
        idx.add_states(state["articles"])
        idx.est.update(state.get("est", {}))
        idx._days = None
        if state["events"]:
            idx._events.clear()
            idx._event_of.clear()
            for ev in state["events"]:
                idx._set_event(ev)
            for a in idx.ids:
                if a not in idx._event_of:
                    idx._set_event([a])
        # Events restored, components not: the next `update()` runs a full `recluster()`.
        idx._dirty_all = True
        return idx


def article_state(a: Article, params: Params | None = None) -> dict[str, Any]:
    """Everything event clustering needs of one article (a pure function of it: the store caches
    it per article): vector, day ordinal, title, reason it is kept apart, months it names."""
    p = params or Params()
    v = features.vectorize(a)
    d = published_date(a.published)
    reason = _reason(a, v, p)
    mentions = time_mentions(a.text) if d is None and not reason and a.text else []
    return {"v": v, "d": d.toordinal() if d else None, "t": _title(a), "r": reason, "m": mentions}


def _row_cosines(row_of: Callable[[int], tuple[np.ndarray, np.ndarray]], names: list[str],
                 ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    """Cosine of centroid pairs (ea[k], eb[k]): sparse rows multiplied in chunks, summed in
    sorted term order (as `pairs.cosine`): columns are the terms' alphabetical ranks."""
    if not len(ea):
        return np.zeros(0)
    import scipy.sparse as sp
    need = np.unique(np.concatenate([ea, eb]))
    got = [row_of(k) for k in need.tolist()]
    lens = np.fromiter((len(t) for t, _ in got), np.int64, len(got))
    T = np.concatenate([t for t, _ in got]) if got else np.zeros(0, np.int32)
    V = np.concatenate([v for _, v in got]) if got else np.zeros(0)
    del got
    terms, inv = np.unique(T, return_inverse=True)
    tl = terms.tolist()
    rank = np.empty(len(terms), np.int64)
    rank[sorted(range(len(tl)), key=lambda x: names[tl[x]])] = np.arange(len(terms))
    cols = rank[inv.ravel()]
    o = np.lexsort((cols, np.repeat(np.arange(len(need)), lens)))
    indptr = np.zeros(len(need) + 1, np.int64)
    np.cumsum(lens, out=indptr[1:])
    C = sp.csr_matrix((V[o], cols[o], indptr), shape=(len(need), len(terms)))
    del T, V, inv, cols, o
    row_at = np.full(int(need.max()) + 1, -1, np.int64)
    row_at[need] = np.arange(len(need))
    out = np.empty(len(ea))
    # Chunks bounded by the entries they copy, not only by rows: the centroid of a big event holds
    # thousands of terms, and 10,000 such rows at once were the stories stage's peak (+1 GB at 37k).
    cum = np.cumsum(lens[row_at[ea]] + lens[row_at[eb]])
    cuts = np.concatenate([np.searchsorted(cum, np.arange(1, int(cum[-1] // _COSINE_CHUNK) + 1) * _COSINE_CHUNK),
                           np.arange(10_000, len(ea), 10_000)])
    bounds = np.unique(np.concatenate([[0], cuts, [len(ea)]]))
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        A = C[row_at[ea[s:e]]]
        B = C[row_at[eb[s:e]]]
        out[s:e] = np.asarray(A.multiply(B).sum(axis=1)).ravel()
    return out


_COSINE_CHUNK = 2_000_000  # centroid entries copied per chunk of `_row_cosines` (~50 MB with the product)


def _centroid(vs: list[dict[str, float]]) -> dict[str, float]:
    c: dict[str, float] = defaultdict(float)
    for v in vs:
        for t, x in v.items():
            c[t] += x
    n = math.sqrt(sum(x * x for x in c.values()))
    return {t: x / n for t, x in c.items()} if n else {}


def _title(a: Article) -> str:
    if a.title and a.title.strip():
        return " ".join(a.title.split())
    for line in (a.text or "").splitlines():
        line = line.strip().strip('"\u201c\u201d')
        if line:
            return line[:200]
    return ""


def _reason(a: Article, v: dict[str, float], p: Params) -> str:
    """Why an article is kept out of clustering ('' when it is clustered)."""
    if not v:
        return "no content words"
    # A full vector (TOP_K terms) means enough words; only short texts are counted.
    n = p.min_words if len(v) >= features.TOP_K else sum(1 for t in v if not t.startswith(("n:", "#")))
    if n < p.min_words:
        return f"too short to place ({n} distinct content words < {p.min_words})"
    return ""


def cluster(articles: Iterable[Article], params: Params | None = None) -> StoryResult:
    """Batch clustering: events and storylines of `articles` (any order gives the same result)."""
    idx = EventIndex(params)
    idx.add(sorted(articles, key=lambda a: a.id), place=False)
    idx.recluster()
    return idx.result()
