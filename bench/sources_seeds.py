"""What a user expects from the sources stage on the sample corpus (corpora/seeds), as a checklist.

    .venv/bin/python bench/sources_seeds.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storytrace.model import Article  # noqa: E402
from storytrace.sources import build_registry, extract_attributions  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "seeds"

# (file prefix, words inside the quote/statement, expected speaker)
EXPECT = [
    ("002", "it was a worrying development", "Adrienne Watson"),
    ("002", "Iran and Russia can lie to the world", "Adrienne Watson"),
    ("002", "is pursuing all means to expose", "Adrienne Watson"),
    ("002", "We will continue to provide Ukraine", "Adrienne Watson"),
    ("000", "has taken a clear and consistent position", "Amir Saeid Iravani"),
    ("000", "the claims about sending drones to Russia are unfounded", "Amir Saeid Iravani"),
    ("002", "we did provide a limited number of drones", "Hossein Amirabdollahian"),
    ("004", "Iran is acting as a design bureau", "Michael Knights"),
    ("004", "married to the industrial scale of a great power", "Michael Knights"),
    ("000", "Russian and Iranian officials finalized the deal", "the Washington Post"),
    ("004", "Production in Russia could begin in months", "officials"),
    ("004", "Iran first denied supplying drones to Russia", "the Hill"),
    ("002", "capable of circling for some time", "CNN"),
    ("001", "could allow production to begin within months", "three officials familiar with the matter"),
    ("000", "has expressed its agreement to help Russians", "Western officials"),
]


def main() -> None:
    arts = {p.name[:3]: Article(text=p.read_text(encoding="utf-8"), path=str(p)) for p in sorted(SEEDS.glob("*.txt"))}
    t = time.perf_counter()
    atts = {k: extract_attributions(a) for k, a in arts.items()}
    dt = time.perf_counter() - t
    ok = 0
    print("| file | statement | expected speaker | found | role |\n|---|---|---|---|---|")
    for k, phrase, who in EXPECT:
        i = arts[k].text.index(phrase)
        hits = [a for a in atts[k] if a.span[0] <= i and i + len(phrase) <= a.span[1]]
        good = [a for a in hits if a.source_name == who]
        ok += bool(good)
        a = (good or hits or [None])[0]
        print(f"| {k} | {phrase[:40]} | {who} | {'yes' if good else 'NO: ' + (a.source_name if a else '-')} | {(a.role or '') if a else ''} |")
    reg = build_registry(list(arts.values()), [a for v in atts.values() for a in v])
    post = [s for s in reg.sources if "washington post" in s.name.lower()]
    print(f"\n{ok}/{len(EXPECT)} expected speakers; Washington Post sources: {len(post)} "
          f"(aliases {post[0].aliases if post else []}); outlets: {sorted(s.name for s in reg.sources if s.kind == 'outlet')}; "
          f"anonymous (other): {sum(s.kind == 'other' for s in reg.sources)}; {sum(map(len, atts.values()))} attributions in {dt*1000:.0f} ms")


if __name__ == "__main__":
    main()
