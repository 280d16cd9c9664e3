"""Where newly added articles landed: the event each joined or started, and its storyline.

Read off an analysis (its `events` and `storylines`), so a placement is exactly what the batch
clustering of the grown store decided, whatever order the articles came in. Used by
`storytrace add --analyze` to answer "where did this article go?" one line per article.
"""
from __future__ import annotations

from typing import Any, Iterable

# How an article was placed, from the most to the least connected.
JOINED = "joined event"  # its event holds articles stored before
CONTINUES = "new event in a storyline"  # a new event, in a storyline with earlier events
NEW_STORY = "new story"  # a new event in a new storyline (possibly with other new articles)
ALONE = "alone"  # a one-article event in no storyline with others (the event's `why.reason` says why)


def placements(analysis: dict[str, Any], new_ids: Iterable[str]) -> list[dict[str, Any]]:
    """One dict per new article id found in the analysis, in the order given: `article_id`,
    `placement` (one of the constants above), `event_id`, `event_title`, `event_articles`,
    `event_new` (how many of them are new), `storyline_id`, `storyline_events`, `why` (the shared
    names and terms behind the placement, or the reason it stands alone)."""
    new = list(dict.fromkeys(new_ids))
    fresh = set(new)
    event_of: dict[str, dict[str, Any]] = {}
    for e in analysis.get("events", []):
        for a in e.get("article_ids", []):
            event_of[a] = e
    storylines = {s["id"]: s for s in analysis.get("storylines", [])}
    events = {e["id"]: e for e in analysis.get("events", [])}
    out = []
    for aid in new:
        e = event_of.get(aid)
        if e is None:
            continue
        members = e.get("article_ids", [])
        n_new = sum(1 for a in members if a in fresh)
        sl = storylines.get(e.get("storyline_id") or "", {})
        others = [events[x] for x in sl.get("event_ids", []) if x != e["id"] and x in events]
        older_story = any(a not in fresh for o in others for a in o.get("article_ids", []))
        if n_new < len(members):
            kind = JOINED
        elif older_story:
            kind = CONTINUES
        elif len(members) == 1 and not others:
            kind = ALONE
        else:
            kind = NEW_STORY
        out.append({"article_id": aid, "placement": kind, "event_id": e["id"], "event_title": e.get("title"),
                    "event_articles": len(members), "event_new": n_new, "storyline_id": e.get("storyline_id"),
                    "storyline_events": len(sl.get("event_ids", [])) or 1,
                    "why": _why(kind, e, sl, len(members))})
    return out


def _why(kind: str, event: dict[str, Any], storyline: dict[str, Any], n: int) -> str | None:
    """The evidence behind a placement: the event's shared names and terms when the article shares
    an event; the storyline's when it stands alone in its event; the stated reason when alone."""
    if kind == ALONE:
        return (event.get("why") or {}).get("reason")
    why = (event.get("why") if n > 1 else storyline.get("why")) or {}
    return ", ".join((why.get("entities") or [])[:3] + (why.get("terms") or [])[:5]) or None


def describe(p: dict[str, Any]) -> str:
    """One line for a person: where the article went and the words that put it there."""
    ev = f'{p["event_id"]} "{_short(p["event_title"])}"'
    if p["placement"] == JOINED:
        old = p["event_articles"] - p["event_new"]
        line = f"joined {ev} ({old} earlier article{'s' if old != 1 else ''}"
        line += f", {p['event_new']} new)" if p["event_new"] > 1 else ")"
    elif p["placement"] == CONTINUES:
        line = f"started {ev}, continuing storyline {p['storyline_id']} ({p['storyline_events']} events)"
    elif p["placement"] == NEW_STORY:
        n = p["event_articles"] - 1
        line = f"started {ev}, a new story" + (f" with {n} other new article{'s' if n != 1 else ''}" if n else "")
        if p["storyline_events"] > 1:
            line += f" (storyline {p['storyline_id']}: {p['storyline_events']} new events)"
    else:
        return f"{p['article_id']}: alone in {p['event_id']} ({p['why'] or 'nothing similar enough'})"
    return f"{p['article_id']}: {line}" + (f"; shared: {p['why']}" if p["why"] else "")


def _short(title: str | None, n: int = 70) -> str:
    t = " ".join((title or "").split())
    return t if len(t) <= n else t[: n - 1] + "\u2026"
