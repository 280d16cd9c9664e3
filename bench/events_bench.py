"""Event clustering quality: storytrace vs the naive baseline, side by side, on the labelled corpora.

    .venv/bin/python bench/events_bench.py [--haystack N] [--no-haystack-baseline]

Baseline (what a user would otherwise pick): TF-IDF cosine over title + text (scikit-learn,
sublinear tf, English stop words) and average-link agglomerative clustering at distance 0.8.
Scores: B-cubed P/R/F1 against giveme5w1h `event_id`, ecbplus `subtopic`, basil `triplet`; then the
three mixed together, and mixed into a random allsides sample (only labelled articles scored).
"""
from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import REPO, bcubed, load_allsides, load_labelled, replace_section  # noqa: E402

from storytrace.model import Article  # noqa: E402
from storytrace.stories import EventIndex, cluster  # noqa: E402

TARGETS = {"giveme5w1h": 0.96, "ecbplus": 0.93, "basil": 0.98}


def baseline(arts: list[Article]) -> dict[str, str]:
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    X = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [(a.title or "") + "\n" + a.text for a in arts])
    D = 1.0 - (X @ X.T).toarray()
    np.clip(D, 0.0, 2.0, out=D)
    lab = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                  distance_threshold=0.8).fit_predict(D)
    return {a.id: str(l) for a, l in zip(arts, lab)}


def seeds_check() -> str:
    """The sample corpus as the reader gives it: the four November reports one event, the follow-up a second."""
    from storytrace.ingest import read_paths
    from events_common import CORPORA
    arts = [a for a in read_paths([CORPORA / "seeds"]) if isinstance(a, Article)]
    by = {Path(a.path).name[:3]: a for a in arts}
    res = cluster(arts)
    ev = res.event_of()
    story = {e.id: e.storyline_id for e in res.events}
    nov = {ev[by[k].id] for k in ("000", "001", "002", "004")}
    follow = ev[by["003"].id]
    ok = len(nov) == 1 and follow not in nov and story[follow] == story[next(iter(nov))]
    dates = ", ".join(f"{k}: {res.inferred_dates.get(by[k].id, by[k].published and by[k].published[:10] + ' (published)')}"
                      for k in sorted(by))
    return (("four reports one event, follow-up (003) a second event in the same storyline"
             if ok else "NOT as expected: " + str(sorted(len(e.article_ids) for e in res.events)))
            + f"; dates (inferred unless published): {dates}")


