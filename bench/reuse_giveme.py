"""giveme5w1h: wire copies across sites (reuse_pairs.jsonl) and false edges across events.

Run: .venv/bin/python bench/reuse_giveme.py
A pair counts as found when a derivation edge joins its two articles (either direction) or both
sit in one wire_origins group; the 22 near-copies (Jaccard >= 0.5) must all be found.
"""
from __future__ import annotations

import json
import time
from collections import Counter

from reuse_common import CORPORA, load_jsonl_articles

from storytrace.reuse import find_derivations


def main() -> None:
    root = CORPORA / "giveme5w1h"
    arts = load_jsonl_articles(root / "articles.jsonl")
    ext = {a.id: a.external_id for a in arts}
    event = {}
    for line in open(root / "gold.jsonl", encoding="utf-8"):
        g = json.loads(line)
        event[g["id"]] = g["event_id"]
    pairs = [json.loads(line) for line in open(root / "reuse_pairs.jsonl", encoding="utf-8")]
    t = time.perf_counter()
    res = find_derivations(arts)
    dt = time.perf_counter() - t
    edge = {}
    for d in res.derivations:
        edge[frozenset((ext[d.source], ext[d.target]))] = d.kind
    group_of = {}
    for k, g in enumerate(res.wire_origins):
        for i in g["article_ids"]:
            group_of.setdefault(ext[i], set()).add(k)
    und = {frozenset((ext[d.source], ext[d.target])) for d in res.undirected}

    def found(p):
        key = frozenset((p["a"], p["b"]))
        if key in edge:
            return "edge:" + edge[key]
        if group_of.get(p["a"], set()) & group_of.get(p["b"], set()):
            return "group"
        return "shared text (undirected)" if key in und else None

    near = [p for p in pairs if p["jaccard"] >= 0.5]
    rest = [p for p in pairs if p["jaccard"] < 0.5]
    fn = Counter(found(p) for p in near)
    fr = Counter(found(p) for p in rest)
    false_edges = [d for d in res.derivations if event.get(ext[d.source]) != event.get(ext[d.target])]
    print(f"articles {len(arts)}, {dt:.1f} s, stats {res.stats}")
    print("| pairs | found | how |")
    print("|---|---|---|")
    print(f"| near-copies (Jaccard >= 0.5) | {sum(v for k, v in fn.items() if k)}/{len(near)} | {dict(fn)} |")
    print(f"| other same-event pairs sharing 5-grams | {sum(v for k, v in fr.items() if k)}/{len(rest)} | {dict(fr)} |")
    print(f"| all 97 | {sum(v for k, v in (fn + fr).items() if k)}/{len(pairs)} | |")
    print(f"edges {len(res.derivations)}, across different events (false): {len(false_edges)}; "
          f"wire_origins groups {len(res.wire_origins)}: "
          f"{Counter(g['name'] for g in res.wire_origins).most_common(5)}")
    for d in false_edges[:5]:
        print("  false:", ext[d.source], "->", ext[d.target], d.kind, d.evidence[:2])


if __name__ == "__main__":
    main()
