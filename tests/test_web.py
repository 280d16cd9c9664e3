"""The web UI over a stand-in store: pages, /api JSON, adding articles, and the safety rules.

`storytrace.store` and `storytrace.api` belong to the pipeline; until they exist these tests put
tiny stand-ins under those names (monkeypatched, only here) that hold a real analysis dict built
from corpora/seeds.
"""
from __future__ import annotations

import json
import sys
import types

import pytest
from fastapi.testclient import TestClient

from storytrace.web import create_app
from storytrace.web.app import safe_upload_name
from test_report_data import HOSTILE_TITLE, sample_analysis

BASE = "http://127.0.0.1:8000"


class FakeBackend:
    def __init__(self, analysis):
        self.analysis = analysis
        self.added: list[tuple[str, bytes]] = []

    def install(self, monkeypatch):
        backend = self

        class Store:
            def __init__(self, path):
                self.path = path

            def load_analysis(self):
                return backend.analysis

        def add_texts(db_path, items):
            backend.added.extend(items)
            if backend.analysis is None:
                backend.analysis = {"version": 1, "articles": []}
            for name, body in items:
                from storytrace.model import Article
                backend.analysis["articles"].append(Article(text=body.decode("utf-8"), path=name).to_dict())
            return {"added": len(items), "articles": len(backend.analysis["articles"])}

        store = types.ModuleType("storytrace.store")
        store.Store = Store
        api = types.ModuleType("storytrace.api")
        api.add_texts = add_texts
        monkeypatch.setitem(sys.modules, "storytrace.store", store)
        monkeypatch.setitem(sys.modules, "storytrace.api", api)


@pytest.fixture
def backend(seeds, monkeypatch):
    b = FakeBackend(sample_analysis(seeds))
    b.install(monkeypatch)
    return b


@pytest.fixture
def client(backend, tmp_path):
    return TestClient(create_app(str(tmp_path / "store.db")), base_url=BASE)


def test_pages_show_storylines_articles_sources_claims(client, backend):
    r = client.get("/")
    assert r.status_code == 200
    assert "Iran helps Russia build drones" in r.text
    assert "<sup class=\"cite\">" in r.text                       # summary sentences carry citations
    a = backend.analysis
    sl = client.get("/storylines/s1").text
    assert "<svg class=\"dgraph\"" in sl and "<svg class=\"tline\"" in sl
    ev = client.get("/events/e1").text
    assert "Why these articles are one event" in ev and "mean_similarity" in ev
    art_id = a["articles"][4]["id"]                                # the article with a quote, a conflict, no date
    page = client.get(f"/articles/{art_id}").text
    assert 'class="hl k-quote"' in page and "date unknown" in page
    assert 'src="/static/app.js"' in page
    # the other side of a reused passage lives on another article's page: the panel links there
    data = json.loads(page.split('id="ann-data">')[1].split("</script>")[0])
    other = [d for d in data.values() if d["k"] == "reuse"]
    assert other and all(d["oh"].startswith("/articles/" + a["articles"][1]["id"] + "#ann") for d in other)
    assert "The Hill" in client.get("/sources").text
    claims = client.get("/claims").text
    assert "conflict: position_change" in claims and 'class="echo"' in claims
    assert client.get("/articles/nope").status_code == 404
    assert client.get("/report").headers["content-security-policy"].startswith("default-src 'none'")


def test_search_finds_text_and_claims(client):
    r = client.get("/api/search", params={"q": "6,000 drones"})
    body = r.json()
    assert len(body["articles"]) == 1 and "6,000" in body["articles"][0]["snippet"]
    assert [c["id"] for c in body["claims"]] == ["c2"]
    assert client.get("/api/search", params={"q": "no such phrase anywhere"}).json()["articles"] == []
    html = client.get("/search", params={"q": "Knights"}).text
    assert "Intelligence Shows Iran" in html


def test_api_mirrors_the_analysis_and_has_an_openapi_schema(client, backend):
    a = backend.analysis
    assert client.get("/api/analysis").json()["articles"][0]["id"] == a["articles"][0]["id"]
    arts = client.get("/api/articles").json()
    assert len(arts) == 5 and all("text" not in x for x in arts)
    one = client.get(f"/api/articles/{a['articles'][1]['id']}").json()
    assert one["text"] == a["articles"][1]["text"] and len(one["derivations_out"]) == 3
    sl = client.get("/api/storylines/s1").json()
    assert 5 <= len(sl["summary"]) <= 8 and all(s["article_ids"] for s in sl["summary"])
    assert client.get("/api/claims").json()[0]["support"] == 3
    assert client.get("/api/events/zzz").status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/articles" in schema["paths"] and "/api/search" in schema["paths"]


