"""Shared helpers for the event-clustering benchmarks: corpus loading and B-cubed scoring.

Corpora are read in place (never copied). Articles are built the way the lead's reader will
build them; once `storytrace.ingest.read_paths` exists it is used instead.
"""
from __future__ import annotations

import gzip
import json
import os
import random
from collections import defaultdict
from pathlib import Path

from storytrace.dates import parse_published
from storytrace.model import Article

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))

# corpus -> (articles file, gold file, gold key)
LABELLED = {
    "giveme5w1h": ("giveme5w1h/articles.jsonl", "giveme5w1h/gold.jsonl", "event_id"),
    "ecbplus": ("ecbplus/articles.jsonl", "ecbplus/gold.jsonl", "subtopic"),
    "basil": ("basil/articles.jsonl", "basil/gold.jsonl", "triplet"),
}


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def article_from_row(row: dict, path: str = "") -> Article:
    return Article(text=row.get("text") or "", title=row.get("title"), outlet=row.get("outlet"),
                   url=row.get("url"), published=parse_published(row.get("published")),
                   external_id=row.get("id"), path=path)


def read_jsonl(path: Path, limit: int | None = None) -> list[Article]:
    out = []
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            if limit is not None and len(out) >= limit:
                break
            row = json.loads(line)
            out.append(article_from_row(row, f"{path}:{n}"))
    return out


def load_labelled(name: str) -> tuple[list[Article], dict[str, str]]:
    """Articles of a labelled corpus and gold labels keyed by article id (prefixed by corpus)."""
    art_file, gold_file, key = LABELLED[name]
    gold_by_ext = {}
    with open(CORPORA / gold_file, encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            gold_by_ext[g["id"]] = f"{name}:{g[key]}"
    arts = read_jsonl(CORPORA / art_file)
    gold = {a.id: gold_by_ext[a.external_id] for a in arts if a.external_id in gold_by_ext}
    return arts, gold


def load_allsides(limit: int | None = None, seed: int = 0) -> list[Article]:
    """All allsides articles (37k) in file order, or a reproducible random sample of `limit`."""
    files = sorted((CORPORA / "allsides").glob("articles-*.jsonl.gz"))
    lines: list[tuple[str, int, str]] = []
    for f in files:
        with _open(f) as fh:
            lines.extend((str(f), n, line) for n, line in enumerate(fh, 1))
    if limit is not None and limit < len(lines):
        lines = sorted(random.Random(seed).sample(lines, limit), key=lambda x: (x[0], x[1]))
    return [article_from_row(json.loads(line), f"{f}:{n}") for f, n, line in lines]


def replace_section(path: Path, name: str, body: str) -> None:
    """Write `body` between <!-- name --> markers in `path`, keeping the other sections."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Events and storylines\n\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def load_seeds() -> list[Article]:
    """The five sample reports as plain-text articles (first line as title where it looks like one)."""
    out = []
    for p in sorted((CORPORA / "seeds").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        out.append(Article(text=text, path=str(p)))
    return out


def bcubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 over the items in `gold` (items missing from pred are singletons)."""
    pc: dict[str, set[str]] = defaultdict(set)
    gc: dict[str, set[str]] = defaultdict(set)
    for i in gold:
        pc[pred.get(i, "single:" + i)].add(i)
        gc[gold[i]].add(i)
    p = r = 0.0
    for i in gold:
        pm = {j for j in pc[pred.get(i, "single:" + i)] if j in gold}
        gm = gc[gold[i]]
        inter = len(pm & gm)
        p += inter / len(pm)
        r += inter / len(gm)
    n = len(gold)
    p, r = p / n, r / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
