"""Events, storylines and the evidence ("why") each carries."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .linkage import cosine

Vector = Mapping[str, float]


@dataclass
class Event:
    """Articles about one happening. `why`: the shared terms/names/numbers and the similarities."""
    id: str
    storyline_id: str
    article_ids: list[str]
    title: str
    why: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "storyline_id": self.storyline_id, "article_ids": list(self.article_ids),
                "title": self.title, "why": self.why}


@dataclass
class Storyline:
    """Events that continue one another, in date order."""
    id: str
    event_ids: list[str]
    title: str
    why: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "event_ids": list(self.event_ids), "title": self.title, "why": self.why}


@dataclass
class StoryResult:
    events: list[Event]
    storylines: list[Storyline]
    inferred_dates: dict[str, str]  # undated article id -> ISO date of its event

    def event_of(self) -> dict[str, str]:
        return {a: e.id for e in self.events for a in e.article_ids}

    def to_dict(self) -> dict[str, Any]:
        return {"events": [e.to_dict() for e in self.events],
                "storylines": [s.to_dict() for s in self.storylines],
                "inferred_dates": dict(self.inferred_dates)}


def _show(term: str) -> str:
    return term[2:] if term.startswith("n:") else term.lstrip("#")


def shared_terms(vectors: list[Vector], top: int = 10) -> dict[str, list[str]]:
    """Terms most members share, strongest first, as words, names and numbers."""
    n = len(vectors)
    need = max(2, (n + 1) // 2) if n > 1 else 1
    df: Counter = Counter()
    weight: Counter = Counter()
    for v in vectors:
        for t, x in v.items():
            df[t] += 1
            weight[t] += x
    common = sorted((t for t in df if df[t] >= need), key=lambda t: (-weight[t], t))
    out: dict[str, list[str]] = {"terms": [], "entities": [], "numbers": []}
    for t in common:
        kind = "entities" if t.startswith("n:") else "numbers" if t.startswith("#") else "terms"
        if len(out[kind]) < top:
            out[kind].append(_show(t))
    return out


def event_why(ids: list[str], vec: Mapping[str, Vector], pairs: Iterable[tuple[str, str, float]],
              title: Mapping[str, str], reason: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """Title (the headline of the member closest to the event's centre) and the evidence.

    `pairs`: the event's article pairs as (a, b, time-discounted similarity), each once."""
    vs = [vec[a] for a in ids]
    if len(ids) == 1:
        a = ids[0]
        why: dict[str, Any] = {"articles": 1, "similarity": None,
                               "reason": reason.get(a) or "no other article similar enough"}
        why.update(shared_terms(vs, top=5))
        return title[a], why
    cent: dict[str, float] = Counter()
    for v in vs:
        for t, x in v.items():
            cent[t] += x
    rep = max(ids, key=lambda a: (round(cosine(vec[a], cent), 9), -ids.index(a)))
    total, best = 0.0, {a: 0.0 for a in ids}
    # Each pair as (smaller id, larger id): the sum runs in one order whichever way it was stored.
    for a, b, es in sorted((min(a, b), max(a, b), es) for a, b, es in pairs):
        total += es
        best[a] = max(best[a], es)
        best[b] = max(best[b], es)
    n = len(ids)
    why = {"articles": n,
           "similarity": round(total / (n * (n - 1) / 2), 4),  # mean pair similarity (the join rule)
           "weakest_member_link": round(min(best.values()), 4),
           "representative": rep}
    why.update(shared_terms(vs))
    return title[rep] or title[ids[0]], why


def storyline_why(event_ids: list[str], centroid: Mapping[str, Vector],
                  links: Iterable[tuple[float, str, str]]) -> dict[str, Any]:
    """`links`: (centroid similarity, event a, event b) of the storyline's linked event pairs."""
    if len(event_ids) == 1:
        return {"events": 1, "links": []}
    top = sorted(links, reverse=True)[:10]
    why: dict[str, Any] = {"events": len(event_ids),
                           "links": [{"events": [a, b], "similarity": round(s, 4)} for s, a, b in top]}
    why.update(shared_terms([centroid[e] for e in event_ids]))
    return why
