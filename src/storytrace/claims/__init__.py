"""Claims: check-worthy statements, normalised, aligned across articles, with independent support.

extraction (`extract_claims`) -> normalisation (`normalize_quantity`, `normalize_time`) ->
alignment across articles with origins from the derivation graph (`align_claims`) ->
conflicts (`find_conflicts`) -> timeline and novelty (`build_timeline`, `novelty`).
All pure functions: articles and dicts in, dataclasses/dicts out.
"""
from .quantities import Quantity, find_quantities, normalize_quantity
from .times import TimeValue, find_times, normalize_time
from .extract import ClaimMention, extract_claims
from .align import Claim, align_claims
from .conflicts import find_conflicts
from .timeline import build_timeline, novelty
from .fivew import event_time, event_where, event_who
from .stage import claims_sections

__all__ = ["Quantity", "find_quantities", "normalize_quantity", "TimeValue", "find_times", "normalize_time",
           "ClaimMention", "extract_claims", "Claim", "align_claims", "find_conflicts", "build_timeline", "novelty",
           "event_time", "event_who", "event_where", "claims_sections"]
