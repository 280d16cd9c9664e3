"""`storytrace add --analyze` then `analyze --db`: incremental runs give what --full gives."""
import json
import re

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


def test_add_says_where_each_new_article_landed(tmp_path, seeds, capsys):
    """`add --analyze` answers "where did it go?": the fourth report of the story joins the event of
    the first three, the later follow-up starts a new event in the same storyline, each with the
    words that put it there; the placement is the batch analysis of the grown store."""
    db = str(tmp_path / "news.db")
    files = sorted(seeds.glob("*.txt"))
    assert main(["add", *map(str, files[:3]), "--db", db, "--analyze", "--quiet"]) == 0
    first = capsys.readouterr().out
    assert "placed 3 new article(s): new story: 3" in first
    assert main(["add", str(seeds), "--db", db, "--analyze", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    placed = dict(m.groups() for m in map(re.compile(r"storytrace: placed ([0-9a-f]{16}): (.*)").match, lines) if m)
    assert len(placed) == 2, lines
    started = next(i for i, ln in placed.items() if ln.startswith("started "))
    joined = next(i for i, ln in placed.items() if ln.startswith("joined "))
    assert "continuing storyline" in placed[started] and "(2 events)" in placed[started]
    assert "(3 earlier articles)" in placed[joined] and "shared: " in placed[joined] and "drones" in placed[joined]
    assert "new event in a storyline: 1; joined event: 1" in lines[-2]
    # The one that started an event is the follow-up weeks later (file 003), the one that joined
    # is the aggregator's copy of the report (file 004).
    from storytrace.store import Store

    with Store(db) as s:
        path_of = {a.id: a.path for a in s.articles()}
    assert "003_" in path_of[started] and "004_" in path_of[joined]


def test_an_unrelated_article_is_placed_alone_with_the_reason(tmp_path, seeds, corpora, capsys):
    """An article on another happening (a BASIL news report) added to the sample story stands alone,
    and the line says why instead of naming shared words."""
    db = str(tmp_path / "news.db")
    assert main(["add", str(seeds), "--db", db, "--quiet"]) == 0
    first = (corpora / "basil/articles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (tmp_path / "other.jsonl").write_text(first, encoding="utf-8")
    capsys.readouterr()
    assert main(["add", str(tmp_path / "other.jsonl"), "--db", db, "--analyze", "--quiet"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("storytrace: placed ") and "new article(s)" not in ln)
    assert re.search(r"placed [0-9a-f]{16}: alone in ev-[0-9a-f]+ \(no other article similar enough\)", line), line
    assert "placed 1 new article(s): alone: 1" in out


def test_uploads_through_the_api_say_where_they_landed(tmp_path, seeds):
    """The web UI's add path (`api.add_texts`) returns the same placement lines as the CLI."""
    from storytrace.api import add_texts

    files = sorted(seeds.glob("*.txt"))
    db = tmp_path / "w.db"
    first = add_texts(db, [(f.name, f.read_bytes()) for f in files[:3]])
    assert len(first["new"]) == 3 and len(first["placed"]) == 3
    assert all(": started ev-" in p and "a new story" in p for p in first["placed"])
    more = add_texts(db, [(f.name, f.read_bytes()) for f in files[3:]])
    assert any(": joined ev-" in p and "(3 earlier articles)" in p for p in more["placed"]), more["placed"]
    assert any("continuing storyline" in p for p in more["placed"]), more["placed"]
    again = add_texts(db, [(files[0].name, files[0].read_bytes())])
    assert again["new"] == [] and again["placed"] == [] and len(again["duplicates"]) == 1
