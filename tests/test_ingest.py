"""Readers on real inputs of every format, and every kind of bad input."""
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from storytrace.ingest import read_bytes, read_paths
from storytrace.model import Article, Rejection


def _rows(corpora, name, n):
    with open(corpora / name / "articles.jsonl", encoding="utf-8") as fh:
        return [json.loads(next(fh)) for _ in range(n)]


def _split(items):
    items = list(items)
    arts = [i for i in items if isinstance(i, Article)]
    rej = [i for i in items if isinstance(i, Rejection)]
    return arts, rej


def test_jsonl_corpus_schema_and_dates(corpora):
    arts, rej = _split(read_paths([corpora / "giveme5w1h/articles.jsonl"]))
    assert not rej and len(arts) == 383
    a = arts[0]
    assert a.external_id and a.outlet and a.title and a.path.endswith("articles.jsonl:1")
    assert sum(1 for x in arts if x.published) > 300
    assert all(x.published is None or x.published[:4].isdigit() for x in arts)


def test_jsonl_field_variants_and_broken_lines(tmp_path, corpora):
    rows = _rows(corpora, "basil", 3)
    lines = [
        json.dumps({"content": rows[0]["text"], "headline": rows[0]["title"], "source": {"name": rows[0]["outlet"]},
                    "date": rows[0]["published"], "_id": "x1", "link": rows[0]["url"], "authors": ["A. Writer"]}),
        "{not json",
        json.dumps({"body": rows[1]["text"], "publisher": "P", "pubDate": "Tue, 10 Apr 2018 10:00:00 GMT"}),
        json.dumps({"title": "no text here"}),
        "[" * 5000 + "]" * 5000,
        json.dumps({"text": rows[2]["text"]}),
    ]
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    arts, rej = _split(read_paths([f]))
    assert len(arts) == 3
    assert arts[0].title == rows[0]["title"] and arts[0].outlet == rows[0]["outlet"]
    assert arts[0].external_id == "x1" and arts[0].byline == "A. Writer"
    assert arts[0].published == rows[0]["published"]
    assert arts[1].published == "2018-04-10T10:00+00:00"
    reasons = {r.path.rsplit(":", 1)[1]: r.reason for r in rej}
    assert set(reasons) == {"2", "4", "5"}
    assert "malformed JSON" in reasons["2"] and "no text field" in reasons["4"] and "nested" in reasons["5"]


def test_json_array_file(tmp_path, corpora):
    rows = _rows(corpora, "ecbplus", 4)
    f = tmp_path / "batch.json"
    f.write_text(json.dumps({"articles": rows}), encoding="utf-8")
    arts, rej = _split(read_paths([f]))
    assert len(arts) == 4 and not rej


def _rss(rows):
    items = "".join(
        f"<item><title>{r['title']}</title><link>https://example.org/{i}</link>"
        f"<pubDate>Mon, 0{i + 1} Jan 2018 10:00:00 GMT</pubDate>"
        f"<description><![CDATA[{''.join('<p>' + p + '</p>' for p in r['text'].split(chr(10)) if p)}]]></description></item>"
        for i, r in enumerate(rows))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed Outlet</title>{items}</channel></rss>'


def test_rss_and_atom_feeds(tmp_path, corpora):
    rows = _rows(corpora, "basil", 3)
    (tmp_path / "feed.rss").write_text(_rss(rows), encoding="utf-8")
    entries = "".join(
        f'<entry><title>{r["title"]}</title><link href="https://example.org/a{i}"/><updated>2019-03-0{i + 1}T08:00:00Z</updated>'
        f'<author><name>W</name></author><content type="text">{r["text"].replace("&", "&amp;").replace("<", "&lt;")}</content></entry>'
        for i, r in enumerate(rows))
    (tmp_path / "feed.atom").write_text(
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Outlet</title>{entries}</feed>', encoding="utf-8")
    arts, rej = _split(read_paths([tmp_path]))
    assert not rej and len(arts) == 6
    rss = [a for a in arts if a.path.endswith(".rss#item1")][0]
    assert rss.outlet == "Feed Outlet" and rss.url == "https://example.org/0" and rss.published.startswith("2018-01-01")
    atom = [a for a in arts if "feed.atom" in a.path]
    assert {a.url for a in atom} == {"https://example.org/a0", "https://example.org/a1", "https://example.org/a2"}
    assert atom[0].byline == "W" and atom[0].outlet == "Atom Outlet"
    # The same article in both feeds is one id.
    assert len({a.id for a in arts}) == 3


def test_malformed_and_hostile_feeds(tmp_path):
    (tmp_path / "broken.xml").write_text("<rss><channel><item><title>x</item></rss>", encoding="utf-8")
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><item><description>&c;</description></item></channel></rss>')
    (tmp_path / "bomb.rss").write_text(bomb, encoding="utf-8")
    arts, rej = _split(read_paths([tmp_path]))
    assert not arts
    reasons = {Path(r.path).name: r.reason for r in rej}
    assert "malformed XML" in reasons["broken.xml"]
    assert "unsafe XML" in reasons["bomb.rss"]


def test_warc_html_records(tmp_path, corpora):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = sorted((corpora / "extraction/html").glob("*.html.gz"))[:3]
    out = tmp_path / "crawl.warc.gz"
    with open(out, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i, p in enumerate(pages):
            body = gzip.decompress(p.read_bytes())
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://example.org/{i}", "response", payload=io.BytesIO(body),
                                                http_headers=http))
        w.write_record(w.create_warc_record("https://example.org/robots.txt", "response", payload=io.BytesIO(b"x"),
                                            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/plain")],
                                                                          protocol="HTTP/1.1")))
    arts, rej = _split(read_paths([out]))
    assert len(arts) == 3 and not rej
    assert all(a.url.startswith("https://example.org/") and len(a.text) > 200 for a in arts)


