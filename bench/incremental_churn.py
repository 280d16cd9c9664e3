"""Why an incremental analysis recomputes the storylines it does (claims and summary are cached per
storyline): the analysis of N allsides articles and of N + 100 are compared storyline by storyline.

    nice .venv/bin/python bench/incremental_churn.py [--n 2000] [--add 100]

A storyline's cached claims are reused only when its articles and every input they read (edges
into them, their attributions, their dates) are unchanged. Printed: how many storylines of the grown
analysis are new articles joining, old events regrouped by the batch re-clustering, or the same
articles with a changed input, with the articles they hold.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
from e2e_scale import write_subset  # noqa: E402  (first N allsides records, shard order)


def _storylines(doc: dict) -> dict[str, frozenset[str]]:
    ev = {e["id"]: e for e in doc["events"]}
    return {sl["id"]: frozenset(a for e in sl["event_ids"] for a in ev[e]["article_ids"]) for sl in doc["storylines"]}


def _by_article(doc: dict, key: str, fields: tuple[str, ...], of: str) -> dict[str, list]:
    out: dict[str, list] = collections.defaultdict(list)
    for x in doc[key]:
        out[x[of]].append(json.dumps([x.get(f) for f in fields], sort_keys=True))
    return {k: sorted(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--add", type=int, default=100)
    args = ap.parse_args()
    from storytrace import pipeline
    from storytrace.store import Store

    opts = pipeline.Options(quiet=True)
    with tempfile.TemporaryDirectory(prefix="churn-") as tmp:
        d = Path(tmp)
        got = write_subset(args.n + args.add, d / "all.jsonl")
        lines = (d / "all.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        (d / "base.jsonl").write_text("".join(lines[:args.n]), encoding="utf-8")
        (d / "new.jsonl").write_text("".join(lines[args.n:got]), encoding="utf-8")
        with Store(d / "s.db") as store:
            pipeline.ingest([str(d / "base.jsonl")], store, opts)
            old = pipeline.analyze_store(store, opts)
            fresh = set(pipeline.ingest([str(d / "new.jsonl")], store, opts).new)
            new = pipeline.analyze_store(store, opts)
    o, n = _storylines(old), _storylines(new)
    old_sets = set(o.values())
    dates = {doc_id: {a["id"]: (a.get("published"), a.get("published_inferred")) for a in doc["articles"]}
             for doc_id, doc in (("old", old), ("new", new))}
    atts = {k: _by_article(doc, "attributions", ("source_id", "via_source_id", "span"), "article_id")
            for k, doc in (("old", old), ("new", new))}
    edges = {k: _by_article(doc, "derivations", ("from", "kind", "passages"), "to") for k, doc in (("old", old), ("new", new))}
    kinds: collections.Counter = collections.Counter()
    arts: collections.Counter = collections.Counter()
    for s in n.values():
        if s in old_sets:
            why = [name for name, table in (("inferred dates", dates), ("attributions", atts), ("edges", edges))
                   if any(table["old"].get(a) != table["new"].get(a) for a in s)]
            kind = "same articles, changed: " + ", ".join(why) if why else "unchanged (cache hit)"
        elif s & fresh:
            kind = "gained new articles" + ("" if (s - fresh) in old_sets or not (s - fresh) else " and regrouped old events")
        else:
            kind = "old articles only, regrouped"
        kinds[kind] += 1
        arts[kind] += len(s)
    print(f"N={args.n} + {len(fresh)}: cached_results of the incremental run: {json.dumps(new.get('cached_results'))}")
    print("| storylines of the grown analysis | count | articles |\n|---|---:|---:|")
    for k, v in kinds.most_common():
        print(f"| {k} | {v} | {arts[k]} |")


if __name__ == "__main__":
    main()
