"""Text reuse: candidate pairs (MinHash LSH + rare n-gram index), passage alignment and the
derivation graph (who copied, excerpted or rewrote whom), plus wire-copy grouping."""
from storytrace.reuse.candidates import CandidateIndex, CandidatePair, candidates
from storytrace.reuse.derive import find_derivations
from storytrace.reuse.model import AlignedPassage, Derivation, ReuseResult
from storytrace.reuse.pairs import PairResult, align_pair

__all__ = ["find_derivations", "candidates", "CandidateIndex", "CandidatePair", "ReuseResult", "Derivation",
           "AlignedPassage", "align_pair", "PairResult"]
