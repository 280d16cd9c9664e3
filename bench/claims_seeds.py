"""The sample story (corpora/seeds) through the claims stage: what a user expects, checked and printed.

Publication dates are set by hand (001 2022-11-19, 004 2022-11-19 14:15 CST, 000 and 002 2022-11-20, 003
2023-02-05) and so are the derivation edges (000 and 004 rewrite 001; 002 cites the outlet whose report 001
is), standing in for the reuse and sources stages.

Run from the repository root: .venv/bin/python bench/claims_seeds.py
"""
from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.claims import align_claims, build_timeline, extract_claims, find_conflicts, novelty  # noqa: E402
from storytrace.model import Article  # noqa: E402

CORPORA = Path(__import__("os").environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))
PUBLISHED = {"000": "2022-11-20", "001": "2022-11-19", "002": "2022-11-20", "003": "2023-02-05",
             "004": "2022-11-19T14:15-06:00"}


def run():
    arts = {f.name[:3]: Article(text=f.read_text(encoding="utf-8"), path=str(f), published=PUBLISHED[f.name[:3]])
            for f in sorted((CORPORA / "seeds").glob("*.txt"))}
    ids = {k: a.id for k, a in arts.items()}
    der = [{"from": ids["001"], "to": ids["000"], "kind": "rewrite"},
           {"from": ids["001"], "to": ids["004"], "kind": "rewrite"},
           {"from": "src:outlet", "to": ids["002"], "kind": "cites"}]
    sources = [{"id": "src:outlet", "article_id": ids["001"]}]
    articles = list(arts.values())
    t0 = time.perf_counter()
    ms = [m for a in articles for m in extract_claims(a)]
    claims = align_claims(articles, ms, der, sources=sources)
    conflicts = find_conflicts(claims, ms)
    tl = build_timeline(claims)
    nov = novelty(articles, claims)
    dt = time.perf_counter() - t0
    name = {v: k for k, v in ids.items()}
    rows = []
    four = next(c for c in claims if c.quantity and c.quantity["value"] == 400)
    rows.append((">400 drones since August: support / independent / origins",
                 f"{four.support} / {four.independent_support} / {[name.get(o, o) for o in four.origins]}",
                 four.support == 4 and four.independent_support == 1))
    novel = {name[n["article_id"]]: n["claim_ids"] for n in nov}
    by_id = {c.id: c for c in claims}
    only003 = [by_id[i].quantity for i in novel["003"] if by_id[i].quantity and by_id[i].quantity["value"] in (6000, 1e9)]
    rows.append(("capacity (at least 6,000) and $1 billion only in the follow-up (novelty of 003)",
                 "; ".join(f"{q['approx'] or ''} {q['value']:,.0f} {q['unit']}".strip() for q in only003), len(only003) == 2))
    pcs = [c for c in conflicts if c["kind"] == "position_change"]
    rows.append(("Iran's October denial then 'limited number' admission (position_change)",
                 pcs[0]["note"][:120] + "\u2026" if pcs else "none", bool(pcs) and "2022-10" in pcs[0]["note"]))
    rows.append(("timeline from August 2022 to January 2023", f"{tl[0]['time']} \u2192 {tl[-1]['time']} ({len(tl)} entries)",
                 tl[0]["start"].startswith("2022-08") and tl[-1]["start"].startswith("2023-01")))
    return rows, len(ms), len(claims), len(conflicts), dt


def main() -> str:
    rows, n_m, n_c, n_x, dt = run()
    lines = ["## claims: the sample story (corpora/seeds)", "",
             f"{n_m} mentions -> {n_c} claims, {n_x} conflicts in {dt:.2f} s (hand-set dates and derivation edges).", "",
             "| what a user expects | got | ok |", "|---|---|---|"]
    lines += [f"| {a} | {b.replace('|', '/')} | {'yes' if ok else 'NO'} |" for a, b, ok in rows]
    lines += ["", "Reproduce: `.venv/bin/python bench/claims_seeds.py`  ", f"Date: {date.today().isoformat()}", ""]
    out = "\n".join(lines)
    print(out)
    return out


if __name__ == "__main__":
    main()
