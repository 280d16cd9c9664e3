"""The scrapinghub article-extraction-benchmark metric, reimplemented for storytrace's benches and tests.

Word 4-gram shingles (tokens: runs of `\\w+`), per page tp/fp/fn normalised so long pages do not
weigh more; precision is averaged over pages with a non-empty prediction, recall over pages with a
non-empty gold body, and F1 is the harmonic mean of the two averages (as the benchmark's evaluate.py).
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall(text or "")
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def tp_fp_fn(gold: str, pred: str) -> tuple[float, float, float]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _prec(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _rec(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def page_f1(gold: str, pred: str) -> float:
    t = tp_fp_fn(gold, pred)
    p, r = _prec(*t), _rec(*t)
    return 2 * p * r / (p + r) if p + r else 0.0


def aggregate(triples: list[tuple[float, float, float]]) -> dict[str, float]:
    ps = [_prec(*t) for t in triples if t[0] + t[1] > 0]
    rs = [_rec(*t) for t in triples if t[0] + t[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def load_corpus(folder: Path) -> list[dict]:
    """[{id, url, body, html: bytes}] in gold order."""
    rows = []
    for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            d["html"] = gzip.decompress((folder / "html" / f"{d['id']}.html.gz").read_bytes())
            rows.append(d)
    return rows