def test_hostile_strings_are_escaped_and_urls_neutralised(client, backend):
    for path in ("/", "/storylines/s1", "/articles", f"/articles/{backend.analysis['articles'][0]['id']}",
                 f"/articles/{backend.analysis['articles'][3]['id']}", "/search?q=drone", "/report"):
        html = client.get(path).text
        assert HOSTILE_TITLE not in html and "<script>alert" not in html and "<img src=x" not in html, path
        assert 'href="javascript:' not in html.lower(), path
    html = client.get("/search", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_security_headers_and_local_host_only(client, tmp_path):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    evil = TestClient(create_app(str(tmp_path / "s.db")), base_url="http://evil.example")
    assert evil.get("/").status_code == 421                     # DNS rebinding: unknown Host refused


def test_add_by_paste_and_upload(client, backend, seeds):
    form = client.get("/add").text
    token = form.split('name="csrf" value="')[1].split('"')[0]
    text = (seeds / "003_151a477e1412b37b.txt").read_text(encoding="utf-8")
    r = client.post("/add", data={"csrf": token, "text": text, "title": "Pasted"},
                    files=[("files", ("../../etc/passwd", b"Some uploaded article text about drones.", "text/plain"))],
                    headers={"Origin": BASE})
    assert r.status_code == 200, r.text
    names = [n for n, _ in backend.added]
    assert names == ["passwd", "pasted.txt"]                      # no directories survive
    assert backend.added[1][1].decode().startswith("Pasted\n")
    assert "articles" in r.text and "7" in r.text
    # the new article shows up (the cache notices the add)
    assert len(client.get("/api/articles").json()) == 7


def test_write_routes_refuse_cross_site_and_missing_token(client, backend):
    token = client.get("/add").text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/add", data={"csrf": token, "text": "x y z"}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/add", data={"csrf": token, "text": "x y z"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/add", data={"csrf": "wrong", "text": "x y z"}).status_code == 403
    assert client.post("/api/articles", content=json.dumps({"items": [{"name": "a", "text": "t"}]}),
                       headers={"Content-Type": "text/plain"}).status_code == 415
    assert backend.added == []
    r = client.post("/api/articles", json={"items": [{"name": "dir/a.txt", "text": "An article."}]})
    assert r.status_code == 200 and r.json()["added"] == 1 and backend.added[0][0] == "a.txt"


def test_upload_size_limit(backend, tmp_path):
    c = TestClient(create_app(str(tmp_path / "s.db"), max_upload_bytes=1000), base_url=BASE)
    r = c.post("/api/articles", json={"items": [{"name": "big.txt", "text": "x" * 5000}]})
    assert r.status_code == 413 and backend.added == []


def test_empty_store_and_missing_store_module(tmp_path, monkeypatch):
    b = FakeBackend(None)
    b.install(monkeypatch)
    c = TestClient(create_app(str(tmp_path / "s.db")), base_url=BASE)
    r = c.get("/")
    assert r.status_code == 200 and "holds no analysis yet" in r.text
    assert c.get("/articles").status_code == 200 and c.get("/claims").status_code == 200
    assert c.get("/api/articles").json() == []
    monkeypatch.setitem(sys.modules, "storytrace.store", types.ModuleType("storytrace.store"))
    c2 = TestClient(create_app(str(tmp_path / "t.db")), base_url=BASE)
    r = c2.get("/")
    assert r.status_code == 503 and "store module is not available" in r.text


def test_upload_names_cannot_traverse():
    assert safe_upload_name("../../x/../etc/passwd", 0) == "passwd"
    assert safe_upload_name("C:\\Users\\me\\a.html", 0) == "a.html"
    assert safe_upload_name("..", 3) == "upload-3.txt"
    assert safe_upload_name("\x00.hidden", 1) == "hidden"


def test_a_deliberate_public_bind_can_answer_other_host_names(backend, tmp_path):
    c = TestClient(create_app(str(tmp_path / "s.db"), allowed_hosts=("*",)), base_url="http://newsroom-box:8000")
    assert c.get("/").status_code == 200
    # cross-site writes stay refused whatever the host
    assert c.post("/api/articles", json={"items": [{"text": "x"}]}, headers={"Origin": "http://evil.example"}).status_code == 403


def test_real_store_and_pipeline(seeds, tmp_path):
    """Against the lead's real store and pipeline (skipped until they import)."""
    from storytrace import api
    api.analyze([seeds], out=tmp_path / "out")
    db = tmp_path / "out" / "storytrace.db"
    c = TestClient(create_app(str(db)), base_url=BASE)
    arts = c.get("/api/articles").json()
    assert len(arts) == 5
    assert c.get(f"/articles/{arts[0]['id']}").status_code == 200
    for path in ("/", "/articles", "/sources", "/claims", "/report", "/search?q=drones"):
        assert c.get(path).status_code == 200, path
    text = (seeds / "003_151a477e1412b37b.txt").read_text(encoding="utf-8").replace("6,000", "7,000") + "\nA new paragraph."
    r = c.post("/api/articles", json={"items": [{"name": "follow-up.txt", "text": text}]})
    assert r.status_code == 200, r.text
    assert len(c.get("/api/articles").json()) == 6                 # the store changed: the UI sees it


def test_concurrent_oversize_uploads_are_all_refused_and_writes_are_not_lost(backend, tmp_path, seeds):
    """Under concurrent use: every body over the limit is refused (413 as JSON on /api, before the
    body is read), chunked bodies without a length get 411, the valid posts sent at the same time
    all land (adds run one at a time, off the event loop), and pages keep answering."""
    from concurrent.futures import ThreadPoolExecutor
    c = TestClient(create_app(str(tmp_path / "s.db"), max_upload_bytes=4000), base_url=BASE)
    texts = [p.read_text(encoding="utf-8")[:3000] for p in sorted(seeds.glob("*.txt"))]

    def oversize(i: int) -> int:
        if i % 3 == 0:
            return c.post("/api/articles", content=iter([b"x" * 2000] * 3), headers={"Content-Type": "application/json"}).status_code
        if i % 3 == 1:
            return c.post("/add", content=b"x" * 9000, headers={"Content-Type": "multipart/form-data; boundary=x"}).status_code
        return c.post("/api/articles", json={"items": [{"name": "big.txt", "text": "x" * 9000}]}).status_code

    def valid(i: int) -> int:
        return c.post("/api/articles", json={"items": [{"name": f"ok-{i}.txt", "text": texts[i % len(texts)] + f" #{i}"}]}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        bad = list(pool.map(oversize, range(24)))
        good = pool.map(valid, range(10))
        pages = pool.map(lambda _: c.get("/api/articles").status_code, range(10))
        good, pages = list(good), list(pages)
    assert sorted(set(bad)) == [411, 413] and bad.count(411) == 8
    assert good == [200] * 10 and pages == [200] * 10
    assert sorted(n for n, _ in backend.added) == sorted(f"ok-{i}.txt" for i in range(10))   # nothing lost, nothing oversize
    r = c.post("/api/articles", json={"items": [{"text": "y" * 9000}]})
    assert r.status_code == 413 and r.headers["content-type"] == "application/json" and "limit 4000" in r.json()["detail"]


def test_big_store_pages_are_paged_largest_storylines_first(corpora, monkeypatch, tmp_path):
    """A store of 300 real articles (BASIL) in 89 storylines: the index shows 50 per page, the
    largest first, with links to the next page; /articles 500 rows per page; bad page numbers
    give the nearest page."""
    from test_report import basil_analysis
    from storytrace.web import app as web_app
    b = FakeBackend(basil_analysis(corpora))
    b.install(monkeypatch)
    monkeypatch.setattr(web_app, "PAGE_ARTICLES", 120)
    c = TestClient(create_app(str(tmp_path / "s.db")), base_url=BASE)
    first = c.get("/").text
    assert first.count('<div class="card"><h3><a href="/storylines/') == 50
    assert first.index("The big storyline") < first.index('href="/storylines/s12"')   # largest first
    assert 'href="/?page=2"' in first and "Storylines 1–50 of 89" in first
    second = c.get("/?page=2").text
    assert second.count('<div class="card"><h3><a href="/storylines/') == 39 and 'href="/?page=1"' in second
    assert c.get("/?page=999").text.count('<div class="card"><h3>') == 39
    assert c.get("/?page=x%3Cb%3E").status_code == 200
    arts = c.get("/articles?page=3").text
    assert arts.count('<li><a href="/articles/') == 60 and "Articles 241–300 of 300" in arts


def test_unparsable_host_and_origin_headers_are_refused_not_crashes(backend, tmp_path):
    """`Host: [` / `Origin: http://[` made urlsplit raise inside the guard (HTTP 500 before)."""
    c = TestClient(create_app(str(tmp_path / "s.db")), base_url=BASE, raise_server_exceptions=False)
    r = c.get("/api/articles", headers={"Host": "["})
    assert r.status_code == 421 and r.json() == {"detail": "unknown host"}
    r = c.post("/api/articles", json={"items": [{"text": "x"}]}, headers={"Origin": "http://["})
    assert r.status_code == 403 and r.headers["content-type"] == "application/json" and backend.added == []
    assert c.get("/", headers={"Host": "[::1"}).status_code == 421
