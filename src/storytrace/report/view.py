"""A tolerant reading of an analysis dict (the analysis.json contract) for display.

Stages land at different times, so any key may be missing or empty; this module turns what is
there into lookups and labels, and never invents what is not there (an article without a title
is "Untitled article", never a guessed headline).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from .safe import clip, safe_url

REUSE_KINDS = ("copy", "excerpt", "rewrite", "partial", "cites")


def _list(analysis: dict, key: str) -> list[dict]:
    v = analysis.get(key) if isinstance(analysis, dict) else None
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def parse_time(value: object) -> datetime | None:
    """A datetime for an ISO-ish string ("2022", "2022-11", "2022-11-19", with time); else None.

    Time zones are dropped for placement on a timeline: day precision is what the drawing shows.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    s = value.strip()
    try:
        if len(s) == 4 and s.isdigit():
            return datetime(int(s), 1, 1)
        if len(s) == 7 and s[4] == "-":
            return datetime(int(s[:4]), int(s[5:7]), 1)
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return dt.replace(tzinfo=None)
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(s[:10]), datetime.min.time())
        except ValueError:
            return None


def span_of(v: object) -> tuple[int, int] | None:
    """A valid [start, end) pair or None (malformed spans from a stage are skipped, not fatal)."""
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) for x in v):
        s, e = int(v[0]), int(v[1])
        if 0 <= s < e:
            return s, e
    return None


@dataclass
class View:
    analysis: dict
    articles: list[dict] = field(default_factory=list)
    by_id: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    storylines: list[dict] = field(default_factory=list)
    derivations: list[dict] = field(default_factory=list)
    attributions: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    claims_by_id: dict[str, dict] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    timeline: list[dict] = field(default_factory=list)
    novelty: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # article id -> citation number [n]
    position: dict[str, int] = field(default_factory=dict)  # article id -> index in the articles list

    # ---- labels -------------------------------------------------------------------------
    def article_title(self, aid: str) -> str:
        a = self.by_id.get(aid) or {}
        t = a.get("title")
        return clip(t, 140) if isinstance(t, str) and t.strip() else f"Untitled article ({str(aid)[:8]})"

    def article_outlet(self, aid: str) -> str:
        a = self.by_id.get(aid) or {}
        o = a.get("outlet")
        if isinstance(o, str) and o.strip():
            return clip(o, 60)
        u = a.get("url")
        if isinstance(u, str) and u:
            host = urlsplit(u).netloc if "//" in u else ""
            if host:
                return clip(host, 60)
        return "unknown outlet"

    def article_date(self, aid: str) -> str:
        a = self.by_id.get(aid) or {}
        p = a.get("published")
        if isinstance(p, str) and p.strip():
            return p[:16].replace("T", " ") + (" (inferred)" if a.get("published_inferred") else "")
        return "date unknown"

    def article_time(self, aid: str) -> datetime | None:
        return parse_time((self.by_id.get(aid) or {}).get("published"))

    def article_url(self, aid: str) -> str | None:
        return safe_url((self.by_id.get(aid) or {}).get("url"))

    def node_label(self, nid: str) -> str:
        """Label of a derivation endpoint: an article of the corpus or a source outside it."""
        if nid in self.by_id:
            return self.article_title(nid)
        s = self.sources.get(nid)
        if s and isinstance(s.get("name"), str) and s["name"].strip():
            return clip(s["name"], 80)
        return f"source {clip(nid, 24)}"

    def is_article(self, nid: str) -> bool:
        return nid in self.by_id

    def cite(self, aid: str) -> int | None:
        return self.numbers.get(aid)

    def storyline_article_ids(self, sl: dict) -> list[str]:
        ev_ids = set(sl.get("event_ids") or [])
        out: list[str] = []
        for ev in self.events:
            if ev.get("id") in ev_ids or (ev.get("storyline_id") == sl.get("id") and sl.get("id") is not None):
                for aid in ev.get("article_ids") or []:
                    if aid not in out:
                        out.append(aid)
        return out

    def storyline_index(self) -> list[tuple[dict, list[str]]]:
        """(storyline, `storyline_article_ids(storyline)`) for every storyline, in one pass over
        the events (calling `storyline_article_ids` per storyline is storylines x events:
        minutes at tens of thousands of storylines). Cached on the view."""
        hit = self.__dict__.get("_storyline_index")
        if hit is not None:
            return hit
        by_event: dict[object, list[int]] = {}
        by_id: dict[object, list[int]] = {}
        for i, sl in enumerate(self.storylines):
            for e in set(sl.get("event_ids") or []) if isinstance(sl.get("event_ids"), list) else ():
                by_event.setdefault(e, []).append(i)
            if sl.get("id") is not None:
                by_id.setdefault(sl.get("id"), []).append(i)
        out: list[dict[str, None]] = [{} for _ in self.storylines]
        for ev in self.events:
            owners = set(by_event.get(ev.get("id"), ()))
            if ev.get("storyline_id") is not None:
                owners.update(by_id.get(ev.get("storyline_id"), ()))
            for i in owners:
                for aid in ev.get("article_ids") or []:
                    out[i].setdefault(aid, None)
        hit = [(sl, list(aids)) for sl, aids in zip(self.storylines, out)]
        self.__dict__["_storyline_index"] = hit
        return hit

    def time_sorted(self, aids: list[str]) -> list[str]:
        """Articles in publication order; undated ones last, in their given order."""
        # Ties (same time, or both undated) keep the corpus order, so every list agrees with [n].
        n = len(self.articles)
        idx = {a: self.position.get(a, n + i) for i, a in enumerate(aids)}
        return sorted(aids, key=lambda a: (self.article_time(a) is None, self.article_time(a) or datetime.min, idx[a]))


def build_view(analysis: dict | None) -> View:
    analysis = analysis if isinstance(analysis, dict) else {}
    v = View(analysis=analysis)
    seen: set[str] = set()
    for a in _list(analysis, "articles"):
        aid = a.get("id")
        if isinstance(aid, str) and aid and aid not in seen:
            seen.add(aid)
            v.position[aid] = len(v.articles)
            v.articles.append(a)
            v.by_id[aid] = a
    v.sources = {s["id"]: s for s in _list(analysis, "sources") if isinstance(s.get("id"), str)}
    v.events = _list(analysis, "events")
    v.storylines = _list(analysis, "storylines")
    v.derivations = [d for d in _list(analysis, "derivations")
                     if isinstance(d.get("from"), str) and isinstance(d.get("to"), str)]
    v.attributions = _list(analysis, "attributions")
    v.claims = _list(analysis, "claims")
    v.claims_by_id = {c["id"]: c for c in v.claims if isinstance(c.get("id"), (str, int))}
    v.conflicts = _list(analysis, "conflicts")
    v.timeline = _list(analysis, "timeline")
    v.novelty = _list(analysis, "novelty")
    v.summary = _list(analysis, "summary")
    v.rejected = _list(analysis, "rejected")
    # Citation numbers follow publication order, so [1] is the earliest article.
    for i, aid in enumerate(v.time_sorted([a["id"] for a in v.articles]), start=1):
        v.numbers[aid] = i
    return v
