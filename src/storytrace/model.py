"""The data model every stage shares.

One small `Article` flows from the readers through cleaning into the store and on to the
analysis stages (the datatrove `Document` idea). Every later annotation points into
`Article.text` with character offsets, spaCy style, so the report can highlight it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, asdict
from typing import Any

Span = tuple[int, int]



def normalise_for_id(text: str) -> str:
    """The form of the clean text that the article id hashes.

    Case, Unicode compatibility forms, quote styles and whitespace are folded, so the same
    article re-encoded, re-wrapped or with curly instead of straight quotes gets one id.
    """
    t = unicodedata.normalize("NFKC", text).lower()
    for a, b in _QUOTE_FOLD:  # str.replace per pair is much faster than str.translate here
        if a in t:
            t = t.replace(a, b)
    return " ".join(t.split())


_QUOTE_FOLD = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-"))


def article_id(text: str) -> str:
    """Stable id of an article: a hash of its normalised clean text (16 hex digits)."""
    return hashlib.blake2b(normalise_for_id(text).encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class Article:
    """One published text after ingest and cleaning.

    `text` is the clean text; every span anywhere in storytrace indexes into it.
    `published` is an ISO 8601 string (date, or date and time with offset) or None.
    """
    text: str
    path: str = ""
    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published: str | None = None
    published_inferred: bool = False
    language: str | None = None
    truncated: bool = False
    boilerplate_removed: list[str] = field(default_factory=list)
    # Every input the same article came from (the first is `path`); filled by the store.
    paths: list[str] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id(self.text)
        if self.path and not self.paths:
            self.paths = [self.path]

    @property
    def chars(self) -> int:
        return len(self.text)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chars"] = self.chars
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Article":
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})


@dataclass
class Rejection:
    """An input that could not become an article, with a one-line reason naming it."""
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"
