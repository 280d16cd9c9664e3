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

Incremental placement (`add`): the new article's pairs are found through the inverted index (month
buckets near its date), then only the region it touches (itself and the events of its strong
neighbours) is re-clustered. That keeps the cost per article flat as the store grows; news
components chain into thousands of articles, so re-clustering a whole component per article would
not. The price: a placement can differ from the batch partition of the same set (measured in
bench/results/events.md); `recluster()` recomputes the batch partition exactly.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, asdict
from typing import Any, Iterable

from ..dates import published_date
from ..model import Article
from . import features
from .linkage import average_link, cosine, split_lookalikes
from .result import Event, Storyline, StoryResult, event_why, storyline_why

STATE_VERSION = 1


@dataclass(frozen=True)
class Params:
    """One configuration for every corpus (tuned on giveme5w1h, ecbplus and basil together)."""
    event_threshold: float = 0.15    # mean pair similarity for articles to share an event
    link_threshold: float = 0.15     # batch: average link runs per component of pairs at least this similar
    time_free_days: int = 14         # dates this close cost nothing
    time_scale: float = 0.05         # then each doubling of the gap costs this much similarity
    window_days: int = 120           # dated pairs further apart are never compared
    edge_floor: float = 0.05         # weaker pair similarities are not kept (count as 0)
    key_terms: int = 20              # terms per article in the candidate index
    min_shared_keys: int = 2         # key terms two articles must share to be compared
    split_ratio: float = 3.0         # look-alike split: halves this much more cohesive than across
    split_max_cross: float = 0.2     # ... and at most this similar across
    story_threshold: float = 0.25    # event-centroid similarity for events to share a storyline
    min_words: int = 20              # fewer content words: a singleton with a stated reason


BUCKET_DAYS = 30


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
        self.post: dict[str, dict[int | None, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.adj: dict[str, dict[str, float]] = {}
        self._event_of: dict[str, str] = {}       # article -> event key (its smallest member)
        self._events: dict[str, list[str]] = {}   # event key -> sorted members

    # ---- similarity ------------------------------------------------------------------------
    def gap_days(self, a: str, b: str) -> int | None:
        da, db = self.day[a], self.day[b]
        return None if da is None or db is None else abs(da - db)

    def event_sim(self, a: str, b: str, raw: float) -> float:
        """Pair similarity for events: cosine less a penalty growing with the log of the date gap."""
        g = self.gap_days(a, b)
        p = self.params
        if g is None or g <= p.time_free_days:
            return raw
        return raw - p.time_scale * math.log2(g / p.time_free_days)

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
        need = self.params.min_shared_keys
        return [c for c, n in hits.items() if n >= need and c != aid]

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
            self._insert(a.id, v, d.toordinal() if d else None, _title(a), _reason(a, v, self.params))
            if place:
                self._place(a.id)
            else:
                self._set_event([a.id])
            added.append(a.id)
        return added

    def _insert(self, aid: str, v: dict[str, float], day: int | None, title: str, reason: str) -> None:
        p = self.params
        self.vec[aid] = v
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
            g = self.gap_days(aid, c)
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
            out.extend(split_lookalikes(cl, self.vec, self.params.split_ratio, self.params.split_max_cross))
        return sorted(out)

    def _place(self, aid: str) -> None:
        """Join the event whose mean similarity to the new article is highest (>= threshold).

        The same rule average link uses to merge, applied once: cost is one pass over the new
        article's pairs, whatever the size of the store. Splits and merges that only hindsight
        shows are left to `recluster()`.
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
        else:
            self._set_event(self._events.pop(best) + [aid])

    def recluster(self) -> None:
        """Recompute every event from scratch: the batch partition, independent of input order."""
        p = self.params
        link = max(p.link_threshold, p.event_threshold)
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
        inferred: dict[str, str] = {}
        for eid, g in zip(ev_ids, groups):
            title, why = event_why(g, self.vec, self.adj, self.title, self.reason, self.event_sim)
            events.append(Event(id=eid, storyline_id=sid_of[eid], article_ids=g, title=title, why=why))
            days = sorted(self.day[a] for a in g if self.day[a] is not None)
            if days:
                mid = days[(len(days) - 1) // 2]
                from datetime import date
                for a in g:
                    if self.day[a] is None:
                        inferred[a] = date.fromordinal(mid).isoformat()
        ev_by_id = {e.id: e for e in events}
        for s in storylines:
            # The storyline takes the title of its largest event (earliest on ties).
            big = max(s.event_ids, key=lambda e: (len(ev_by_id[e].article_ids), -s.event_ids.index(e)))
            s.title = ev_by_id[big].title
        events.sort(key=lambda e: e.id)
        storylines.sort(key=lambda s: s.id)
        return StoryResult(events=events, storylines=storylines, inferred_dates=inferred)

    def _first_day(self, ids: list[str]) -> int:
        days = [self.day[a] for a in ids if self.day[a] is not None]
        return min(days) if days else 10 ** 9

    # ---- state -----------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable state (vectors, dates, titles, events); `from_state` restores it."""
        return {"version": STATE_VERSION, "params": asdict(self.params),
                "articles": {a: {"v": self.vec[a], "d": self.day[a], "t": self.title[a],
                                 "r": self.reason.get(a, "")} for a in sorted(self.vec)},
                "events": self.event_groups()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "EventIndex":
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"event index state version {state.get('version')!r} is not {STATE_VERSION}")
        idx = cls(Params(**state["params"]))
        for aid, s in state["articles"].items():
            idx._insert(aid, s["v"], s["d"], s["t"], s["r"])
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