def fmt(p: tuple[float, float, float]) -> str:
    return f"{p[0]:.3f} / {p[1]:.3f} / **{p[2]:.3f}**"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--haystack", type=int, default=5000, help="allsides articles to mix in (0: skip)")
    ap.add_argument("--no-haystack-baseline", action="store_true")
    args = ap.parse_args()
    data = {n: load_labelled(n) for n in TARGETS}
    rows = []

    def run(label: str, arts: list[Article], gold: dict[str, str], with_baseline: bool = True) -> None:
        t = time.time()
        res = cluster(arts)
        st_s = time.time() - t
        st = {c: bcubed(res.event_of(), {i: g for i, g in gold.items() if g.startswith(c + ":")})
              for c in TARGETS if any(g.startswith(c + ":") for g in gold.values())}
        bl, bl_s = {}, None
        if with_baseline:
            t = time.time()
            pred = baseline(arts)
            bl_s = time.time() - t
            bl = {c: bcubed(pred, {i: g for i, g in gold.items() if g.startswith(c + ":")}) for c in st}
        for c in st:
            rows.append((label, c, len(arts), fmt(bl[c]) if c in bl else "not run", fmt(st[c]),
                         TARGETS[c], f"{st_s:.1f}" + (f" / {bl_s:.1f}" if bl_s is not None else "")))
            print(rows[-1], flush=True)

    for n, (arts, gold) in data.items():
        run(n, arts, gold)
    mixed = [a for arts, _ in data.values() for a in arts]
    mgold = {i: g for _, gold in data.values() for i, g in gold.items()}
    run("mixed", mixed, mgold)

    # Order independence and incremental placement on the mixed set.
    ref = cluster(mixed).to_dict()
    same = []
    for seed in (1, 2):
        sh = mixed[:]
        random.Random(seed).shuffle(sh)
        same.append(cluster(sh).to_dict() == ref)
    sh = mixed[:]
    random.Random(3).shuffle(sh)
    idx = EventIndex()
    t = time.time()
    for a in sh:
        idx.add([a])
    inc_s = time.time() - t
    inc = idx.result().event_of()
    batch_of = {a: e["id"] for e in ref["events"] for a in e["article_ids"]}
    agree = bcubed(inc, batch_of)
    inc_gold = {c: bcubed(inc, {i: g for i, g in mgold.items() if g.startswith(c + ":")})[2] for c in TARGETS}
    print("order", same, "incremental", agree, inc_gold, flush=True)

    # CPU cost of the look-alike split's permutation test: the mixed set clustered with and
    # without it, same process, side by side (CPU seconds: the machine is shared).
    from storytrace.stories import linkage
    cost = {}
    for label, z in (("with", linkage.SPLIT_MIN_Z), ("without", 0.0)):
        saved = linkage.SPLIT_MIN_Z
        linkage.SPLIT_MIN_Z = z
        try:
            t = time.process_time()
            cluster(mixed)
            cost[label] = (time.process_time() - t) * 1000 / len(mixed)
        finally:
            linkage.SPLIT_MIN_Z = saved
    print("cost ms/article", cost, flush=True)

    seeds = seeds_check()
    print("seeds", seeds, flush=True)

    if args.haystack:
        hay = load_allsides(args.haystack)
        run(f"mixed + {args.haystack} allsides", mixed + hay, mgold, with_baseline=not args.no_haystack_baseline)

    today = datetime.date.today().isoformat()
    cmd = "`.venv/bin/python bench/events_bench.py" + (" --no-haystack-baseline" if args.no_haystack_baseline else "") \
        + (f" --haystack {args.haystack}`" if args.haystack != 5000 else "`")
    body = [f"## Event clustering quality, {today}", "",
            f"Command: {cmd} (2 shared cores). One configuration (`storytrace.stories.Params()` defaults) "
            "for every row. Baseline: TF-IDF cosine (title + text, sublinear tf, English stop words) + "
            "average-link agglomerative clustering at distance 0.8 (scikit-learn), run on the same articles.", "",
            "| set | scored corpus | articles | baseline B-cubed P / R / F1 | storytrace P / R / F1 | bar (F1) | seconds storytrace / baseline |",
            "|---|---|---:|---|---|---:|---|"]
    body += [f"| {a} | {b} | {c} | {d} | {e} | {f} | {g} |" for a, b, c, d, e, f, g in rows]
    body += ["",
             f"- Input order: shuffled mixed input (2 shuffles) gives the identical events, storylines and ids: "
             f"{'yes' if all(same) else 'NO'}.",
             f"- Incremental (`EventIndex.add` one article at a time, shuffled, {len(mixed)} articles in {inc_s:.1f} s): "
             f"agreement with the batch partition B-cubed P/R/F1 {agree[0]:.3f} / {agree[1]:.3f} / {agree[2]:.3f}; "
             "against gold: " + ", ".join(f"{c} {v:.3f}" for c, v in inc_gold.items())
             + ". `EventIndex.recluster()` returns exactly the batch partition.",
             f"- CPU per article, batch `cluster()` of the mixed set ({len(mixed)} articles), same process: "
             f"{cost['with']:.2f} ms with the look-alike split's permutation test, {cost['without']:.2f} ms without "
             "(`linkage.SPLIT_MIN_Z = 0`).",
             f"- Sample corpus through `storytrace.ingest.read_paths` (one of five files dated): {seeds}."]
    replace_section(REPO / "bench" / "results" / "events.md", "events-quality", "\n".join(body))


if __name__ == "__main__":
    main()
