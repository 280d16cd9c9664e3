"""FastAPI application: HTML pages, /api JSON, uploads. See the package docstring for the safety rules."""
from __future__ import annotations

import hmac
import importlib
import os
import re
import secrets
import threading
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..report import CSS as REPORT_CSS, JS as REPORT_JS, render_report, report_csp
from ..report.graph import derivation_svg
from ..report.highlight import collect, render_text
from ..report.safe import clip, json_for_script, safe_url
from ..report.timeline import timeline_svg
from ..report.view import View, build_view

TEMPLATES = Path(__file__).parent / "templates"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FILES = 200
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
WEB_CSS = (TEMPLATES / "web.css").read_text(encoding="utf-8")


class StoreUnavailable(RuntimeError):
    pass


class Problem(BaseModel):
    """The JSON body of every refusal under /api."""
    detail: str


# POST /api/articles reads its body by hand (so a wrong content type is a clear 415 and a bad
# item a 422 naming it); the schema still declares that body and every refusal, so clients and
# schema-driven testers (schemathesis) see the real contract.
ADD_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["items"], "additionalProperties": True,
    "properties": {"items": {
        "type": "array", "minItems": 1, "maxItems": MAX_FILES,
        "description": "articles to add, each named like a file (the name's extension picks the reader)",
        "items": {"type": "object", "required": ["text"], "properties": {
            "name": {"type": "string", "description": "file name (directories are dropped); default item-N.txt"},
            "text": {"type": "string", "minLength": 1, "pattern": "\\S",
                     "description": "the article: plain text, HTML, a JSON line, a feed..."}}}}}}}}}
ADD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "what was added: new ids, duplicates, rejected inputs with reasons, store size"},
    400: {"model": Problem, "description": "the body is not valid JSON"},
    403: {"model": Problem, "description": "a cross-site request (Origin or Sec-Fetch-Site of another site)"},
    411: {"model": Problem, "description": "no Content-Length"},
    413: {"model": Problem, "description": f"body larger than the server's limit ({MAX_UPLOAD_BYTES} bytes by default)"},
    415: {"model": Problem, "description": "not application/json"},
    422: {"model": Problem, "description": "'items' missing, empty, too many, or an item without text"},
}


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    env.globals.update(clip=clip, safe_url=safe_url)
    return env


def _netloc(url: str) -> str | None:
    """The host[:port] of an Origin header; None when it does not parse (refused as cross-site)."""
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return None


def safe_upload_name(name: object, i: int) -> str:
    """A base name without directories, control characters or leading dots; never a path."""
    s = str(name or "").replace("\\", "/")
    s = PurePosixPath(s).name
    s = re.sub(r"[\x00-\x1f\x7f]", "", s).strip().lstrip(".")
    return s[:200] or f"upload-{i}.txt"


