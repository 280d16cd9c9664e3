"""One candidate pair in, one plain-data result out: the unit that is cached between runs and
shipped to Spark executors.

`align_pair(a, b, ...)` aligns two articles and decides whether there is reuse, which way it went
and what kind it is (the per-pair part of `derive.find_derivations`). Its result depends on the
two articles (text and fields: dates, truncation, boilerplate removed) and on ONE corpus-wide
input, the document frequency of the 5-grams of each shared passage, which tells recurring page
furniture from reuse (`derive.BOILER_DF`). The result records that dependence: for every passage
it checked, the sampled 5-gram hashes and whether they were found recurring. `valid_under(df)`
re-checks those against the current corpus, so a stored result is reused only when the corpus
would decide every check the same way; otherwise the pair is aligned again. The same-story
cosine is a function of the two texts only (topic.py weighs rare terms by a fixed background
table), so it needs no such check.

`PairResult` is plain data (ids, a dict edge, word ranges, ints): JSON-able through
`to_dict`/`from_dict` and picklable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from storytrace.reuse.model import AlignedPassage, Derivation

DF = Callable[[np.ndarray], np.ndarray]


def _ranges(mask: np.ndarray) -> list[list[int]]:
    """[start, end) runs of True in a bool mask."""
    if not len(mask) or not mask.any():
        return []
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return [[int(s), int(e)] for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


def _mask(n: int, ranges: list[list[int]]) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for s, e in ranges:
        m[s:e] = True
    return m


def recurring(grams: np.ndarray, df: DF | None, boiler_df: int) -> bool:
    """Whether a passage (its 5-gram hashes) is recurring furniture under `df`: the median
    document frequency of its sampled 5-grams reaches `boiler_df` (derive._boilerplate's rule)."""
    d = df(grams) if df is not None else np.zeros(0, np.int64)
    d = d[d >= 0]
    return bool(len(d) and float(np.median(d)) >= boiler_df)


def derivation_from_dict(d: dict[str, Any]) -> Derivation:
    """The inverse of `Derivation.to_dict`."""
    return Derivation(d["from"], d["to"], d["kind"], d["score"],
                      [AlignedPassage(tuple(p["from_span"]), tuple(p["to_span"]), p["similarity"], p["kind"])
                       for p in d["passages"]],
                      list(d["evidence"]), d["directed"], d["direction_confidence"])


@dataclass
class PairResult:
    """What one aligned pair contributes to the derivation graph.

    `edge` is the Derivation (as its analysis.json dict) when the pair shows reuse, else None.
    `src_cover` / `dst_cover` are the word ranges of the edge's source / target covered by aligned
    passages (verbatim extents and reworded sentences), over `n_src` / `n_dst` words: the graph
    step uses them to drop edges a common source explains. `strong`: direction evidence other than
    containment took part. `checks`: (sampled 5-gram hashes of a passage, found recurring) for
    every passage the furniture rule looked up in the corpus' document frequencies.
    """
    a: str
    b: str
    edge: dict[str, Any] | None = None
    src_cover: list[list[int]] = field(default_factory=list)
    dst_cover: list[list[int]] = field(default_factory=list)
    n_src: int = 0
    n_dst: int = 0
    strong: bool = False
    checks: list[tuple[list[int], bool]] = field(default_factory=list)

    def valid_under(self, df: DF | None, boiler_df: int | None = None) -> bool:
        """Whether the corpus' current document frequencies decide every recorded furniture
        check as they did when the pair was aligned (then this result is what aligning the pair
        again would give)."""
        if boiler_df is None:
            from storytrace.reuse.derive import BOILER_DF as boiler_df
        return all(recurring(np.asarray(g, dtype=np.uint64), df, boiler_df) == bool(flag) for g, flag in self.checks)

    def edge_tuple(self) -> tuple[Derivation, np.ndarray, np.ndarray, bool] | None:
        """(Derivation, source cover mask, target cover mask, strong), as the graph step takes it."""
        if self.edge is None:
            return None
        return (derivation_from_dict(self.edge), _mask(self.n_src, self.src_cover), _mask(self.n_dst, self.dst_cover),
                self.strong)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "edge": self.edge, "src_cover": self.src_cover, "dst_cover": self.dst_cover,
                "n_src": self.n_src, "n_dst": self.n_dst, "strong": self.strong,
                "checks": [[list(g), bool(f)] for g, f in self.checks]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PairResult":
        return cls(d["a"], d["b"], d["edge"], d["src_cover"], d["dst_cover"], d["n_src"], d["n_dst"], d["strong"],
                   [(list(g), bool(f)) for g, f in d["checks"]])


def align_pair(a: Any, b: Any, *, df: DF | None = None, same_story: float | None = None,
               paraphrase: bool = False) -> PairResult:
    """Align two articles and decide reuse, direction and kind. Pure: the result depends on the
    two articles, on `df` (5-gram hash -> number of corpus articles holding it, -1 when not
    sampled; e.g. `CandidateIndex.df`; None: nothing counts as recurring furniture) only
    through the checks it records, and on `same_story` (the pair's rare-term cosine when it is a
    same-story pair, see `topic.topic_pairs` and `derive.TOPIC_MAX_DAYS`; None otherwise).
    `paraphrase=True` adds the optional sentence-embedding aligner (lexical fallback)."""
    from storytrace.reuse import derive as D

    return D._pair_result(D._doc(a), D._doc(b), D._paraphraser(paraphrase), df, same_story)
