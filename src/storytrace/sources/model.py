"""Attributions, sources and the registry that ties them together across articles."""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any

Span = tuple[int, int]

KINDS = ("outlet", "person", "organization", "agency", "other")


@dataclass
class Attribution:
    """One statement or quote in an article, and who it is attributed to.

    `span` covers the quote (its words, without the marks) or the reported clause, never the
    whole article. `source_name` is the resolved name ("he" -> the person it refers to);
    `mention` is the words the article used for the source. `score` says how sure the link is:
    an explicit named speaker next to the quote scores high, a pronoun or a quote that only
    follows an attributed sentence scores lower; `evidence` says why.
    """
    article_id: str
    span: Span
    text: str
    quote: str | None
    source_name: str
    source_kind: str
    role: str | None
    cue: str
    source_span: Span | None
    mention: str = ""
    via: str | None = None           # newsroom the statement was given to ("told the Post")
    via_span: Span | None = None
    via_mention: str | None = None   # the words used for it ("the publication")
    score: float = 1.0
    evidence: str = ""
    # Groups the source belongs to or speaks for, as the article states them (party from "D-N.Y.",
    # "House", "a spokeswoman for the X campaign"), each with its span: `affiliation.Affiliation`.
    affiliations: list = field(default_factory=list)
    # The group or organisation the speaker speaks for, as this attribution's own words name it
    # ("White House spokesman Jane Roe said", "a spokeswoman for the Roe campaign", "the NAACP
    # President ..."; kind "person" for "a spokesman for Sen. X"): {"name", "kind", "span": [start, end],
    # "evidence"}, or None (also when the source is itself the group: "House Democrats said").
    # Plain data, so it caches as JSON.
    on_behalf_of: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span)
        d["source_span"] = list(self.source_span) if self.source_span else None
        d["via_span"] = list(self.via_span) if self.via_span else None
        d["affiliations"] = [a.to_dict() for a in self.affiliations]
        return d


@dataclass
class Source:
    """One outlet, person, organisation, agency or anonymous group, across all articles.

    `article_id` is set when the source is an outlet whose report is an article in the corpus.
    """
    id: str
    name: str
    kind: str
    article_id: str | None = None
    aliases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    # Groups stated for this source in any article: [{"name", "kind": "party|chamber|organization"}].
    affiliations: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "article_id": self.article_id,
                "aliases": list(self.aliases), "affiliations": [dict(a) for a in self.affiliations]}


@dataclass
class Registry:
    """Sources plus attributions as analysis.json dicts; `cites` is filled by resolve_origins."""
    sources: list[Source]
    attributions: list[dict[str, Any]]
    cites: list[dict[str, Any]] = field(default_factory=list)
    # article id -> (folded outlet name, published) of the corpus, for matching cited outlets.
    article_outlets: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}