class _Data:
    """The latest analysis from the store, reloaded when the store file changes."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._key: tuple | None = None
        self._analysis: dict | None = None
        self._view: View | None = None

    def _stamp(self) -> tuple:
        out = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(self.db_path + suffix)
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def invalidate(self) -> None:
        self._key = None

    def get(self) -> tuple[dict | None, View]:
        key = self._stamp()
        if key != self._key or self._view is None:
            try:
                store_mod = importlib.import_module("storytrace.store")
                store = store_mod.Store(self.db_path)
            except (ImportError, AttributeError) as exc:
                raise StoreUnavailable(f"the store module is not available ({exc})") from exc
            try:
                analysis = store.load_analysis()
            finally:
                close = getattr(store, "close", None)
                if callable(close):
                    close()
            self._analysis = analysis if isinstance(analysis, dict) else None
            self._view = build_view(self._analysis or {})
            self._key = key
        return self._analysis, self._view


def _annotations(view: View):
    """Every article's annotations and the article owning each annotation id, computed once per
    loaded analysis (an article page used to rebuild them for the whole corpus per request)."""
    hit = view.__dict__.get("_annotations")
    if hit is None:
        anns = collect(view)
        hit = (anns, {x.id: x.article_id for x in anns.all()})
        view.__dict__["_annotations"] = hit  # a race only computes it twice
    return hit


PAGE_STORYLINES = 50   # storylines per page of the index (largest first)
PAGE_ARTICLES = 500    # rows per page of /articles and of "articles in no storyline"


def _storyline_index(view: View) -> list[tuple[dict, list[str]]]:
    """(storyline, its article ids) largest first, computed once per loaded analysis (from
    `View.storyline_index`, one pass over the events)."""
    hit = view.__dict__.get("_storylines_ranked")
    if hit is None:
        hit = [(sl, [a for a in aids if a in view.by_id]) for sl, aids in view.storyline_index()]
        hit.sort(key=lambda p: -len(p[1]))   # stable: equal sizes keep the analysis order
        view.__dict__["_storylines_ranked"] = hit
    return hit


def _paged(items: list, page_arg: str, size: int) -> tuple[list, dict]:
    """One page of `items` and what the template needs to say where it is (a page number that
    is not one, or out of range, gives the nearest page rather than an error)."""
    pages = max(1, -(-len(items) // size))
    page = min(max(1, int(page_arg) if page_arg.isdigit() else 1), pages)
    lo = (page - 1) * size
    return items[lo: lo + size], {"page": page, "pages": pages, "first": lo + 1 if items else 0,
                                  "last": min(lo + size, len(items)), "total": len(items)}


_SUMMARY_CACHE: dict[int, tuple[View, dict]] = {}


def _summary_for(view: View, analysis: dict | None) -> dict[str, list[dict]]:
    """Summary sentences per storyline: the analysis's own, else computed once per loaded analysis."""
    hit = _SUMMARY_CACHE.get(id(view))
    if hit and hit[0] is view:
        return hit[1]
    out = _compute_summary(view, analysis)
    _SUMMARY_CACHE.clear()
    _SUMMARY_CACHE[id(view)] = (view, out)
    return out


def _compute_summary(view: View, analysis: dict | None) -> dict[str, list[dict]]:
    items = view.summary
    if not items and view.storylines:
        try:
            from ..summary import summarize
            items = summarize(analysis or {})
        except Exception:
            items = []
    return {str(s.get("storyline_id")): s.get("sentences") or [] for s in items}


