"""EventIndex: placement of articles into events and storylines, batch or as they arrive.

Why batch results do not depend on input order:
- an article's vector depends on the article alone (fixed background idf, see features.py);
- two articles are compared iff they share at least `min_shared_keys` of their key terms (their
  strongest words and names) and, when both are dated, lie at most `window_days` apart: a
  symmetric rule of the pair, so the same pairs are compared whatever came first;
- events are average-link clusters over those pair similarities (time-discounted), run per
  connected component of the pairs >= `link_threshold`, nodes in sorted order, ties broken on the
  smallest article id. Average link at threshold t never joins two components of the graph of
  pairs >= t, so this is plain average link whenever link_threshold <= event_threshold.

Undated articles: placed by their content; an article with dated neighbours gets an estimated day
(`_estimate`: their median date, or later when its text names later months, see mentions.py) that
counts in the time discount, so a follow-up saying "in early January" parts from November reports.
`StoryResult.inferred_dates` gives each undated article such a date (never before the months it names).

Incremental placement (`add`): the new article's pairs are found through the inverted index (month
buckets near its date); it joins the event with the best mean similarity, and that event is
re-clustered on its own when it reaches a checkpoint size (see `_place`). That keeps the cost per
article flat as the store grows; news components chain into thousands of articles, so
re-clustering a whole component per article would not. The price: a placement can differ from the
batch partition of the same set (measured in bench/results/events.md); `recluster()` recomputes
the batch partition exactly.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Iterable

from ..dates import published_date
from ..model import Article
from . import features
from .linkage import average_link, cosine, split_lookalikes
from .mentions import floor_date, time_mentions
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

BUCKET_DAYS = 30
# Event sizes at which incremental placement re-clusters the event it grew (see `_place`).
_RECHECK = frozenset(int(4 * 1.5 ** k) for k in range(20))


def _hid(prefix: str, key: str) -> str:
    return prefix + hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


class EventIndex:
    """Articles placed into events (same happening) and storylines (follow-ups), incrementally."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or Params()
        self.vec: dict[str, dict[str, float]] = {}
        self.day: dict[str, int | None] = {}
        self.title: dict[str, str] = {}
        self.reason: dict[str, str] = {}
        self.keys: dict[str, list[str]] = {}
        self.mentions: dict[str, list[str]] = {}  # undated articles: the months/dates they name
        self.est: dict[str, int] = {}             # undated articles: estimated day (see _estimate)
        self.post: dict[str, dict[int | None, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.adj: dict[str, dict[str, float]] = {}
        self._event_of: dict[str, str] = {}       # article -> event key (its smallest member)
        self._events: dict[str, list[str]] = {}   # event key -> sorted members

    # ---- similarity ------------------------------------------------------------------------
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

    def _estimate(self, aid: str) -> int | None:
        """Estimated day of an undated article: placed by its content, bounded by its text.

        Its dated neighbours at least `event_threshold` similar give the base (their lower median)
        and the anchor (the earliest) around which the months it names are read; the estimate is
        the base, or the latest named month if that is later (a follow-up that says "in early
        January" was not written in November). A function of the article's pairs only, so batch
        results keep independent of input order.
        """
        p = self.params
        days = sorted(self.day[b] for b, s in self.adj[aid].items()
                      if s >= p.event_threshold and self.day[b] is not None)
        if not days:
            return None
        base = days[(len(days) - 1) // 2]
        m = self.mentions.get(aid)
        if m:
            fl = floor_date(m, date.fromordinal(days[0]))
            if fl is not None:
                base = max(base, fl[0].toordinal())
        return base

    def event_sim(self, a: str, b: str, raw: float) -> float:
        """Pair similarity for events: cosine less a penalty growing with the log of the date gap."""
        g = self.gap_days(a, b)
        p = self.params
        if g is None or g <= p.time_free_days:
            return raw
        return raw - min(p.time_max_penalty, p.time_scale * math.log2(g / p.time_free_days))

    def _buckets(self, day: int | None) -> list[int | None] | None:
        if day is None:
            return None  # undated: every bucket
        b = day // BUCKET_DAYS
        r = self.params.window_days // BUCKET_DAYS + 1
        return [None] + list(range(b - r, b + r + 1))

    def _candidates(self, aid: str) -> list[str]:
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
        need, far_need = p.min_shared_keys, p.far_min_shared_keys
        d = self.day[aid]
        if d is None or far_need <= need:
            return [c for c, n in hits.items() if n >= need and c != aid]
        # Pairs months apart only count when very similar (the time discount): ask for more
        # shared key terms before computing their cosine.
        day = self.day
        return [c for c, n in hits.items()
                if c != aid and (n >= far_need or (n >= need and (day[c] is None or abs(day[c] - d) <= p.near_days)))]

    # ---- adding ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.vec)

    def __contains__(self, aid: str) -> bool:
        return aid in self.vec

    def add(self, articles: Iterable[Article], place: bool = True) -> list[str]:
        """Add articles (ids already present are skipped) and place each in an event at once.

        place=False only records them (batch use: call `recluster()` afterwards).
        Returns the ids added.
        """
        added = []
        for a in articles:
            if a.id in self.vec:
                continue
            v = features.vectorize(a)
            d = published_date(a.published)
            reason = _reason(a, v, self.params)
            mentions = time_mentions(a.text) if d is None and not reason and a.text else []
            self._insert(a.id, v, d.toordinal() if d else None, _title(a), reason, mentions)
            if place:
                if d is None:
                    est = self._estimate(a.id)
                    if est is not None:
                        self.est[a.id] = est
                self._place(a.id)
            else:
                self._set_event([a.id])
            added.append(a.id)
        return added

    def _insert(self, aid: str, v: dict[str, float], day: int | None, title: str, reason: str,
                mentions: list[str] | None = None) -> None:
        p = self.params
        self.vec[aid] = v
        if mentions:
            self.mentions[aid] = list(mentions)
        self.day[aid] = day
        self.title[aid] = title
        if reason:
            self.reason[aid] = reason
        self.adj[aid] = {}
        if reason:  # too short to judge: kept apart, never a candidate
            self.keys[aid] = []
            return
        keys = [t for t, _ in sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) if not t.startswith("#")]
        self.keys[aid] = keys[: p.key_terms]
        for c in self._candidates(aid):
            g = self._published_gap(aid, c)
            if g is not None and g > p.window_days:
                continue
            s = cosine(v, self.vec[c])
            if s < p.edge_floor:
                continue
            self.adj[aid][c] = s
            self.adj[c][aid] = s
        bucket = None if day is None else day // BUCKET_DAYS
        for t in self.keys[aid]:
            self.post[t][bucket].append(aid)

    def _set_event(self, members: list[str]) -> None:
        members = sorted(members)

        self._events[members[0]] = members
        for m in members:
            self._event_of[m] = members[0]

    def _cluster(self, members: list[str]) -> list[list[str]]:
        """Average link (time-discounted pair similarities) then the look-alike split."""
        members = sorted(members)
        if len(members) == 1:
            return [members]
        mset = set(members)
        sims = {}
        for a in members:
            for b, s in self.adj[a].items():
                if a < b and b in mset:
                    sims[(a, b)] = self.event_sim(a, b, s)
        out = []
        for cl in average_link(members, sims, self.params.event_threshold):
            out.extend(split_lookalikes(cl, self.vec, self.params.split_ratio, self.params.split_max_cross,
                                        min_half=self.params.split_min_half))
        return sorted(out)

    def _place(self, aid: str) -> None:
        """Join the event whose mean similarity to the new article is highest (>= threshold).

        The same rule average link uses to merge, applied once: cost is one pass over the new
        article's pairs, whatever the size of the store. When the joined event reaches one of the
        sizes in `_RECHECK` (4, 6, 9, 13, ...: each about 1.5 times the last) it is clustered
        again on its own (average link, then the look-alike split), as batch would: two
        look-alike events that grew together part there. Checks at growing sizes keep the cost
        per article flat. Merges that only hindsight shows are left to `recluster()`.
        """
        sums: dict[str, float] = defaultdict(float)
        for b, s in self.adj[aid].items():
            sums[self._event_of[b]] += self.event_sim(aid, b, s)
        best, best_avg = None, self.params.event_threshold
        for k in sorted(sums):
            avg = sums[k] / len(self._events[k])
            if avg >= best_avg and (best is None or avg > best_avg):
                best, best_avg = k, avg
        if best is None:
            self._set_event([aid])
            return
        members = self._events.pop(best) + [aid]
        if len(members) in _RECHECK:
            for part in self._cluster(members):
                self._set_event(part)
        else:
            self._set_event(members)

    def recluster(self) -> None:
        """Recompute every event from scratch: the batch partition, independent of input order."""
        p = self.params
        link = max(p.link_threshold, p.event_threshold)
        self.est.clear()
        for a in sorted(self.vec):
            if self.day[a] is None and not self.reason.get(a):
                est = self._estimate(a)
                if est is not None:
                    self.est[a] = est
        self._events.clear()
        self._event_of.clear()
        seen: set[str] = set()
        for start in sorted(self.vec):
            if start in seen:
                continue
            comp, stack = [], [start]
            seen.add(start)
            while stack:
                x = stack.pop()
                comp.append(x)
                for y, s in self.adj[x].items():
                    if y not in seen and self.event_sim(x, y, s) >= link:
                        seen.add(y)
                        stack.append(y)
            for ev in self._cluster(comp):
                self._set_event(ev)

    def event_groups(self) -> list[list[str]]:
        """Every event as a sorted list of article ids, sorted by smallest id."""
        return sorted(self._events.values())

    # ---- storylines and the result ---------------------------------------------------------
    def result(self) -> StoryResult:
        groups = self.event_groups()
        p = self.params
        eid_of: dict[str, str] = {}
        ev_ids = []
        for g in groups:
            eid = _hid("ev-", g[0])
            ev_ids.append(eid)
            for a in g:
                eid_of[a] = eid
        centroid = {eid: _centroid([self.vec[a] for a in g]) for eid, g in zip(ev_ids, groups)}
        pair_sims: dict[tuple[str, str], float] = {}
        for a, nb in self.adj.items():
            ea = eid_of[a]
            for b in nb:
                eb = eid_of[b]
                if ea < eb and (ea, eb) not in pair_sims:
                    pair_sims[(ea, eb)] = cosine(centroid[ea], centroid[eb])
        story_groups = average_link(ev_ids, pair_sims, p.story_threshold)
        sid_of = {}
        members_of = dict(zip(ev_ids, groups))
        storylines = []
        for sg in story_groups:
            sg = sorted(sg, key=lambda e: (self._first_day(members_of[e]), members_of[e][0]))
            sid = _hid("st-", min(members_of[e][0] for e in sg))
            for e in sg:
                sid_of[e] = sid
            storylines.append(Storyline(id=sid, event_ids=sg, title="",
                                        why=storyline_why(sg, centroid, pair_sims)))
        events = []
        story_first = {}
        for s in storylines:
            days = [d for e in s.event_ids for a in members_of[e] if (d := self.day[a]) is not None]
            story_first[s.id] = min(days) if days else None
        inferred: dict[str, str] = {}
        for eid, g in zip(ev_ids, groups):
            title, why = event_why(g, self.vec, self.adj, self.title, self.reason, self.event_sim)
            events.append(Event(id=eid, storyline_id=sid_of[eid], article_ids=g, title=title, why=why))
            days = sorted(self.day[a] for a in g if self.day[a] is not None)
            for a in g:
                if self.day[a] is None:
                    d = self._inferred_day(a, days, story_first[sid_of[eid]])
                    if d is not None:
                        inferred[a] = date.fromordinal(d).isoformat()
        ev_by_id = {e.id: e for e in events}
        for s in storylines:
            # The storyline takes the title of its largest event (earliest on ties).
            big = max(s.event_ids, key=lambda e: (len(ev_by_id[e].article_ids), -s.event_ids.index(e)))
            s.title = ev_by_id[big].title
        events.sort(key=lambda e: e.id)
        storylines.sort(key=lambda s: s.id)
        return StoryResult(events=events, storylines=storylines, inferred_dates=inferred)

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
        for aid, s in state["articles"].items():
            idx._insert(aid, s["v"], s["d"], s["t"], s["r"], s.get("m"))
        idx.est.update(state.get("est", {}))
        for ev in state["events"]:
            idx._set_event(ev)
        return idx


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
