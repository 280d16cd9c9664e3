"""Claim alignment sanity on real events: same-event articles share claims, different events do not.

Corpora: giveme5w1h articles.jsonl (383 articles, 69 events, gold.jsonl event_id) and basil
(100 three-outlet triplets). All articles of a corpus are extracted and aligned together (no
derivations given), then for every claim backed by 2+ articles:
- purity: the share of multi-article claims whose articles all belong to one gold event;
- events sharing: the share of gold events with 2+ articles that have at least one shared claim.
The naive baseline aligns sentences by plain word Jaccard >= 0.5 (no figures, times, weighting).

Run from the repository root: .venv/bin/python bench/claims_align.py
"""
from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.claims import align_claims, extract_claims  # noqa: E402
from storytrace.dates import parse_published  # noqa: E402
from storytrace.model import Article  # noqa: E402
from storytrace.text import words  # noqa: E402

CORPORA = Path(__import__("os").environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))


def load_giveme():
    d = CORPORA / "giveme5w1h"
    ev = {json.loads(l)["id"]: json.loads(l)["event_id"] for l in open(d / "gold.jsonl", encoding="utf-8")}
    arts = []
    for l in open(d / "articles.jsonl", encoding="utf-8"):
        r = json.loads(l)
        if r["id"] in ev:
            arts.append((Article(text=r["text"], title=r.get("title"), published=parse_published(r.get("published")),
                                 external_id=r["id"]), ev[r["id"]]))
    return arts


def load_basil():
    d = CORPORA / "basil"
    ev = {}
    if (d / "gold.jsonl").exists():
        for l in open(d / "gold.jsonl", encoding="utf-8"):
            r = json.loads(l)
            if "triplet" in r:
                ev[r["id"]] = r["triplet"]
    arts = []
    for l in open(d / "articles.jsonl", encoding="utf-8"):
        r = json.loads(l)
        t = ev.get(r["id"], r.get("triplet"))
        if t is not None:
            arts.append((Article(text=r["text"], title=r.get("title"), published=parse_published(r.get("published")),
                                 external_id=r["id"]), t))
    return arts


def score(groups: list[set[str]], event_of: dict[str, object]) -> tuple[int, float, float]:
    multi = [g for g in groups if len(g) >= 2]
    pure = sum(1 for g in multi if len({event_of[a] for a in g}) == 1)
    by_event = defaultdict(set)
    for a, e in event_of.items():
        by_event[e].add(a)
    sharing = set()
    for g in multi:
        evs = {event_of[a] for a in g}
        if len(evs) == 1:
            sharing |= evs
    eligible = [e for e, s in by_event.items() if len(s) >= 2]
    return len(multi), (pure / len(multi) if multi else 0.0), len(sharing & set(eligible)) / max(1, len(eligible))


def storytrace_groups(arts):
    articles = [a for a, _ in arts]
    ms = [m for a in articles for m in extract_claims(a)]
    claims = align_claims(articles, ms, derivations=[])
    return [set(c.article_ids) for c in claims], len(ms)


def naive_groups(arts, threshold=0.5):
    """Sentences of different articles with word Jaccard >= threshold, linked transitively."""
    from storytrace.text import sentence_spans
    sents = []
    for a, _ in arts:
        for s, e in sentence_spans(a.text):
            w = frozenset(words(a.text[s:e]))
            if len(w) >= 5:
                sents.append((a.id, w))
    index = defaultdict(list)
    for i, (_, w) in enumerate(sents):
        for t in w:
            index[t].append(i)
    parent = list(range(len(sents)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for i, (aid, w) in enumerate(sents):
        cand = defaultdict(int)
        for t in w:
            post = index[t]
            if len(post) > 300:
                continue
            for j in post:
                if j > i:
                    cand[j] += 1
        for j, c in cand.items():
            if sents[j][0] != aid and c / len(w | sents[j][1]) >= threshold:
                parent[find(i)] = find(j)
    g = defaultdict(set)
    for i, (aid, _) in enumerate(sents):
        g[find(i)].add(aid)
    return list(g.values())


def main() -> str:
    lines = ["## claims: alignment sanity on real events", "",
             "All articles of a corpus aligned together, no derivations. purity = share of claims backed by 2+ articles "
             "whose articles are all one gold event; events sharing = share of gold events (2+ articles) with a shared claim.", "",
             "| corpus | method | mentions | claims with 2+ articles | purity | events sharing | time |",
             "|---|---|---|---|---|---|---|"]
    for name, loader in (("giveme5w1h (383 art., 69 events)", load_giveme), ("basil (300 art., 100 triplets)", load_basil)):
        arts = loader()
        if not arts:
            continue
        event_of = {a.id: e for a, e in arts}
        t0 = time.perf_counter()
        groups, n_m = storytrace_groups(arts)
        dt = time.perf_counter() - t0
        k, p, s = score(groups, event_of)
        lines.append(f"| {name} | storytrace align_claims | {n_m} | {k} | {p:.3f} | {s:.3f} | {dt:.1f} s |")
        t0 = time.perf_counter()
        groups = naive_groups(arts)
        dt = time.perf_counter() - t0
        k, p, s = score(groups, event_of)
        lines.append(f"| {name} | naive sentence Jaccard >= 0.5 | - | {k} | {p:.3f} | {s:.3f} | {dt:.1f} s |")
    lines += ["", "Reproduce: `.venv/bin/python bench/claims_align.py`  ", f"Date: {date.today().isoformat()}", ""]
    out = "\n".join(lines)
    print(out)
    return out


if __name__ == "__main__":
    main()
