"""Readers under hostile and broken input, built from real corpus documents.

People feed storytrace whatever the web serves. For every format (text, HTML, JSONL, JSON,
RSS, Atom, WARC, each optionally gzipped) the readers must: never raise, never hang, never
read a local file through XML, never expand an entity bomb or a gzip bomb, cut oversize
input at the configured `Limits`, and turn every failure into a `Rejection` with a one-line
reason naming the input. What comes out must be storable.

Scale the example counts up with STORYTRACE_FUZZ_SCALE=10 (bench/reliability_fuzz.py does).
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import signal
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from storytrace.ingest import DEFAULT_LIMITS, Limits, read_bytes
from storytrace.ingest.limits import size_text
from storytrace.model import Article, Rejection, article_id
from storytrace.store import Store

SCALE = float(os.environ.get("STORYTRACE_FUZZ_SCALE", "1"))
CORPORA = Path()  # set from the `corpora` fixture before any test runs
PASSWD_MARKERS = ("root:x:0:0", "root:*:0:0", "/bin/bash", "/usr/sbin/nologin", "daemon:x:")
# Small limits keep each example fast; the default limits are exercised by the bomb tests.
FAST = Limits(max_article_bytes=256 * 1024, max_container_bytes=16 * 1024 * 1024)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                derandomize=SCALE == 1)


def n(examples: int) -> int:
    return max(1, int(examples * SCALE))


@pytest.fixture(autouse=True, scope="module")
def _corpora(corpora):
    global CORPORA
    CORPORA = corpora


class Hang(BaseException):
    """BaseException so that no `except Exception` in a reader can swallow the timeout."""


@contextmanager
def bounded(seconds: float):
    def on_alarm(*_):
        raise Hang(f"reader still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    # The alarm can land in a gc callback that swallows it: check the clock as well.
    assert time.monotonic() - t0 < seconds, f"reader still running after {seconds} s"


_STORE: list[Store] = []


def _store() -> Store:
    if not _STORE:
        _STORE.append(Store(":memory:"))
    return _STORE[0]


def read_checked(data: bytes, name: str, limits: Limits = FAST, seconds: float = 30) -> list[Article | Rejection]:
    """Read under a time bound and check the contract every reader promises; store the result."""
    with bounded(seconds):
        items = read_bytes(data, name, limits)
    for it in items:
        assert isinstance(it, (Article, Rejection)), type(it)
        assert it.path.startswith(name), (it.path, name)
        if isinstance(it, Rejection):
            assert isinstance(it.reason, str) and it.reason.strip() and "\n" not in it.reason, it
        else:
            assert it.text.strip() and len(it.text) >= limits.min_text_chars
            assert it.id == article_id(it.text)
            for v in (it.text, it.title, it.url, it.outlet, it.byline, it.published, it.external_id):
                if v:
                    v.encode("utf-8")  # no lone surrogates: the store and the id need UTF-8
                    assert not any(m in v for m in PASSWD_MARKERS), "local file content leaked"
    _store().add(items)  # whatever a reader returns, the store takes in one transaction
    return items


def arts(items):
    return [i for i in items if isinstance(i, Article)]


def rejs(items):
    return [i for i in items if isinstance(i, Rejection)]


# -- real documents to start from ----------------------------------------------------------

@lru_cache(maxsize=None)
def rows() -> tuple[dict, ...]:
    with open(CORPORA / "basil/articles.jsonl", encoding="utf-8") as fh:
        return tuple(json.loads(next(fh)) for _ in range(6))


@lru_cache(maxsize=None)
def pages() -> tuple[bytes, ...]:
    # The two smallest real pages of the extraction corpus keep HTML extraction quick.
    files = sorted((CORPORA / "extraction/html").glob("*.html.gz"), key=lambda p: p.stat().st_size)[:2]
    return tuple(gzip.decompress(p.read_bytes()) for p in files)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rss(rs) -> bytes:
    items = "".join(f"<item><title>{_esc(r['title'])}</title><link>https://example.org/{i}</link>"
                    f"<pubDate>Mon, 0{i + 1} Jan 2018 10:00:00 GMT</pubDate><description><![CDATA["
                    + "".join(f"<p>{p}</p>" for p in r["text"].split("\n") if p) + "]]></description></item>"
                    for i, r in enumerate(rs))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'.encode()


def atom(rs) -> bytes:
    entries = "".join(f'<entry><title>{_esc(r["title"])}</title><link href="https://example.org/a{i}"/>'
                      f'<updated>2019-03-0{i + 1}T08:00:00Z</updated><content type="text">{_esc(r["text"])}</content></entry>'
                      for i, r in enumerate(rs))
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>{entries}</feed>'.encode()


def warc(bodies) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    w = WARCWriter(out, gzip=False)
    for i, body in enumerate(bodies):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(f"https://example.org/{i}", "response", payload=io.BytesIO(body),
                                            http_headers=http))
    return out.getvalue()


@lru_cache(maxsize=None)
def base(fmt: str) -> tuple[bytes, str]:
    r = rows()[:3]
    if fmt == "jsonl":
        return "\n".join(json.dumps(x) for x in r).encode() + b"\n", "real.jsonl"
    if fmt == "json":
        return json.dumps({"articles": list(r)}).encode(), "real.json"
    if fmt == "rss":
        return rss(r), "real.rss"
    if fmt == "atom":
        return atom(r), "real.atom"
    if fmt == "warc":
        return warc([pages()[0]]), "real.warc"
    if fmt == "html":
        return pages()[1], "real.html"
    return (r[0]["title"] + "\n\n" + r[0]["text"]).encode(), "real.txt"


FORMATS = ["jsonl", "json", "rss", "atom", "warc", "html", "txt"]
# Tokens that matter to some parser: markup, CDATA ends, entities, JSON syntax, BOMs, WARC headers.
TOKENS = [b"<", b">", b"]]>", b"&", b"&amp", b"&#0;", b"&#xD800;", b"<!ENTITY x 'y'>", b'"', b"{", b"}", b"[", b"]",
          b"\\", b"\\ud800", b"\r\n\r\n", b"\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80",
          b"WARC/1.0\r\n", b"Content-Length: 99999999\r\n", b"HTTP/1.1 200 OK\r\n", b"<![CDATA[", b"-->", b"<script>"]

mutation = st.tuples(st.sampled_from(["flip", "delete", "insert", "token", "dup", "truncate"]),
                     st.floats(0, 1), st.binary(min_size=1, max_size=12), st.sampled_from(TOKENS))


def mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for op, where, blob, token in ops:
        i = int(where * len(b)) if b else 0
        if op == "flip" and b:
            b[min(i, len(b) - 1)] ^= blob[0] or 1
        elif op == "delete":
            del b[i:i + len(blob) * 37]
        elif op == "insert":
            b[i:i] = blob
        elif op == "token":
            b[i:i] = token
        elif op == "dup":
            b[i:i] = b[i:i + 500]
        elif op == "truncate":
            del b[i:]
    return bytes(b)


@settings(max_examples=n(70), **SETTINGS)
@given(fmt=st.sampled_from(FORMATS), ops=st.lists(mutation, max_size=6), gz=st.booleans(),
       cut=st.one_of(st.none(), st.floats(0, 1)), sniff=st.booleans())
def test_mutated_real_documents_of_every_format_never_crash_or_hang(fmt, ops, gz, cut, sniff):
    data, name = base(fmt)
    data = mutate(data, ops)
    if gz:
        data = gzip.compress(data)
        if cut is not None:
            data = data[: int(cut * len(data))]
        name += ".gz"
    if sniff:
        name = "upload"  # no extension: the format comes from the content
    read_checked(data, name)


def test_unmutated_bases_are_read():
    # The fuzz above starts from documents that really are articles: check they are read as such.
    for fmt in FORMATS:
        data, name = base(fmt)
        items = read_checked(data, name)
        assert arts(items) and not rejs(items), (fmt, rejs(items))
        zipped = read_checked(gzip.compress(data), name + ".gz")
        assert [a.id for a in arts(zipped)] == [a.id for a in arts(items)]


# -- deeply nested JSON ------------------------------------------------------------------

def nested(depth: int, shape: str) -> str:
    """A JSON value nested `depth` levels deep: lists, objects, or both alternating."""
    opens, closes = [], []
    for i in range(depth):
        as_list = shape == "list" or (shape == "mixed" and i % 2 == 0)
        opens.append("[" if as_list else '{"a":')
        closes.append("]" if as_list else "}")
    return "".join(opens) + "1" + "".join(reversed(closes))


@settings(max_examples=n(35), **SETTINGS)
@given(depth=st.one_of(st.integers(1, 80), st.integers(80, 5000), st.just(50_000)),
       shape=st.sampled_from(["list", "dict", "mixed"]), limit=st.integers(2, 40),
       fmt=st.sampled_from(["jsonl", "json"]), row=st.integers(0, 5), brackets_in_text=st.booleans())
def test_nested_json_refused_beyond_the_configured_depth(depth, shape, limit, fmt, row, brackets_in_text):
    text = rows()[row]["text"]
    if brackets_in_text:
        text = "[[[[{{{{ " + text + " ]]]]}}}}"  # brackets inside strings are no nesting
    meta = nested(depth, shape)
    # The article object is one level; "meta" adds its own depth.
    line = '{"text": ' + json.dumps(text) + ', "meta": ' + meta + "}"
    real_depth = 1 + depth
    limits = Limits(max_json_depth=limit)
    items = read_checked(line.encode() + b"\n", "nested." + fmt, limits, seconds=30)
    if real_depth > limit:
        assert not arts(items) and len(rejs(items)) == 1
        assert "nested" in rejs(items)[0].reason
    else:
        assert len(arts(items)) == 1 and not rejs(items)


# -- XML attacks: entity bombs, external entities --------------------------------------------

BODY = "Officials said the bridge would reopen on Monday after inspectors finished their work. " * 3
LOLS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
ATTACKS = {
    "billion_laughs": f'<?xml version="1.0"?><!DOCTYPE rss [{LOLS}]><rss version="2.0"><channel><title>&lol9;</title>'
                      f"<item><title>&lol9;</title><description>{BODY} &lol9;</description></item></channel></rss>",
    "quadratic_blowup": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 20000 + '">]><rss><channel>'
                        f"<item><description>{BODY}" + "&a;" * 20000 + "</description></item></channel></rss>",
    "external_entity": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0">'
                       f"<channel><title>x</title><item><title>&xxe;</title><description>{BODY} &xxe;</description>"
                       "</item></channel></rss>",
    "external_entity_atom": '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "/etc/passwd">]>'
                            f'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&xxe;</title><content>{BODY} &xxe;'
                            "</content></entry></feed>",
    "parameter_entity": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
                        f"<rss><channel><item><description>{BODY}</description></item></channel></rss>",
    "external_dtd": '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">'
                    f"<rss><channel><item><description>{BODY}</description></item></channel></rss>",
    "xinclude": '<?xml version="1.0"?><rss xmlns:xi="http://www.w3.org/2001/XInclude"><channel><item><description>'
                f'{BODY}<xi:include href="file:///etc/passwd" parse="text"/></description></item></channel></rss>',
    "xhtml_external_entity": '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                             f"<html><head><title>&xxe;</title></head><body><article><p>{BODY} &xxe;</p></article></body></html>",
    "xhtml_billion_laughs": f'<?xml version="1.0"?><!DOCTYPE html [{LOLS}]><html><body><article><p>{BODY}&lol9;</p>'
                            "</article></body></html>",
}
ENTITY_ATTACKS = {"billion_laughs", "quadratic_blowup", "external_entity", "external_entity_atom", "parameter_entity"}


def _wrap(doc: str, name: str) -> tuple[bytes, str]:
    """The same attack delivered under each name and container."""
    if name.endswith(".jsonl"):
        return json.dumps({"html": doc, "title": "t"}).encode() + b"\n", name
    if name.endswith(".warc"):
        return warc([doc.encode()]), name
    if name.endswith(".gz"):
        return gzip.compress(doc.encode()), name
    return doc.encode(), name


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("name", ["a.rss", "a.atom", "a.xml", "a.txt", "upload", "a.html", "a.xhtml", "a.rss.gz",
                                  "a.jsonl", "a.warc"])
def test_xml_attacks_never_read_local_files_or_expand(attack, name):
    doc = ATTACKS[attack]
    data, name = _wrap(doc, name)
    items = read_checked(data, name, DEFAULT_LIMITS, seconds=30)  # read_checked fails on any passwd content
    out_chars = sum(len(a.text) + len(a.title or "") for a in arts(items))
    assert out_chars <= len(doc), "an entity was expanded"
    assert "lollollol" not in " ".join(a.text + (a.title or "") for a in arts(items))
    feed_reader = name.split(".", 1)[-1] in ("rss", "atom", "xml", "rss.gz")
    # Unnamed or .txt input is sniffed as a feed from its first 2 KB; a 20 KB DOCTYPE hides the
    # root, so that one is read as plain text (no expansion either way: checked above).
    feed_reader |= (name.endswith(".txt") or name == "upload") and attack != "quadratic_blowup"
    if feed_reader and attack in ENTITY_ATTACKS:
        assert not arts(items) and "unsafe XML" in rejs(items)[0].reason


# -- gzip bombs, truncated gzip ------------------------------------------------------------

def _bomb(kind: str) -> bytes:
    if kind == "zeros":
        return gzip.compress(bytes(16 * 1024 * 1024), 9)
    if kind == "newlines":
        return gzip.compress(b"\n" * (16 * 1024 * 1024), 9)
    if kind == "json_lines":
        return gzip.compress(b'{"a": 1}\n' * (2 * 1024 * 1024), 9)
    if kind == "after_real_lines":  # real articles first, the bomb after them
        real = "\n".join(json.dumps(r) for r in rows()[:3]).encode() + b"\n"
        return gzip.compress(real + b" " * (16 * 1024 * 1024), 9)
    if kind == "members":  # many concatenated gzip members, each a small bomb
        return gzip.compress(bytes(1024 * 1024), 9) * 16
    if kind == "nested":  # a gzip inside a gzip: the inner one is binary to us
        return gzip.compress(gzip.compress(bytes(16 * 1024 * 1024), 9), 9)
    if kind == "warc_header":
        return gzip.compress(b"WARC/1.0\r\n" + bytes(16 * 1024 * 1024), 9)
    raise ValueError(kind)


_BOMBS: dict[str, bytes] = {}


@pytest.mark.parametrize("kind", ["zeros", "newlines", "json_lines", "after_real_lines", "members", "nested",
                                  "warc_header"])
@pytest.mark.parametrize("name", ["a.jsonl.gz", "a.rss.gz", "a.warc.gz", "a.html.gz", "upload"])
def test_gzip_bombs_are_cut_off_at_the_configured_limits(kind, name):
    data = _BOMBS.setdefault(kind, _bomb(kind))
    assert len(data) < 1024 * 1024  # a small download that would decompress to 16 MiB or more
    limits = Limits(max_article_bytes=64 * 1024, max_container_bytes=256 * 1024)
    items = read_checked(data, name, limits, seconds=30)
    assert rejs(items)
    if kind == "after_real_lines" and name in ("a.jsonl.gz", "upload"):
        assert len(arts(items)) == 3  # what came before the bomb is kept
    else:
        assert not arts(items)
    if kind in ("zeros", "newlines", "after_real_lines") and name in ("a.jsonl.gz", "a.rss.gz"):
        assert re.search(r"exceeds 256 KiB|larger than 256 KiB", rejs(items)[-1].reason), rejs(items)[-1]


@pytest.mark.parametrize("name", ["a.jsonl.gz", "a.rss.gz"])
def test_gzip_bomb_refused_by_ratio_at_default_limits(name):
    data = _BOMBS.setdefault("zeros", _bomb("zeros"))
    items = read_checked(data, name, DEFAULT_LIMITS, seconds=30)
    assert not arts(items) and "bomb" in rejs(items)[-1].reason


def test_a_flood_of_junk_lines_gives_a_bounded_list_of_reasons():
    data = gzip.compress(b"{x\n" * 20_000)
    items = read_checked(data, "junk.jsonl.gz", Limits(max_rejections_per_file=50), seconds=30)
    assert len(items) == 51 and all(isinstance(i, Rejection) for i in items)
    assert items[-1].reason.startswith("19950 more lines rejected")


@settings(max_examples=n(40), **SETTINGS)
@given(cut=st.integers(0, 10_000), fmt=st.sampled_from(["jsonl", "rss", "warc", "txt"]))
def test_truncated_gzip_keeps_what_is_complete_and_says_why(cut, fmt):
    data, name = base(fmt)
    full = read_checked(gzip.compress(data), name + ".gz")
    z = gzip.compress(data)
    cut = cut % len(z)
    items = read_checked(z[:cut], name + ".gz")
    assert {a.id for a in arts(items)} <= {a.id for a in arts(full)}
    assert rejs(items), "a truncated file must say so"
    if fmt == "jsonl" and cut > 20:
        assert any(re.search(r"corrupt|unreadable|ended|malformed", r.reason) for r in rejs(items))


# -- oversize inputs at a configured limit ---------------------------------------------------

@settings(max_examples=n(40), **SETTINGS)
@given(cap_kib=st.integers(1, 64), size_kib=st.integers(1, 96), fmt=st.sampled_from(["txt", "html", "jsonl", "rss", "warc"]))
def test_oversize_articles_are_refused_at_the_configured_limit(cap_kib, size_kib, fmt):
    cap = cap_kib * 1024
    text = (" ".join(r["text"] for r in rows()) * 20)[: size_kib * 1024]
    limits = Limits(max_article_bytes=cap)
    if fmt == "txt":
        data, raw = text.encode(), len(text.encode())
    elif fmt == "html":
        data = f"<html><body><article><p>{_esc(text)}</p></article></body></html>".encode()
        raw = len(data)
    elif fmt == "jsonl":
        data = json.dumps({"text": text}).encode() + b"\n"
        raw = len(data)
    elif fmt == "rss":
        data = f"<rss><channel><item><description>{_esc(text)}</description></item></channel></rss>".encode()
        raw = len(text.encode())
    else:
        data = warc([f"<html><body><article><p>{_esc(text)}</p></article></body></html>".encode()])
        raw = len(f"<html><body><article><p>{_esc(text)}</p></article></body></html>".encode())
    items = read_checked(data, "big." + fmt, limits)
    over = raw > cap + 2  # a trailing newline is no article byte
    if over:
        assert not arts(items) and len(rejs(items)) == 1
        r = rejs(items)[0].reason
        assert re.search(r"larger|longer", r), r
        if fmt in ("txt", "html", "jsonl"):
            assert size_text(cap) in r, r  # the configured limit is named, not "0 MiB"
    elif raw < cap - 64:
        assert len(arts(items)) == 1, rejs(items)


def test_oversize_container_refused_at_the_configured_limit():
    line = json.dumps(rows()[0]).encode() + b"\n"
    data = line * (2 * 1024 * 1024 // len(line) + 1)
    items = read_checked(data, "many.jsonl", Limits(max_container_bytes=1024 * 1024))
    assert rejs(items) and "exceeds 1 MiB" in rejs(items)[-1].reason
    assert 0 < len(arts(items)) < data.count(b"\n")  # articles up to the limit are kept


# -- encodings -----------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1"]


@settings(max_examples=n(40), **SETTINGS)
@given(row=st.integers(0, 5), enc=st.sampled_from(ENCODINGS), fmt=st.sampled_from(["txt", "html", "json"]))
def test_same_article_in_any_encoding_gets_the_same_id(row, enc, fmt):
    r = rows()[row]
    text = r["title"] + "\n\n" + r["text"]
    if fmt == "html":
        text = f"<html><head><title>{_esc(r['title'])}</title></head><body><article>" + "".join(
            f"<p>{_esc(p)}</p>" for p in r["text"].split("\n") if p) + "</article></body></html>"
    elif fmt == "json":
        text = json.dumps({"title": r["title"], "text": r["text"]}, ensure_ascii=False)
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode(enc, "replace") if enc in ("cp1252", "latin-1") else text.encode("utf-8")
        text = data.decode(enc)
    [ref] = read_checked(text.encode("utf-8"), "a." + fmt)
    [got] = read_checked(data, "a." + fmt)
    assert isinstance(got, Article), got
    assert got.id == ref.id


@settings(max_examples=n(40), **SETTINGS)
@given(encs=st.lists(st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-8-sig", "koi8-r", "shift_jis", "junk"]),
                     min_size=2, max_size=6))
def test_jsonl_lines_in_mixed_encodings_are_read_line_by_line(encs):
    lines = []
    for i, enc in enumerate(encs):
        r = rows()[i % 6]
        if enc == "junk":
            lines.append(bytes(range(128, 256)))
            continue
        lines.append(json.dumps({"title": r["title"], "text": r["text"] + " \u00e9t\u00e9 \u00a3"},
                                ensure_ascii=False).encode(enc, "replace"))
    items = read_checked(b"\n".join(lines) + b"\n", "mixed.jsonl")
    # One outcome per line: a bad line never takes the others down with it.
    assert len(items) == len(lines)
    for enc, it in zip(encs, items):
        if enc in ("utf-8", "cp1252", "latin-1", "utf-8-sig"):
            assert isinstance(it, Article), it
            assert "\u00a3" in it.text  # the pound sign survives whatever the line's encoding


def test_one_bad_json_line_never_loses_the_rest_of_the_file():
    good = [json.dumps({"text": r["text"]}) for r in rows()[:3]]
    bad = ['{"text": "' + rows()[3]["text"][:200].replace('"', "'") + ' \\ud800", "title": "\\udfff"}',
           '{"text": "x", "id": ' + "9" * 5000 + "}"]
    data = "\n".join([good[0], bad[0], good[1], bad[1], good[2]]).encode() + b"\n"
    items = read_checked(data, "b.jsonl")
    assert [i.path.rsplit(":", 1)[1] for i in items] == ["1", "2", "3", "4", "5"]
    assert len(arts(items)) == 4 and "\ufffd" in items[1].text
    assert "malformed JSON" in items[3].reason


def test_malformed_warc_records_are_rejected_not_raised():
    body = f"<html><body><article><p>{BODY}</p></article></body></html>".encode()
    no_uri = (b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: %d\r\nContent-Type: application/http; msgtype=response"
              b"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" % (len(body) + 44)) + body
    bad_status = warc([body]).replace(b"HTTP/1.1 200 OK", b"\xff\xfe garbage")
    huge_length = warc([body]).replace(b"Content-Length: ", b"Content-Length: 99999999", 1)
    for data in (no_uri, bad_status, huge_length, b"WARC/1.0\r\n" + b"x" * (3 * 1024 * 1024)):
        items = read_checked(data, "a.warc", Limits(max_article_bytes=1024 * 1024), seconds=20)
        assert all(isinstance(i, (Article, Rejection)) for i in items) and items


@pytest.mark.parametrize("charset", ["bogus-enc", "rot13", "base64", "zlib_codec", "hex", "utf-7", "utf-32", "x" * 300,
                                     "utf-16"])
def test_hostile_encoding_declarations_never_raise(charset):
    # The web serves feeds and pages declaring encodings that do not exist, that are codecs
    # rather than text encodings, or that are wrong; the bytes here are UTF-8.
    text = BODY + " caf\u00e9"
    feed = (f'<?xml version="1.0" encoding="{charset}"?><rss><channel><item><description>{text}</description>'
            "</item></channel></rss>").encode()
    page = (f'<html><head><meta charset="{charset}"><meta http-equiv="Content-Type" content="text/html; '
            f'charset={charset}"></head><body><article><p>{text}</p></article></body></html>').encode()
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    w = WARCWriter(out, gzip=False)
    w.write_record(w.create_warc_record("https://example.org/", "response", payload=io.BytesIO(page), http_headers=
                                        StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}")],
                                                         protocol="HTTP/1.1")))
    for data, name in ((feed, "a.rss"), (feed, "upload"), (page, "a.html"), (out.getvalue(), "a.warc")):
        items = read_checked(data, name)
        assert len(items) == 1
        if name in ("a.rss", "upload") and charset == "utf-16":
            assert "encoding" in rejs(items)[0].reason  # declared UTF-16, no BOM, 8-bit bytes: refused, said why
        else:
            assert arts(items) and arts(items)[0].text.endswith("caf\u00e9"), (name, items)