def create_app(db_path: str, *, allowed_hosts: tuple[str, ...] | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES) -> FastAPI:
    """The web UI and /api over the store at `db_path`.

    `allowed_hosts`: Host header names answered (default: local names only, a DNS-rebinding
    guard); ("*",) answers any, for a deliberate bind to a public interface.
    """
    app = FastAPI(title="storytrace", docs_url=None, redoc_url=None,
                  description="Browse storylines, events, articles, sources and claims; add articles.")
    env = _env()
    data = _Data(str(db_path))
    csrf = secrets.token_urlsafe(32)
    hosts = tuple(h.lower() for h in (allowed_hosts or LOCAL_HOSTS))
    app.state.csrf_token = csrf

    @app.middleware("http")
    async def guard(request: Request, call_next):
        def refuse(detail: str, status: int) -> Response:
            # /api answers in JSON ({"detail"}, as its schema documents); pages in plain text
            if request.url.path.startswith("/api"):
                response: Response = JSONResponse({"detail": detail}, status_code=status)
            else:
                response = PlainTextResponse(detail, status_code=status)
            response.headers["Content-Security-Policy"] = CSP
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

        host = (request.headers.get("host") or "").lower()
        try:
            hostname = urlsplit("//" + host).hostname or ""
        except ValueError:  # "Host: [" and the like: no name at all, refused below
            hostname = ""
        if "*" not in hosts and hostname not in hosts and f"[{hostname}]" not in hosts:
            return refuse("unknown host", 421)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None and (origin == "null" or _netloc(origin) != host):
                return refuse("cross-site request refused", 403)
            if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
                return refuse("cross-site request refused", 403)
            length = request.headers.get("content-length")
            if length is None:
                return refuse("a Content-Length is required", 411)
            if not length.isdigit() or int(length) > max_upload_bytes:
                return refuse(f"request too large (limit {max_upload_bytes} bytes)", 413)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form
        # posts, which the cross-site check above (rightly) refuses.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(csrf=csrf, **ctx), status_code=status)

    def load() -> tuple[dict | None, View]:
        try:
            return data.get()
        except StoreUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return page("error.html", status=exc.status_code, status_code=exc.status_code, detail=str(exc.detail))

    # ---------------------------------------------------------------- static
    @app.get("/static/style.css", include_in_schema=False)
    def style() -> Response:
        return Response(REPORT_CSS + "\n" + WEB_CSS, media_type="text/css")

    @app.get("/static/app.js", include_in_schema=False)
    def script() -> Response:
        return Response(REPORT_JS, media_type="text/javascript")

    # ---------------------------------------------------------------- pages
    def art_ref(v: View, aid: str) -> dict:
        return {"id": aid, "num": v.cite(aid), "title": v.article_title(aid), "outlet": v.article_outlet(aid),
                "date": v.article_date(aid)}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(msg: str | None = None, page_no: str = Query("1", alias="page", max_length=12)):
        analysis, v = load()
        summaries = _summary_for(v, analysis)
        shown, nav = _paged(_storyline_index(v), page_no, PAGE_STORYLINES)
        sls = []
        for sl, aids in shown:
            sls.append({"id": str(sl.get("id")), "title": clip(sl.get("title") or (v.article_title(aids[0]) if aids else "Untitled storyline"), 200),
                        "n_articles": len(aids), "n_events": len(sl.get("event_ids") or []),
                        "summary": summaries.get(str(sl.get("id")), [])})
        in_event = {a for e in v.events for a in e.get("article_ids") or []}
        unassigned_ids = [a["id"] for a in v.articles if a["id"] not in in_event]
        n_unassigned = len(unassigned_ids)
        unassigned = [art_ref(v, a) for a in v.time_sorted(unassigned_ids)[:PAGE_ARTICLES]] if nav["page"] == 1 else []
        return page("index.html", v=v, analysis=analysis, storylines=sls, unassigned=unassigned,
                    n_unassigned=n_unassigned, nav=nav, msg=msg)

    @app.get("/storylines/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def storyline(sid: str):
        analysis, v = load()
        sl = next((s for s in v.storylines if str(s.get("id")) == sid), None)
        if sl is None:
            raise HTTPException(404, "no such storyline")
        aids = v.time_sorted([a for a in v.storyline_article_ids(sl) if a in v.by_id])
        ev_ids = set(sl.get("event_ids") or [])
        events = [{"id": str(e.get("id")), "title": e.get("title") or "Untitled event",
                   "articles": [art_ref(v, a) for a in v.time_sorted([x for x in e.get("article_ids") or [] if x in v.by_id])]}
                  for e in v.events if e.get("id") in ev_ids or e.get("storyline_id") == sl.get("id")]
        tl, undated = timeline_svg(v, aids, anchor_prefix="/articles/", claim_prefix="/claims#claim-")
        return page("storyline.html", v=v, sl=sl, title=clip(sl.get("title") or "Untitled storyline", 200),
                    summary=_summary_for(v, analysis).get(sid, []), events=events,
                    graph=derivation_svg(v, aids, anchor_prefix="/articles/"), timeline=tl,
                    undated=[art_ref(v, a) for a in undated], articles=[art_ref(v, a) for a in aids])

    @app.get("/events/{eid}", response_class=HTMLResponse, include_in_schema=False)
    def event(eid: str):
        _, v = load()
        e = next((x for x in v.events if str(x.get("id")) == eid), None)
        if e is None:
            raise HTTPException(404, "no such event")
        aids = v.time_sorted([a for a in e.get("article_ids") or [] if a in v.by_id])
        why = e.get("why") if isinstance(e.get("why"), dict) else {}
        return page("event.html", v=v, e=e, title=e.get("title") or "Untitled event",
                    articles=[art_ref(v, a) for a in aids], why=[(clip(k, 60), clip(val, 300)) for k, val in why.items()],
                    graph=derivation_svg(v, aids, anchor_prefix="/articles/"))

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles(page_no: str = Query("1", alias="page", max_length=12)):
        _, v = load()
        ids, nav = _paged(v.time_sorted([a["id"] for a in v.articles]), page_no, PAGE_ARTICLES)
        return page("articles.html", v=v, articles=[art_ref(v, a) for a in ids], nav=nav)

    @app.get("/articles/{aid}", response_class=HTMLResponse, include_in_schema=False)
    def article(aid: str):
        _, v = load()
        a = v.by_id.get(aid)
        if a is None:
            raise HTTPException(404, "no such article")
        anns, owner = _annotations(v)
        mine = anns.by_article.get(aid, [])
        # The other side of an alignment lives on another page here: point its jump link there.
        data_map = {}
        for x in mine:
            d = x.data()
            if x.other_anchor and owner.get(x.other_anchor) != aid:
                d["oa"] = None
                d["oh"] = f"/articles/{owner.get(x.other_anchor)}#{x.other_anchor}"
            data_map[x.id] = d
        text = a.get("text") if isinstance(a.get("text"), str) else ""
        derived = [{"node": d["from"], "label": v.node_label(d["from"]), "is_article": v.is_article(d["from"]),
                    "kind": d.get("kind"), "score": d.get("score")} for d in v.derivations if d["to"] == aid]
        reused = [{"node": d["to"], "label": v.node_label(d["to"]), "is_article": True, "kind": d.get("kind"),
                   "score": d.get("score")} for d in v.derivations if d["from"] == aid]
        claims = [c for c in v.claims if any(isinstance(e, dict) and e.get("article_id") == aid for e in c.get("evidence") or [])]
        return page("article.html", v=v, a=a, ref=art_ref(v, aid), url=safe_url(a.get("url")),
                    url_text=clip(a.get("url"), 200) if a.get("url") else "", html=render_text(text, mine),
                    ann_json=json_for_script(data_map), derived=derived, reused=reused, claims=claims)

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources():
        _, v = load()
        cited: dict[str, list[str]] = {}
        for at in v.attributions:
            if at.get("article_id") in v.by_id and isinstance(at.get("source_id"), str):
                lst = cited.setdefault(at["source_id"], [])
                if at["article_id"] not in lst:
                    lst.append(at["article_id"])
        rows = [{"id": sid, "name": v.node_label(sid), "kind": s.get("kind") or "other",
                 "article": art_ref(v, s["article_id"]) if s.get("article_id") in v.by_id else None,
                 "cited_by": [art_ref(v, a) for a in cited.get(sid, [])]} for sid, s in v.sources.items()]
        return page("sources.html", v=v, sources=rows)

    @app.get("/claims", response_class=HTMLResponse, include_in_schema=False)
    def claims():
        _, v = load()
        flagged: dict[str, list[dict]] = {}
        for f in v.conflicts:
            for c in f.get("claim_ids") or []:
                flagged.setdefault(str(c), []).append(f)
        rows = [{"c": c, "id": str(c.get("id")), "conflicts": flagged.get(str(c.get("id")), []),
                 "evidence": [art_ref(v, e["article_id"]) for e in c.get("evidence") or []
                              if isinstance(e, dict) and e.get("article_id") in v.by_id]} for c in v.claims]
        return page("claims.html", v=v, rows=rows, conflicts=v.conflicts)

    def do_search(v: View, q: str, limit: int = 50) -> dict:
        ql = q.lower().strip()
        hits: list[dict] = []
        if not ql:
            return {"query": q, "articles": [], "claims": [], "sources": []}
        for aid in v.time_sorted([a["id"] for a in v.articles]):
            a = v.by_id[aid]
            text = a.get("text") if isinstance(a.get("text"), str) else ""
            hay_title = f"{a.get('title') or ''} {a.get('outlet') or ''}".lower()
            i = text.lower().find(ql)
            if i >= 0 or ql in hay_title:
                snippet = clip(text[max(0, i - 80): i + len(ql) + 120], 240) if i >= 0 else clip(text, 200)
                hits.append({**art_ref(v, aid), "snippet": snippet})
            if len(hits) >= limit:
                break
        cl = [{"id": str(c.get("id")), "text": c.get("text")} for c in v.claims if ql in str(c.get("text") or "").lower()][:limit]
        so = [{"id": sid, "name": v.node_label(sid)} for sid, s in v.sources.items() if ql in str(s.get("name") or "").lower()][:limit]
        return {"query": q, "articles": hits, "claims": cl, "sources": so}

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(q: str = ""):
        _, v = load()
        return page("search.html", v=v, q=q[:200], res=do_search(v, q[:200]))

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    def report():
        analysis, _ = load()
        return HTMLResponse(render_report(analysis or {}), headers={"Content-Security-Policy": report_csp()})

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    def add_form():
        return page("add.html", v=None, limit_mb=max_upload_bytes // (1024 * 1024))

    write_lock = threading.Lock()

    def run_add(items: list[tuple[str, bytes]]) -> dict:
        """Store the items and refresh the analysis. Runs in a worker thread (never on the event
        loop, which must keep answering pages while an analysis runs), one add at a time: two
        concurrent re-analyses of one store would only compete for the same CPU."""
        with write_lock:
            return _run_add(items)

    def _run_add(items: list[tuple[str, bytes]]) -> dict:
        try:
            api = importlib.import_module("storytrace.api")
            add_texts = api.add_texts
        except (ImportError, AttributeError) as exc:
            raise HTTPException(503, f"adding articles is not available: the pipeline module is missing ({exc})") from exc
        result = add_texts(str(db_path), items)
        data.invalidate()
        return result if isinstance(result, dict) else {"result": result}

    @app.post("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_submit(request: Request):
        form = await request.form(max_files=MAX_FILES, max_fields=20)
        token = str(form.get("csrf") or "")
        if not hmac.compare_digest(token, csrf):
            raise HTTPException(403, "missing or wrong form token (reload the page and try again)")
        items: list[tuple[str, bytes]] = []
        for i, f in enumerate(form.getlist("files")):
            if hasattr(f, "read") and getattr(f, "filename", None):
                body = await f.read()
                if body:
                    items.append((safe_upload_name(f.filename, i), body))
        pasted = str(form.get("text") or "")
        if pasted.strip():
            name = safe_upload_name(form.get("name") or "pasted.txt", len(items))
            if not name.lower().endswith((".txt", ".html", ".htm", ".json", ".jsonl", ".md")):
                name += ".txt"
            title = str(form.get("title") or "").strip()
            body = (title + "\n" + pasted) if title else pasted
            items.append((name, body.encode("utf-8")))
        if not items:
            return page("add.html", status=400, v=None, limit_mb=max_upload_bytes // (1024 * 1024),
                        error="Nothing to add: choose files or paste a text.")
        result = await run_in_threadpool(run_add, items)
        return page("added.html", v=None, result=result, names=[n for n, _ in items])

    # ---------------------------------------------------------------- API
    def _one(lst: list[dict], key: str, value: str, what: str) -> dict:
        for x in lst:
            if str(x.get(key)) == value:
                return x
        raise HTTPException(404, f"no such {what}")

    @app.get("/api/analysis", tags=["api"], summary="The whole analysis dict (analysis.json contract)")
    def api_analysis() -> dict:
        analysis, _ = load()
        return analysis or {"version": 1, "articles": []}

    @app.get("/api/storylines", tags=["api"])
    def api_storylines() -> list[dict]:
        return load()[1].storylines

    @app.get("/api/storylines/{sid}", tags=["api"], responses={404: {"model": Problem, "description": "no such storyline"}})
    def api_storyline(sid: str) -> dict:
        analysis, v = load()
        sl = dict(_one(v.storylines, "id", sid, "storyline"))
        sl["article_ids"] = v.storyline_article_ids(sl)
        sl["summary"] = _summary_for(v, analysis).get(sid, [])
        return sl

    @app.get("/api/events", tags=["api"])
    def api_events() -> list[dict]:
        return load()[1].events

    @app.get("/api/events/{eid}", tags=["api"], responses={404: {"model": Problem, "description": "no such event"}})
    def api_event(eid: str) -> dict:
        return _one(load()[1].events, "id", eid, "event")

    @app.get("/api/articles", tags=["api"], summary="Article metadata (no text; see /api/articles/{id})")
    def api_articles() -> list[dict]:
        return [{k: val for k, val in a.items() if k != "text"} for a in load()[1].articles]

    @app.get("/api/articles/{aid}", tags=["api"], responses={404: {"model": Problem, "description": "no such article"}})
    def api_article(aid: str) -> dict:
        v = load()[1]
        a = v.by_id.get(aid)
        if a is None:
            raise HTTPException(404, "no such article")
        return {**a, "derivations_in": [d for d in v.derivations if d["to"] == aid],
                "derivations_out": [d for d in v.derivations if d["from"] == aid],
                "attributions": [x for x in v.attributions if x.get("article_id") == aid]}

    @app.get("/api/sources", tags=["api"])
    def api_sources() -> list[dict]:
        return list(load()[1].sources.values())

    @app.get("/api/claims", tags=["api"])
    def api_claims() -> list[dict]:
        return load()[1].claims

    @app.get("/api/conflicts", tags=["api"])
    def api_conflicts() -> list[dict]:
        return load()[1].conflicts

    @app.get("/api/derivations", tags=["api"])
    def api_derivations() -> list[dict]:
        return load()[1].derivations

    @app.get("/api/summary", tags=["api"])
    def api_summary() -> list[dict]:
        analysis, v = load()
        return [{"storyline_id": k, "sentences": s} for k, s in _summary_for(v, analysis).items()]

    @app.get("/api/search", tags=["api"])
    def api_search(q: str = "") -> dict:
        return do_search(load()[1], q[:200])

    @app.post("/api/articles", tags=["api"], summary="Add articles: {\"items\": [{\"name\", \"text\"}]}",
              openapi_extra={"requestBody": ADD_BODY}, responses=ADD_RESPONSES)
    async def api_add(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise HTTPException(415, "send application/json")
        try:
            body = await request.json()
        except ValueError as exc:
            raise HTTPException(400, "invalid JSON") from exc
        raw = body.get("items") if isinstance(body, dict) else None
        if not isinstance(raw, list) or not raw or len(raw) > MAX_FILES:
            raise HTTPException(422, f"'items' must be a list of 1 to {MAX_FILES} {{name, text}} objects")
        items = []
        for i, it in enumerate(raw):
            if not isinstance(it, dict) or not isinstance(it.get("text"), str) or not it["text"].strip():
                raise HTTPException(422, f"item {i} needs a non-empty 'text'")
            items.append((safe_upload_name(it.get("name") or f"item-{i}.txt", i), it["text"].encode("utf-8")))
        return await run_in_threadpool(run_add, items)

    return app


def serve(db_path: str, host: str = "127.0.0.1", port: int = 8000,
          max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Run the UI with uvicorn (local only by default; another host must be asked for)."""
    import uvicorn
    if host in LOCAL_HOSTS:
        hosts: tuple[str, ...] = LOCAL_HOSTS
    elif host in ("0.0.0.0", "::"):
        hosts = ("*",)  # every interface: clients may use any of the machine's names
    else:
        hosts = LOCAL_HOSTS + (host,)
    app = create_app(db_path, allowed_hosts=hosts, max_upload_bytes=max_upload_bytes)
    uvicorn.run(app, host=host, port=port, log_level="warning")
