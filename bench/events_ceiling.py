"""How far the giveme5w1h event bar can be reached: ceilings of its gold for a clustering that keeps
happenings months apart as separate events.

    .venv/bin/python bench/events_ceiling.py

1. Chain bound: the gold events cut wherever two consecutive dated articles of one event are more than
   W days apart (perfect everything else): the best B-cubed F1 of any partition that never chains
   articles further apart than W.
2. Oracle repair of storytrace's partition (`cluster`, `Params()` defaults): every event that mixes gold
   events split by gold, then every gold event whose articles span at most S days joined whole. What
   remains are the gold events spread over more than S days.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_common import bcubed, load_labelled  # noqa: E402

from storytrace.dates import published_date  # noqa: E402
from storytrace.stories import cluster  # noqa: E402


def main() -> None:
    arts, gold = load_labelled("giveme5w1h")
    day = {a.id: (d.toordinal() if (d := published_date(a.published)) else None) for a in arts}
    members = defaultdict(list)
    for a, g in gold.items():
        members[g].append(a)
    print("chain bound (gold cut at gaps > W days): best B-cubed P / R / F1")
    for w in (30, 60, 120, 240, 365):
        part = {}
        for g, ids in members.items():
            k, last = 0, None
            for a in sorted(ids, key=lambda a: (day[a] is None, day[a] or 0, a)):
                if day[a] is not None and last is not None and day[a] - last > w:
                    k += 1
                part[a] = f"{g}/{k}"
                last = day[a] if day[a] is not None else last
        print(f"  W={w:>3}: " + " / ".join(f"{x:.3f}" for x in bcubed(part, gold)))
    ev = cluster(arts).event_of()
    print(f"storytrace: " + " / ".join(f"{x:.3f}" for x in bcubed(ev, gold)))
    by_ev = defaultdict(list)
    for a in gold:
        by_ev[ev[a]].append(a)
    fixed = {a: (e + "|" + gold[a] if len({gold[x] for x in by_ev[e]}) > 1 else e) for a, e in ev.items() if a in gold}
    print(f"  every mixed event split by gold: F1 {bcubed(fixed, gold)[2]:.3f}")
    for span in (30, 60, 90, 120):
        part = dict(fixed)
        for g, ids in members.items():
            days = [day[a] for a in ids if day[a] is not None]
            if days and max(days) - min(days) <= span:
                for a in ids:
                    part[a] = "gold:" + g
        left = sum(1 for g, ids in members.items() if len({part[a] for a in ids}) > 1)
        print(f"  + every gold event spanning <= {span:>3} days joined: "
              + " / ".join(f"{x:.3f}" for x in bcubed(part, gold)) + f" ({left} gold events still split)")


if __name__ == "__main__":
    main()
