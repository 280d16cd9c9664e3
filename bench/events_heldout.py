"""Held-out check for the event-clustering configuration: tune on half of each corpus's events, score the other half.

    .venv/bin/python bench/events_heldout.py

Each labelled corpus (giveme5w1h, ecbplus, basil) is split by gold event (a hash of the label, so
every article of an event lands on the same side). A small grid of configurations around the
defaults is scored on the tuning half (mean B-cubed F1 over the three corpora); the winner is
then scored on the held-out half, next to the defaults and the TF-IDF baseline on that same half.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_bench import TARGETS, baseline  # noqa: E402
from events_common import REPO, bcubed, load_labelled, replace_section  # noqa: E402

from storytrace.stories import Params, cluster  # noqa: E402
from storytrace.stories import linkage  # noqa: E402

# Keys in capitals are module constants of storytrace.stories.linkage (the look-alike split's
# permutation test), the others fields of `Params`.
GRID = [
    {},
    {"SPLIT_MIN_Z": 0.0},
    {"SPLIT_MIN_Z": 5.0},
    {"SPLIT_MIN_Z": 7.0},
    {"event_threshold": 0.10, "link_threshold": 0.10},
    {"event_threshold": 0.14, "link_threshold": 0.14},
    {"time_scale": 0.04},
    {"time_scale": 0.08},
    {"split_ratio": 2.5},
    {"split_ratio": 3.5},
    {"split_min_half": 2},
]


def half_of(label: str) -> int:
    return hashlib.blake2b(label.encode(), digest_size=2).digest()[0] & 1


def main() -> None:
    halves = {}
    for n in TARGETS:
        arts, gold = load_labelled(n)
        for h in (0, 1):
            keep = [a for a in arts if half_of(gold[a.id]) == h]
            halves[(n, h)] = (keep, {a.id: gold[a.id] for a in keep})

    def score(g: dict, h: int) -> dict[str, tuple[float, float, float]]:
        consts = {k: v for k, v in g.items() if k.isupper()}
        params = dataclasses.replace(Params(), **{k: v for k, v in g.items() if not k.isupper()})
        saved = {k: getattr(linkage, k) for k in consts}
        try:
            for k, v in consts.items():
                setattr(linkage, k, v)
            return {n: bcubed(cluster(halves[(n, h)][0], params).event_of(), halves[(n, h)][1]) for n in TARGETS}
        finally:
            for k, v in saved.items():
                setattr(linkage, k, v)

    tuned = []
    for g in GRID:
        s = score(g, 0)
        mean = sum(v[2] for v in s.values()) / len(s)
        tuned.append((mean, g, s))
        print("tune", g, f"{mean:.3f}", flush=True)
    best = max(tuned, key=lambda t: t[0])
    held_best = score(best[1], 1)
    held_default = score({}, 1)
    held_old = score({"SPLIT_MIN_Z": 0.0}, 1)
    held_base = {n: bcubed(baseline(halves[(n, 1)][0]), halves[(n, 1)][1]) for n in TARGETS}
    today = datetime.date.today().isoformat()
    lines = [f"## Held-out check, {today}", "",
             "Command: `.venv/bin/python bench/events_heldout.py`. Events of each corpus split in two halves by a hash "
             "of the gold label; the grid below is scored on half 0 (mean B-cubed F1 of the three corpora), the "
             "winner and the defaults on half 1.", "",
             "| configuration (changes to `Params()`) | tuning half: mean F1 |", "|---|---:|"]
    lines += [f"| `{g or 'defaults'}` | {m:.3f} |" for m, g, _ in tuned]
    lines += ["", "| held-out half | articles | baseline F1 | defaults F1 | defaults without the split's "
              "permutation test (`SPLIT_MIN_Z=0`) F1 | tuned-on-half-0 winner F1 |",
              "|---|---:|---:|---:|---:|---:|"]
    for n in TARGETS:
        lines.append(f"| {n} | {len(halves[(n, 1)][0])} | {held_base[n][2]:.3f} | {held_default[n][2]:.3f} | "
                     f"{held_old[n][2]:.3f} | {held_best[n][2]:.3f} |")
    lines += ["", f"Winner on the tuning half: `{best[1] or 'defaults'}`."]
    print("\n".join(lines))
    replace_section(REPO / "bench" / "results" / "events.md", "events-heldout", "\n".join(lines))


if __name__ == "__main__":
    main()
