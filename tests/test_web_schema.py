"""Property-based tests of /api against its own OpenAPI schema (schemathesis), on a real store.

The store is analysed from corpora/seeds once per module. schemathesis reads /openapi.json from
the ASGI app and generates requests for every /api operation (path ids, query strings, bodies,
valid and invalid); each response must: not be a 5xx, have a documented content type and
headers, match the documented JSON schema, and carry a documented status code (the app declares
its 404s and every refusal of POST /api/articles: 400, 403, 411, 413, 415, 422).

POST /api/articles declares its JSON body ({"items": [{"name", "text"}]}) in the app's own
schema; the test takes that schema as is and only lowers its size bounds (3 items of at most
400 characters) so each generated post stays a quick re-analysis. It runs on a copy of the
store, with an Origin header the app accepts.

schemathesis' test client calls the app as Host `testserver`, so that name is added to the
allowed hosts (the Host guard itself is tested in test_web.py).
"""
from __future__ import annotations

import copy
import shutil

import pytest

import schemathesis
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

from schemathesis.generation import GenerationMode  # noqa: E402

from storytrace.web import create_app  # noqa: E402
from storytrace.web.app import LOCAL_HOSTS  # noqa: E402

TEST_HOST = "testserver"          # the Host schemathesis' ASGI client sends
ORIGIN = f"http://{TEST_HOST}"    # same-origin for the app's cross-site guard
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@schemathesis.check
def documented_status(ctx, response, case):
    """Every status the app answers is one its schema documents for that operation."""
    op = case.operation
    documented = {str(k) for k in op.definition.raw.get("responses", {})}
    code = str(response.status_code)
    if code in documented or "default" in documented:
        return None
    raise AssertionError(f"undocumented status {code} for {op.method.upper()} {op.path} "
                         f"(documented: {sorted(documented)}): {response.text[:200]}")


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance,
          response_headers_conformance, documented_status]


@pytest.fixture(scope="module")
def seeds_store(seeds, tmp_path_factory):
    from storytrace import api
    out = tmp_path_factory.mktemp("web_schema") / "out"
    api.analyze([seeds], out=out)
    return out / "storytrace.db"


@pytest.fixture(scope="module")
def app_schema(seeds_store):
    app = create_app(str(seeds_store), allowed_hosts=LOCAL_HOSTS + (TEST_HOST,))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def post_schema(seeds_store, tmp_path_factory):
    """The app's own schema (its declared POST body), with smaller size bounds, over a copy of the store."""
    db = tmp_path_factory.mktemp("web_schema_post") / "storytrace.db"
    shutil.copy(seeds_store, db)
    app = create_app(str(db), allowed_hosts=LOCAL_HOSTS + (TEST_HOST,))
    raw = copy.deepcopy(app.openapi())
    body = raw["paths"]["/api/articles"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["items"]["maxItems"] = 3
    item = body["properties"]["items"]["items"]["properties"]
    item["name"]["maxLength"] = 40
    item["text"]["maxLength"] = 400
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    return schema


def test_schema_declares_the_post_body_and_every_refusal():
    """What clients and schema-driven tools rely on: the body POST /api/articles reads, its
    refusals, and the 404 of every {id} route."""
    paths = create_app("unused.db").openapi()["paths"]
    post = paths["/api/articles"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert post["requestBody"]["required"] and body["required"] == ["items"]
    assert body["properties"]["items"]["items"]["required"] == ["text"]
    assert {"200", "400", "403", "411", "413", "415", "422"} <= set(post["responses"])
    for p in ("/api/articles/{aid}", "/api/events/{eid}", "/api/storylines/{sid}"):
        assert "404" in paths[p]["get"]["responses"], p


def _api_routes(method: str) -> list[str]:
    """The /api paths of `method` in the app's schema (no store needed to build it)."""
    paths = create_app("unused.db").openapi()["paths"]
    return sorted(p for p, ops in paths.items() if method in ops)


def _cases(operation, *modes: GenerationMode):
    """Cases of `operation` in each mode it can generate (no negative case exists for an
    operation without inputs)."""
    strategies = []
    for mode in modes:
        try:
            strategies.append(operation.as_strategy(generation_mode=mode))
        except Exception:  # noqa: BLE001 - schemathesis cannot negate this operation's inputs
            if mode is GenerationMode.POSITIVE:
                raise
    return st.one_of(strategies)


# Run as plain hypothesis tests over `operation.as_strategy()`: schemathesis' lazy pytest
# loader (`schemathesis.pytest.from_fixture`) breaks on pytest 9 ('Function' has no `_nodeid`).
@pytest.mark.parametrize("path", _api_routes("get"))
def test_get_api_conforms_to_schema(app_schema, path):
    """Every GET /api operation, any id or query (also ones outside the schema): no 5xx,
    schema-conforming responses, documented statuses."""
    operation = app_schema[path]["GET"]

    @FAST
    @given(case=_cases(operation, GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()


def test_post_articles_never_fails_and_conforms(post_schema):
    """Generated add requests (valid and broken bodies) from the same origin: no 5xx, a
    documented status, a JSON object back; an accepted one reports what it did."""
    operation = post_schema["/api/articles"]["POST"]
    seen: dict[int, int] = {}

    @settings(FAST, max_examples=12)
    @given(case=_cases(operation, GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    def run(case):
        r = case.call_and_validate(headers={"Origin": ORIGIN}, checks=CHECKS)
        seen[r.status_code] = seen.get(r.status_code, 0) + 1
        if r.status_code == 200:
            body = r.json()
            assert {"new", "duplicates", "rejected", "articles"} <= set(body)
            assert len(body["new"]) + len(body["duplicates"]) + len(body["rejected"]) >= 1

    run()
    assert 200 in seen and set(seen) - {200}, seen   # both accepted and refused bodies were tried


def test_schema_lists_every_api_route(app_schema):
    """The schema the properties run on covers the API (a vanished route would pass silently)."""
    ops = {(o.ok().method.upper(), o.ok().path) for o in app_schema.get_all_operations()}
    for need in ("/api/analysis", "/api/articles", "/api/articles/{aid}", "/api/storylines/{sid}",
                 "/api/events/{eid}", "/api/claims", "/api/search", "/api/summary"):
        assert ("GET", need) in ops, need
    assert ("POST", "/api/articles") in ops
