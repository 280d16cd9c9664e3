"""End to end in a real headless Chromium (Debian's `chromium` package, driven by playwright
through `executable_path`; no downloaded browser): the static report from file:// and the web UI
served by uvicorn, with screenshots checked for non-empty rendering and the click-to-see-the-
other-side panel working under the CSP. Skipped on a developer machine without chromium; CI installs it and fails without it.
"""
from __future__ import annotations

import shutil
import socket
import struct
import threading
import time
import zlib

import pytest

from test_report_data import sample_analysis
from test_web import FakeBackend

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
from playwright import sync_api  # noqa: E402  (test extra)

from conftest import missing_optional  # noqa: E402


@pytest.fixture(autouse=True)
def _needs_chromium():
    if CHROMIUM is None:
        missing_optional("Debian package 'chromium' is not installed (.ci/run installs it)")


def png_stats(png: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours among sampled pixels) of an 8-bit RGB/RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 7 == 0:
            for x in range(0, stride, bpp * 5):
                colours.add(bytes(line[x:x + 3]))
        prev = line
    return w, h, len(colours)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _page(browser, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def test_report_renders_in_chromium_from_file(browser, seeds, tmp_path):
    from storytrace.report import render_report
    path = tmp_path / "report.html"
    path.write_text(render_report(sample_analysis(seeds)), encoding="utf-8")
    page, problems = _page(browser)
    page.goto(path.as_uri())
    box = page.locator("svg.dgraph").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.tline").bounding_box()["height"] > 80
    assert page.evaluate("document.documentElement.scrollHeight") > 3000
    page.locator("#graph").scroll_into_view_if_needed()
    w, h, colours = png_stats(page.screenshot())
    assert (w, h) == (1280, 900) and colours > 20                   # a real drawing, not a blank page
    # click a reused passage: the panel shows the other side, and the jump link goes there
    page.locator("mark.k-reuse").first.click()
    panel = page.locator("#ann-panel")
    assert panel.is_visible() and "Other side" in panel.inner_text()
    assert "finalized the deal" in panel.inner_text() or "400" in panel.inner_text()
    page.locator("#ann-close").click()
    assert not panel.is_visible()
    assert not problems, problems                                    # no CSP violation, no JS error
    # phone width: nothing forces the page wider than the screen (figures scroll in their box)
    phone, problems = _page(browser, width=390)
    phone.goto(path.as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    assert png_stats(phone.screenshot())[2] > 10 and not problems


def test_web_ui_end_to_end(browser, seeds, tmp_path, monkeypatch):
    import uvicorn
    from storytrace.web import create_app
    backend = FakeBackend(sample_analysis(seeds))
    backend.install(monkeypatch)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(str(tmp_path / "s.db")), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        page, problems = _page(browser)
        page.goto(base + "/")
        assert "Iran helps Russia build drones" in page.inner_text("main")
        page.click("text=Iran helps Russia build drones")
        assert page.locator("svg.dgraph").bounding_box()["height"] > 100
        assert png_stats(page.screenshot())[2] > 20
        page.locator("svg.dgraph a").first.click()                   # a graph node opens its article
        page.wait_for_url("**/articles/*")
        page.locator("mark.hl").first.click()
        assert page.locator("#ann-panel").is_visible()
        page.fill("input[name=q]", "6,000")
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**/search?q=*")
        assert "Tehran and Moscow Join Forces" in page.inner_text("main")
        page.goto(base + "/add")
        page.fill("textarea[name=text]", "A new report says the drone factory will open next year in Russia.")
        page.click("form[action='/add'] button[type=submit]")
        assert "Added" in page.inner_text("main") and len(backend.added) == 1
        assert not problems, problems
    finally:
        server.should_exit = True
        t.join(timeout=5)
