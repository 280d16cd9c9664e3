"""Result types of the reuse stage (the `derivations` entries of analysis.json and friends)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AlignedPassage:
    """A passage of the source (`from_span`) reused in the derived article (`to_span`)."""
    from_span: tuple[int, int]
    to_span: tuple[int, int]
    similarity: float
    kind: str = "verbatim"   # "verbatim" (seed-and-extend) or "paraphrase" (reworded sentence)

    def to_dict(self) -> dict[str, Any]:
        return {"from_span": [int(self.from_span[0]), int(self.from_span[1])],
                "to_span": [int(self.to_span[0]), int(self.to_span[1])],
                "similarity": float(self.similarity), "kind": self.kind}


@dataclass
class Derivation:
    """`target` reuses `source` (both article ids); `evidence` says why this direction and kind."""
    source: str
    target: str
    kind: str                       # copy | excerpt | rewrite | partial
    score: float                    # share of the two texts in aligned passages, 0..1
    passages: list[AlignedPassage]
    evidence: list[str] = field(default_factory=list)
    directed: bool = True           # False: no evidence for either direction (order is a guess)
    direction_confidence: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "kind": self.kind, "score": float(self.score),
                "passages": [p.to_dict() for p in self.passages], "evidence": list(self.evidence),
                "directed": self.directed, "direction_confidence": float(self.direction_confidence)}


@dataclass
class ReuseResult:
    """Derivation edges, syndicated-copy groups with their origin, and what was left out and why."""
    derivations: list[Derivation] = field(default_factory=list)
    wire_origins: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    undirected: list[Derivation] = field(default_factory=list)   # shared text, direction unknown
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def groups(self) -> list[dict[str, Any]]:
        return self.wire_origins

    def to_dict(self) -> dict[str, Any]:
        return {"derivations": [d.to_dict() for d in self.derivations], "wire_origins": self.wire_origins,
                "skipped": self.skipped, "undirected": [d.to_dict() for d in self.undirected],
                "stats": self.stats}
