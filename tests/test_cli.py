"""The command line end to end on the sample corpus."""
import json
import subprocess
import sys

from storytrace.cli import main
from storytrace.pipeline import CONTRACT_KEYS


def test_analyze_writes_contract_and_report(tmp_path, seeds, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(seeds), "--out", str(out), "--quiet"]) == 0
    doc = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert doc["version"] == 1
    for k in CONTRACT_KEYS:
        assert isinstance(doc[k], list), k
    assert len(doc["articles"]) == 5 and doc["rejected"] == []
    for a in doc["articles"]:
        assert set(a) >= {"id", "path", "external_id", "url", "title", "outlet", "byline", "published",
                          "published_inferred", "language", "chars", "text", "truncated", "boilerplate_removed"}
        assert a["chars"] == len(a["text"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "http://" not in html.split("<body", 1)[0].replace("http://www.w3.org", "")
    assert (out / "storytrace.db").exists()
    assert "5 new" in capsys.readouterr().out


def test_partial_batch_exit_zero_and_summary(tmp_path, seeds, capsys):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "ok.txt").write_bytes(next(seeds.glob("001_*.txt")).read_bytes())
    code = main(["add", str(bad), "--db", str(tmp_path / "s.db"), "--quiet"])
    cap = capsys.readouterr()
    assert code == 0
    assert "partial" in cap.out and "1 rejected" in cap.out
    assert "empty.txt: empty file" in cap.err


def test_nothing_ingested_is_an_error(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["add", str(tmp_path / "empty.txt"), "--db", str(tmp_path / "s.db"), "--quiet"]) == 1


def test_readding_is_idempotent(tmp_path, seeds, capsys):
    db = str(tmp_path / "s.db")
    main(["add", str(seeds), "--db", db, "--quiet"])
    main(["add", str(seeds), "--db", db, "--quiet"])
    assert "0 new, 5 already stored" in capsys.readouterr().out.splitlines()[-1]


def test_help_shows_examples():
    for cmd in ("analyze", "add", "serve", "export"):
        out = subprocess.run([sys.executable, "-m", "storytrace.cli", cmd, "--help"], capture_output=True, text=True).stdout
        assert "example:" in out and "storytrace " + cmd in out


def test_no_progress_output_without_tty(tmp_path, seeds):
    r = subprocess.run([sys.executable, "-m", "storytrace.cli", "add", str(seeds), "--db", str(tmp_path / "s.db")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "it/s" not in r.stderr and "doc/s" not in r.stderr
