"""ROUGE of storytrace's multi-source summary against first-3 and LexRank, on a proxy reference.

No corpus under corpora/ has human multi-document summaries, and no PyPI package found here
ships a Multi-News or DUC sample. The proxy (say it whenever quoting these numbers):

  BASIL leave-one-out: each BASIL triplet is three outlets' reports of one event. Summarise two
  of them; score against the held-out third article's lead (its first 3 sentences), a
  human-written statement of the same event by another newsroom. 100 triplets x 3 held-out
  choices = 300 cases.

Systems, all cut to the reference's length in words (length-matched ROUGE, so a longer output
cannot win by recall alone), and also reported uncut:
  storytrace  storytrace.summary.summarize (default configuration)
  first-3     the first 3 sentences of each input article (the Multi-News "First-3" baseline)
  lexrank     LexRank (thresholded TF-IDF cosine graph, Erkan & Radev 2004) over all input
              sentences, top sentences in score order, as many as storytrace picked
Scorer: rouge-score 0.1.2 (Porter stemming), F1, mean over cases.

    .venv/bin/python bench/summary_rouge.py [--limit N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.model import Article  # noqa: E402
from storytrace.summary import joined_sentence_spans, summarize  # noqa: E402
from storytrace.summary.lexical import content_terms, lexrank, tfidf_matrix  # noqa: E402

CORPORA = Path(__import__("os").environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))


def sentences(text: str) -> list[str]:
    out = []
    for s, e in joined_sentence_spans(text):
        t = " ".join(text[s:e].split())
        if len(t.split()) >= 4:
            out.append(t)
    return out


def first3(texts: list[str]) -> list[str]:
    return [s for t in texts for s in sentences(t)[:3]]


def lexrank_summary(texts: list[str], n: int) -> list[str]:
    sents = [s for t in texts for s in sentences(t)]
    if not sents:
        return []
    v = tfidf_matrix([content_terms(s) or ["_"] for s in sents])
    scores = lexrank(v @ v.T)
    return [sents[i] for i in sorted(range(len(sents)), key=lambda i: -scores[i])[:n]]


def cut(sents: list[str], n_words: int | None) -> str:
    words = " ".join(sents).split()
    return " ".join(words if n_words is None else words[:n_words])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="triplets to use (0 = all)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "outputs.md"))
    args = ap.parse_args()
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)

    rows = [json.loads(l) for l in (CORPORA / "basil" / "articles.jsonl").open(encoding="utf-8")]
    gold = {}
    for l in (CORPORA / "basil" / "gold.jsonl").open(encoding="utf-8"):
        g = json.loads(l)
        gold[g["id"]] = g["triplet"]
    trip: dict[str, list[dict]] = {}
    for r in rows:
        if r["id"] in gold:
            trip.setdefault(gold[r["id"]], []).append(r)
    keys = sorted(k for k, v in trip.items() if len(v) == 3)
    if args.limit:
        keys = keys[: args.limit]
    systems = ("storytrace", "first-3", "lexrank")
    res = {(s, m, mode): [] for s in systems for m in ("rouge1", "rouge2", "rougeL") for mode in ("matched", "uncut")}
    n_sent = {s: [] for s in systems}
    t_sum = 0.0
    for k in keys:
        for held in range(3):
            ref_row = trip[k][held]
            inputs = [r for i, r in enumerate(trip[k]) if i != held]
            ref = " ".join(sentences(ref_row["text"])[:3])
            if not ref:
                continue
            ref_words = len(ref.split())
            arts = [Article(text=r["text"], title=r.get("title"), outlet=r.get("outlet"),
                            published=r.get("published")).to_dict() for r in inputs]
            an = {"articles": arts, "events": [{"id": "e", "article_ids": [a["id"] for a in arts]}],
                  "storylines": [{"id": "s", "event_ids": ["e"]}]}
            t0 = time.perf_counter()
            ours = [s["text"] for s in summarize(an)[0]["sentences"]]
            t_sum += time.perf_counter() - t0
            outs = {"storytrace": ours, "first-3": first3([r["text"] for r in inputs]),
                    "lexrank": lexrank_summary([r["text"] for r in inputs], max(1, len(ours)))}
            for s, sents in outs.items():
                n_sent[s].append(len(sents))
                for mode, n in (("matched", ref_words), ("uncut", None)):
                    sc = scorer.score(ref, cut(sents, n))
                    for m in ("rouge1", "rouge2", "rougeL"):
                        res[(s, m, mode)].append(sc[m].fmeasure)
    n_cases = len(res[("storytrace", "rouge1", "matched")])
    lines = [f"## Summary ROUGE (proxy: BASIL leave-one-out) — {date.today().isoformat()}", "",
             f"{n_cases} cases ({len(keys)} BASIL triplets x 3 held-out outlets). Input: two outlets' articles on one "
             "event; reference: the third outlet's lead (first 3 sentences). This is a proxy, not Multi-News/DUC: "
             "no human multi-document summaries are available offline here. Scorer rouge-score 0.1.2, stemmed, F1 x 100.",
             "", "| system | R-1 | R-2 | R-L | R-1 uncut | R-2 uncut | R-L uncut | sentences (mean) |",
             "|---|---|---|---|---|---|---|---|"]
    for s in systems:
        vals = [100 * statistics.mean(res[(s, m, mode)]) for mode in ("matched", "uncut") for m in ("rouge1", "rouge2", "rougeL")]
        lines.append(f"| {s} | " + " | ".join(f"{v:.1f}" for v in vals) + f" | {statistics.mean(n_sent[s]):.1f} |")
    lines += ["", "Columns R-1/R-2/R-L: every output cut to the reference's length in words; 'uncut': as produced.",
              f"storytrace summarize: {1000 * t_sum / max(1, n_cases):.1f} ms per case (two articles).",
              "Multi-News anchors from the literature (not comparable to this proxy): LexRank 38.3/12.7, First-3 39.4/11.8.",
              "", "Reproduce: `.venv/bin/python bench/summary_rouge.py` (needs `rouge-score==0.1.2`).", ""]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    marker = "## Summary ROUGE"
    if marker in old:
        head, _, rest = old.partition(marker)
        nxt = rest.find("\n## ")
        old = head + (rest[nxt + 1:] if nxt >= 0 else "")
    out.write_text((old.rstrip() + "\n\n" if old.strip() else "") + text, encoding="utf-8")


if __name__ == "__main__":
    main()
