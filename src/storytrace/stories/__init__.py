"""Events (articles about one happening) and storylines (events that continue one another).

`cluster(articles)` for a batch (the same partition and ids for any input order); `EventIndex` to
place articles as they arrive (one pass each, close to but not always equal to batch; `recluster()`
gives the batch partition exactly), with a JSON state (`to_state` / `from_state`) for the store.
"""
from .index import EventIndex, Params, cluster
from .result import Event, Storyline, StoryResult

__all__ = ["cluster", "EventIndex", "Params", "Event", "Storyline", "StoryResult"]