def test_latin1_wire_text_decoded(corpora):
    # METER raw files are latin-1 bytes; the pound sign must survive decoding.
    files = sorted((corpora / "meter/raw").rglob("*.txt"))
    raw = next(f for f in files if b"\xa3" in f.read_bytes())
    [a] = list(read_paths([raw]))
    assert "\u00a3" in a.text and "\ufffd" not in a.text


def test_directory_recursion_gzip_and_duplicates(tmp_path, seeds):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for f in seeds.glob("*.txt"):
        (tmp_path / "a" / f.name).write_bytes(f.read_bytes())
        (tmp_path / "a" / "b" / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
    arts, rej = _split(read_paths([tmp_path]))
    assert len(arts) == 10 and not rej
    assert len({a.id for a in arts}) == 5


def test_bad_inputs_are_rejected_with_reasons(tmp_path, seeds):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "promo.txt").write_text("Get the news faster.\nTap to install our app.\nX\n", encoding="utf-8")
    (tmp_path / "huge.txt").write_bytes(b"word " * (9 * 1024 * 1024 // 5 + 10))
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\n" * (12 * 1024 * 1024)))
    (tmp_path / "zeros.txt.gz").write_bytes(gzip.compress(bytes(30 * 1024 * 1024)))
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"garbage" * 20)
    good = next(seeds.glob("001_*.txt"))
    (tmp_path / "good.txt").write_bytes(good.read_bytes())
    items = list(read_paths([tmp_path, tmp_path / "missing.txt"]))
    arts, rej = _split(items)
    assert len(arts) == 1
    reasons = {Path(r.path).name: r.reason for r in rej}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "boilerplate" in reasons["promo.txt"]
    assert "larger than" in reasons["huge.txt"]
    assert "bomb" in reasons["bomb.jsonl.gz"]
    assert "bomb" in reasons["zeros.txt.gz"] or "larger than" in reasons["zeros.txt.gz"]
    assert "corrupt" in reasons["bad.gz"] or "unreadable" in reasons["bad.gz"]
    assert "no such file" in reasons["missing.txt"]


def test_stdin_is_read(seeds):
    data = next(seeds.glob("003_*.txt")).read_bytes()
    code = "from storytrace.ingest import read_paths; import sys; [print(a.title) for a in read_paths(['-'])]"
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True).stdout.decode()
    assert out.strip() == "Tehran and Moscow Join Forces to Develop Advanced Drone Technology"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), name=st.sampled_from(["a.txt", "a.jsonl", "a.json", "a.rss", "a.html",
                                                              "a.warc", "a.gz", "a"]))
def test_fuzz_any_bytes_any_format_never_crash(data, name):
    for item in read_bytes(data, name):
        assert isinstance(item, (Article, Rejection))
        if isinstance(item, Rejection):
            assert item.reason and item.path.startswith(name)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["text", "title", "date", "source", "id", "content", "url"]),
                                st.one_of(st.text(max_size=200), st.integers(), st.none(),
                                          st.lists(st.text(max_size=10), max_size=3)), max_size=6), max_size=5))
def test_fuzz_jsonl_records(records):
    data = "\n".join(json.dumps(r) for r in records).encode()
    items = read_bytes(data, "fuzz.jsonl")
    assert all(isinstance(i, (Article, Rejection)) for i in items)


def test_dataset_folder_reads_only_articles(tmp_path, corpora):
    """Pointing the tool at a dataset folder: its README is not an article, span annotations
    (a reference to an article plus character offsets) are not articles, and label-only records
    ("story": "DD.MM.YY/name") are too short to be news, each rejected with its reason."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "README.md").write_bytes((corpora / "basil/README.md").read_bytes())
    with open(corpora / "basil/articles.jsonl", encoding="utf-8") as fh:
        (folder / "articles.jsonl").write_text("".join(next(fh) for _ in range(3)), encoding="utf-8")
    with open(corpora / "basil/quotes.jsonl", encoding="utf-8") as fh:
        (folder / "quotes.jsonl").write_text("".join(next(fh) for _ in range(5)), encoding="utf-8")
    with open(corpora / "meter/gold.jsonl", encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh][:400]
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labels), encoding="utf-8")
    arts, rej = _split(read_paths([folder]))
    assert len(arts) == 3 and all(a.path.endswith(("articles.jsonl:1", "articles.jsonl:2", "articles.jsonl:3"))
                                  for a in arts)
    why = {r.path: r.reason for r in rej}
    assert "folder's documentation" in why[str(folder / "README.md")]
    assert sum("span annotation of document" in r for r in why.values()) == 5
    assert sum(r.startswith("too short") for p, r in why.items() if "labels.jsonl" in p) == 400
    # Named explicitly, a README is read like any text file.
    arts, _ = _split(read_paths([folder / "README.md"]))
    assert len(arts) == 1
