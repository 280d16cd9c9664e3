"""Assemble BENCHMARKS.md from the per-area results that each bench script writes.

    .venv/bin/python bench/collect.py
"""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORDER = ["summary", "extraction", "ingest", "events", "reuse", "paraphrase", "embed_device", "sources", "claims", "outputs", "spark",
         "reliability"]
HEADER = """# Benchmarks

Every figure here comes from a script under `bench/` (the command is given with each table), run on the
project's 2-core, 24 GB shared machine. Wall times on this machine move with other people's load: compare
figures within one table (measured side by side in one run), and prefer the ratios and CPU seconds quoted.
Quality figures use the corpora in `../shared/corpora` with the metric their READMEs define.
"""


def main() -> None:
    parts = [HEADER]
    res = REPO / "bench" / "results"
    names = [n for n in ORDER if (res / f"{n}.md").exists()]
    names += sorted(p.stem for p in res.glob("*.md") if p.stem not in ORDER)
    for n in names:
        text = (res / f"{n}.md").read_text().strip()
        parts.append(text if text.startswith("#") else f"## {n}\n\n{text}")
    (REPO / "BENCHMARKS.md").write_text("\n\n".join(parts) + "\n")
    print(f"BENCHMARKS.md: {', '.join(names)}")


if __name__ == "__main__":
    main()
