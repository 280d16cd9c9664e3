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


def test_serve_applies_the_upload_limit_it_is_given(tmp_path, seeds):
    """`storytrace serve --max-upload-mb` is the limit a real server enforces: a body over it gets 413 before
    anything is read or stored; a nonsense limit is refused by the command line."""
    import socket
    import time
    import urllib.error
    import urllib.request

    db = str(tmp_path / "s.db")
    main(["add", str(seeds / "000_8deb42605360a575.txt"), "--db", db, "--quiet"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "storytrace.cli", "serve", "--db", db, "--port", str(port),
                             "--max-upload-mb", "0.05", "--quiet"], stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/articles", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        body = (seeds / "000_8deb42605360a575.txt").read_bytes() * 30  # ~100 KB > 50 KiB
        req = urllib.request.Request(base + "/api/articles", data=body, method="POST",
                                     headers={"Content-Type": "text/plain", "Origin": base})
        try:
            urllib.request.urlopen(req, timeout=10)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == 413
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run([sys.executable, "-m", "storytrace.cli", "serve", "--db", db, "--max-upload-mb", "-1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "max-upload-mb" in bad.stderr
