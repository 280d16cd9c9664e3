"""Quote speakers on BASIL: recall of the 380 quotes with a named speaker, plus precision proxies.

A gold quote counts when an attribution of the same article overlaps its span (the attribution's
own span: a quote or a reported clause, never the whole article) and its source name shares a
name token with the gold speaker. Run from the repo root:

    .venv/bin/python bench/sources_basil.py [--spacy] [--sample 30] [--misses N]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storytrace.model import Article  # noqa: E402
from storytrace.sources import extract_attributions  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
_STOP = {"the", "of", "and", "a", "an", "mr", "mrs", "ms", "dr", "for", "in", "on", "to"}


def name_tokens(s: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", s.lower()) if w not in _STOP and len(w) > 1}


# Second reading of the metric: the source or a group the article states for it (its affiliation).
# Tokens are folded so "Democrat", "Democrats", "Democratic" (and "GOP" = "Republican") meet and
# plurals meet singulars; generic group nouns never match on their own ("campaign" alone must not
# make the Obama campaign the Romney campaign's).
_FOLD = {"democrats": "democrat", "democratic": "democrat", "dem": "democrat", "dems": "democrat",
         "republicans": "republican", "gop": "republican"}
_GENERIC = {"party", "campaign", "committee", "house", "senate", "member", "lawmaker", "official", "congress",
            "administration", "caucus", "office", "team", "state", "group", "company", "white"}


def folded(s: str) -> set[str]:
    out = set()
    for w in name_tokens(s):
        w = _FOLD.get(w, w)
        if w.endswith("s") and len(w) > 3 and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


def group_tokens(s: str) -> set[str]:
    return folded(s) - _GENERIC


def load(corpora: Path):
    arts = {}
    for line in open(corpora / "basil" / "articles.jsonl", encoding="utf-8"):
        d = json.loads(line)
        arts[d["id"]] = Article(text=d["text"], external_id=d["id"], outlet=d.get("outlet"), title=d.get("title"))
    quotes = [json.loads(line) for line in open(corpora / "basil" / "quotes.jsonl", encoding="utf-8")]
    named = [q for q in quotes if not q["speaker"].lower().startswith("other ")]
    return arts, named


def naive(article: Article):
    """Baseline a user might write: each quote goes to the nearest capitalised name before it."""
    out = []
    for m in re.finditer(r"[\u201c\"]([^\u201d\"]{3,})[\u201d\"]", article.text):
        names = re.findall(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+", article.text[max(0, m.start() - 300):m.start()] + article.text[m.end():m.end() + 80])
        if names:
            out.append(((m.start(1), m.end(1)), names[-1]))
    return out


_GROUP = re.compile(r"(?i)democrat|republican|party|campaign|lawmaker|official|member|compan|house|committee|catholic|"
                    r"plaintiff|protest|now$|naacp|gop")


def is_person(speaker: str) -> bool:
    """Gold speakers that are one named person (the rest are groups: "House Democrats", "Obama campaign")."""
    w = speaker.split()
    return len(w) >= 2 and all(x[0].isupper() for x in w) and not _GROUP.search(speaker)


def score(arts, named, atts_by_article):
    """Recall over `named`; atts_by_article: article id -> [((s, e), name)] (name may include the role)."""
    hit = 0
    misses = []
    for q in named:
        qs, qe = q["start"], q["end"]
        gold = name_tokens(q["speaker"])
        ok = any(s < qe and qs < e and (gold & name_tokens(name)) for (s, e), name in atts_by_article.get(q["article_id"], []))
        hit += ok
        if not ok:
            misses.append(q)
    return hit / len(named), misses


def score_affiliated(named, all_atts) -> float:
    """Recall when the gold speaker may be named by the source or by a group the text states for it."""
    hit = 0
    for q in named:
        gold = folded(q["speaker"])
        for a in all_atts.get(q["article_id"], []):
            if a.span[0] < q["end"] and q["start"] < a.span[1]:
                toks = folded(a.source_name) | set().union(*(group_tokens(x.name) for x in a.affiliations))
                if gold & toks:
                    hit += 1
                    break
    return hit / len(named)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, default=CORPORA)
    ap.add_argument("--spacy", action="store_true", help="also run with the spaCy NER pipeline")
    ap.add_argument("--sample", type=int, default=0, help="print N random attributions to check by hand")
    ap.add_argument("--misses", type=int, default=0, help="print N missed quotes")
    ap.add_argument("--affiliations", type=int, default=0, help="print N random stated groups (affiliations) to check by hand")
    args = ap.parse_args()
    arts, named = load(args.corpora)
    rows = []
    modes = [("rules", None)]
    if args.spacy:
        from storytrace.sources.nlp import load_nlp
        nlp = load_nlp()
        if nlp is None:
            print("spaCy model not installed; skipping the spaCy run", file=sys.stderr)
        else:
            modes.append(("rules + spaCy", nlp))
    results = {}
    split_rows = []
    for label, nlp in modes:
        t = time.process_time()
        all_atts = {aid: extract_attributions(a, nlp=nlp) for aid, a in arts.items()}
        dt = time.process_time() - t
        by_art = {aid: [(a.span, a.source_name) for a in atts] for aid, atts in all_atts.items()}
        rec, misses = score(arts, named, by_art)
        persons = [q for q in named if is_person(q["speaker"])]
        groups = [q for q in named if not is_person(q["speaker"])]
        rec_p, _ = score(arts, persons, by_art)
        rec_g, _ = score(arts, groups, by_art)
        by_role = {aid: [(a.span, f"{a.source_name} {a.role or ''}") for a in atts] for aid, atts in all_atts.items()}
        rec_r, _ = score(arts, named, by_role)
        rec_a, rec_ap, rec_ag = (score_affiliated(named, all_atts), score_affiliated(persons, all_atts),
                                 score_affiliated(groups, all_atts))
        split_rows.append((label, rec_p, len(persons), rec_g, len(groups), rec_r, rec_a, rec_ap, rec_ag))
        n = sum(len(v) for v in all_atts.values())
        quotes_with = sum(1 for v in all_atts.values() for a in v if a.quote)
        long_spans = sum(1 for v in all_atts.values() for a in v if a.span[1] - a.span[0] > 600)
        kinds = Counter(a.source_kind for v in all_atts.values() for a in v)
        rows.append((label, rec, sum(1 for _ in named) - len(misses), n / len(arts), quotes_with, long_spans, kinds, len(arts) / dt))
        results[label] = (all_atts, misses)
    t = time.process_time()
    nv = {aid: naive(a) for aid, a in arts.items()}
    dt = time.process_time() - t
    rec, nm = score(arts, named, nv)
    rows.append(("naive: nearest capitalised name", rec, len(named) - len(nm), sum(len(v) for v in nv.values()) / len(arts), 0, 0, Counter(), len(arts) / dt))

    print(f"BASIL quote speakers, {len(named)} quotes with a named speaker, {len(arts)} articles\n")
    print("| method | speaker recall | found | attributions/article | with quote | spans > 600 chars | articles per CPU-second |")
    print("|---|---|---|---|---|---|---|")
    for label, rec, found, per, wq, ls, kinds, speed in rows:
        print(f"| {label} | {rec:.3f} | {found}/{len(named)} | {per:.1f} | {wq} | {ls} | {speed:.0f} |")
    print("\n| method | recall, speaker is a person | recall, speaker is a group | recall, name or role shares a token |")
    print("|---|---|---|---|")
    for label, rp, np_, rg, ng, rr, *_ in split_rows:
        print(f"| {label} | {rp:.3f} (n={np_}) | {rg:.3f} (n={ng}) | {rr:.3f} |")
    print("\n| method | recall, source or its stated group (all) | person speakers | group speakers |")
    print("|---|---|---|---|")
    for label, rp, np_, rg, ng, rr, ra, rap, rag in split_rows:
        print(f"| {label} | {ra:.3f} | {rap:.3f} (n={np_}) | {rag:.3f} (n={ng}) |")
    for label, rec, found, per, wq, ls, kinds, speed in rows[:-1]:
        print(f"\nsource kinds ({label}): " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    all_atts, misses = results["rules"]
    if args.misses:
        print("\nmissed quotes:")
        for q in misses[: args.misses]:
            t = arts[q["article_id"]].text
            ctx = t[max(0, q["start"] - 150):q["end"] + 120].replace("\n", " ")
            got = [(a.source_name, a.cue) for a in all_atts[q["article_id"]] if a.span[0] < q["end"] and q["start"] < a.span[1]]
            print(f"- gold {q['speaker']!r} got {got} :: {ctx!r}")
    if args.affiliations:
        rnd = random.Random(7)
        seen = {}
        for aid, v in all_atts.items():
            for a in v:
                for x in a.affiliations:
                    seen.setdefault((aid, a.source_name, x.kind, x.name), x)
        keys = sorted(seen)
        print(f"\n{len(keys)} distinct (article, source, stated group); random sample of {args.affiliations}:")
        for k in rnd.sample(keys, min(args.affiliations, len(keys))):
            x = seen[k]
            t = arts[k[0]].text
            print(f"- {k[1]!r} -> {x.kind} {x.name!r} <- {x.evidence!r} :: {t[max(0, x.span[0] - 60):x.span[1] + 30]!r}")
    if args.sample:
        rnd = random.Random(7)
        flat = [a for v in all_atts.values() for a in v]
        arts_by_id = {a.id: a for a in arts.values()}
        print(f"\nrandom sample of {args.sample} attributions (rules):")
        for a in rnd.sample(flat, args.sample):
            t = arts_by_id[a.article_id].text
            lo = min(a.span[0], (a.source_span or a.span)[0])
            hi = max(a.span[1], (a.source_span or a.span)[1])
            ctx = t[max(0, lo - 40):min(hi + 20, lo + 420)].replace("\n", " ")
            print(f"- [{a.cue}] {a.source_name!r} ({a.source_kind}) <- {a.text[:100]!r}\n    context: {ctx!r}")


if __name__ == "__main__":
    main()
