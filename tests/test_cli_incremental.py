"""`storytrace add --analyze` then `analyze --db`: incremental runs give what --full gives."""
import json

from storytrace.cli import main


def _doc(out) -> dict:
    doc = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    return {k: v for k, v in doc.items() if k not in ("timings", "cached_results")}


def test_add_one_by_one_then_analyze_equals_full(tmp_path, seeds, capsys):
    db = str(tmp_path / "news.db")
    files = sorted(seeds.glob("*.txt"))
    assert len(files) == 5
    for f in files:  # a newsroom adding articles as they come
        assert main(["add", str(f), "--db", db, "--analyze"]) == 0
    err = capsys.readouterr().err
    assert "incremental analysis, computed only: stories 1 of 5" in err  # the 5th add recomputed one article
    assert main(["analyze", "--db", db, "--out", str(tmp_path / "inc"), "--quiet"]) == 0
    assert main(["analyze", "--db", db, "--out", str(tmp_path / "full"), "--quiet", "--full"]) == 0
    inc, full = _doc(tmp_path / "inc"), _doc(tmp_path / "full")
    assert len(inc["articles"]) == 5 and inc["events"] and inc["claims"]
    assert inc == full
    # The sample corpus is one story: every article in one storyline.
    assert len(inc["storylines"]) == 1 and sum(len(e["article_ids"]) for e in inc["events"]) == 5
