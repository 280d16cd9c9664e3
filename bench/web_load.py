"""Bounded load test of `storytrace serve` on loopback: latency percentiles, throughput, errors.

Analyses corpora/seeds into a temporary store, starts `storytrace serve --db DB --port P` on a free
127.0.0.1 port as a subprocess, then sends a fixed number of GET requests (default 2,000) from a
fixed number of concurrent clients (default 8, asyncio + httpx, keep-alive) over a mix of routes,
round-robin so every route gets the same share. Stops by itself at --time-cap seconds; the server
is stopped at the end whatever happens. Writes a markdown section to bench/results/web_load.md.

    .venv/bin/python bench/web_load.py [--requests 2000] [--concurrency 8] [--time-cap 120]
        [--inputs PATH ...] [--append]
    .venv/bin/python bench/web_load.py --mode write [--posts 24] [--post-concurrency 4]
        [--oversize-clients 16] [--oversize-each 3]

`--mode write` (or `all`) measures the write side instead, on the same kind of store, with a
probe client sending GET /api/articles/{id} one after another all the while (is the server still
answering?):
1. POST load: --posts distinct real articles (corpora/basil JSON lines, one per request) from
   --post-concurrency clients to POST /api/articles; each is stored and the analysis refreshed.
   Latency p50/p95/max, errors, and whether every posted article is in the store afterwards.
2. Oversize storm: --oversize-clients clients each send --oversize-each bodies 1 MiB over the
   server's upload limit (20 MiB by default), plus chunked bodies without a Content-Length: every
   one must be refused (413 / 411) before its body is read; the server's resident memory (VmRSS,
   peak VmHWM from /proc) before and after shows it never buffered them.
The section "Web UI: writes and oversize uploads under load" of --out is replaced.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("STORYTRACE_CORPORA", "/work/shared/corpora")) / "seeds"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a latency that happened)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def label(path: str) -> str:
    """An input named relative to the corpora folder when it lies there."""
    p = Path(path)
    return f"`{p.relative_to(SEEDS.parent)}`" if p.is_relative_to(SEEDS.parent) else f"`{p}`"


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            if httpx.get(base + "/api/summary", timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not answer within %.0f s" % timeout)


async def load(base: str, routes: list[tuple[str, str]], n: int, concurrency: int, cap: float):
    """Send `n` requests from `concurrency` workers; returns ({route: [(latency_s, ok)]}, wall_s)."""
    results: dict[str, list[tuple[float, bool]]] = {name: [] for name, _ in routes}
    sizes: dict[str, int] = {}
    errors: list[str] = []
    counter = iter(range(n))
    deadline = time.perf_counter() + cap

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            if time.perf_counter() > deadline:
                return
            name, path = routes[i % len(routes)]
            t = time.perf_counter()
            try:
                r = await client.get(path)
                sizes[name] = len(await r.aread())
                ok = r.status_code == 200
                if not ok:
                    errors.append(f"{path}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                ok = False
                errors.append(f"{path}: {type(exc).__name__}")
            results[name].append((time.perf_counter() - t, ok))

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return results, wall, errors, sizes


def serial_times(base: str, routes: list[tuple[str, str]], n: int) -> dict[str, float]:
    """p50 ms of each route requested alone (one client, one at a time): the service time."""
    out = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, path in routes:
            lat = []
            for _ in range(n):
                t = time.perf_counter()
                client.get(path).read()
                lat.append((time.perf_counter() - t) * 1000)
            out[name] = percentile(lat, 50)
    return out


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            vals[line.split(":")[0]] = int(line.split()[1]) / 1024
    return vals.get("VmRSS", float("nan")), vals.get("VmHWM", float("nan"))


async def probe(base: str, path: str, stop: asyncio.Event) -> list[tuple[float, int]]:
    """GET `path` one request after another until `stop`: (latency s, status) each."""
    out: list[tuple[float, int]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                status = (await client.get(path)).status_code
            except httpx.HTTPError:
                status = -1
            out.append((time.perf_counter() - t, status))
            await asyncio.sleep(0.05)
    return out


async def post_load(base: str, bodies: list[dict], concurrency: int, probe_path: str):
    """POST each body once from `concurrency` clients while a probe GETs; latencies and statuses."""
    stop = asyncio.Event()
    probe_task = asyncio.create_task(probe(base, probe_path, stop))
    queue = iter(bodies)
    samples: list[tuple[float, int, dict | None]] = []

    async def worker(client: httpx.AsyncClient) -> None:
        for body in queue:
            t = time.perf_counter()
            try:
                r = await client.post("/api/articles", json=body)
                samples.append((time.perf_counter() - t, r.status_code,
                                r.json() if r.headers.get("content-type", "").startswith("application/json") else None))
            except httpx.HTTPError as exc:
                samples.append((time.perf_counter() - t, -1, {"error": type(exc).__name__}))

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=300, headers={"Origin": base}) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    stop.set()
    return samples, await probe_task, wall


async def oversize_storm(base: str, limit: int, clients: int, each: int, probe_path: str):
    """Bodies over the limit (with a Content-Length) and chunked ones (without) from many clients."""
    stop = asyncio.Event()
    probe_task = asyncio.create_task(probe(base, probe_path, stop))
    big = b"x" * (limit + 1024 * 1024)
    statuses: dict[str, int] = {}

    def count(key: str) -> None:
        statuses[key] = statuses.get(key, 0) + 1

    async def chunks():
        for _ in range(64):
            yield b"y" * 65536

    async def worker(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120, headers={"Origin": base}) as client:
            for k in range(each):
                try:
                    if (i + k) % 4 == 3:   # a quarter chunked: no Content-Length to judge
                        r = await client.post("/api/articles", content=chunks(), headers={"content-type": "application/json"})
                        count(f"chunked: {r.status_code}")
                    elif (i + k) % 4 == 2:  # the upload form, same limit
                        r = await client.post("/add", content=big, headers={"content-type": "multipart/form-data; boundary=x"})
                        count(f"form over limit: {r.status_code}")
                    else:
                        r = await client.post("/api/articles", content=big, headers={"content-type": "application/json"})
                        count(f"JSON over limit: {r.status_code}")
                except httpx.HTTPError as exc:
                    count(f"connection: {type(exc).__name__}")

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    wall = time.perf_counter() - t0
    stop.set()
    return statuses, await probe_task, wall


def basil_bodies(n: int) -> list[dict]:
    """n distinct real articles as POST bodies (one JSON line each, read by the JSONL reader)."""
    path = SEEDS.parent / "basil" / "articles.jsonl"
    out = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= n:
                break
            out.append({"items": [{"name": f"post-{i:03d}.jsonl", "text": line.strip()}]})
    return out


def ms_stats(lat_s: list[float]) -> str:
    lat = [x * 1000 for x in lat_s]
    if not lat:
        return "| — | — | — |"
    return f"| {percentile(lat, 50):.0f} | {percentile(lat, 95):.0f} | {max(lat):.0f} |"


def write_mode(args, base: str, proc: subprocess.Popen, n_before: int, probe_path: str) -> list[str]:
    from storytrace.web.app import MAX_UPLOAD_BYTES
    rss0 = rss_mb(proc.pid)
    bodies = basil_bodies(args.posts)
    posts, probe1, wall1 = asyncio.run(post_load(base, bodies, args.post_concurrency, probe_path))
    n_after = len(httpx.get(base + "/api/articles", timeout=60).json())
    rss1 = rss_mb(proc.pid)
    statuses, probe2, wall2 = asyncio.run(oversize_storm(base, MAX_UPLOAD_BYTES, args.oversize_clients,
                                                         args.oversize_each, probe_path))
    rss2 = rss_mb(proc.pid)
    ok = [p for p in posts if p[1] == 200]
    new = sum(len(p[2].get("new") or []) for p in ok if isinstance(p[2], dict))
    dup = sum(len(p[2].get("duplicates") or []) for p in ok if isinstance(p[2], dict))
    errs = [p for p in posts if p[1] != 200]
    probe_err1 = sum(1 for _, st in probe1 if st != 200)
    probe_err2 = sum(1 for _, st in probe2 if st != 200)
    refused = sum(v for k, v in statuses.items() if k.endswith((": 413", ": 411")))
    sent = args.oversize_clients * args.oversize_each
    return [
        "## Web UI: writes and oversize uploads under load",
        "",
        f"`storytrace serve` (one uvicorn worker) on 127.0.0.1 over a store analysed from "
        f"{', '.join(label(i) for i in args.inputs)} ({n_before:,} articles). While each phase runs, a probe "
        f"client sends `GET {probe_path.split('/api/')[0]}/api/articles/{{id}}` one after another (50 ms apart): "
        f"the server must keep answering. Latency in ms, client side.",
        "",
        f"**POST load**: {len(bodies)} distinct real articles (corpora/basil JSON lines, one per request) "
        f"from {args.post_concurrency} concurrent clients to `POST /api/articles`; each request stores its article and "
        f"refreshes the analysis of the whole store (adds run one at a time, off the event loop).",
        "",
        "| phase | requests | p50 ms | p95 ms | max ms | errors | wall s |",
        "|---|---|---|---|---|---|---|",
        f"| POST /api/articles (concurrency {args.post_concurrency}) | {len(posts)} " + ms_stats([p[0] for p in posts])
        + f" {len(errs)} | {wall1:.1f} |",
        f"| probe GET during the posts | {len(probe1)} " + ms_stats([p[0] for p in probe1]) + f" {probe_err1} | |",
        f"| probe GET during the oversize storm | {len(probe2)} " + ms_stats([p[0] for p in probe2]) + f" {probe_err2} | {wall2:.1f} |",
        "",
        f"Store after the posts: {n_after:,} articles = {n_before:,} + {new} new "
        f"({'no article lost' if n_after == n_before + new and new + dup == len(bodies) - len(errs) else 'MISMATCH'}; "
        f"{dup} reported as duplicates){'; first error: ' + repr(errs[0][1:]) if errs else ''}.",
        "",
        f"**Oversize storm**: {args.oversize_clients} concurrent clients x {args.oversize_each} requests = {sent}: "
        f"bodies of limit + 1 MiB ({(MAX_UPLOAD_BYTES + 2**20) / 2**20:.0f} MiB, with a Content-Length) to "
        f"`POST /api/articles` and to the upload form `POST /add`, and chunked bodies without a Content-Length. "
        f"Refused: {refused} of {sent} ({', '.join(f'{k} x{v}' for k, v in sorted(statuses.items()))}).",
        "",
        "| server memory | VmRSS MB | peak VmHWM MB |",
        "|---|---|---|",
        f"| before the posts | {rss0[0]:.0f} | {rss0[1]:.0f} |",
        f"| after the posts | {rss1[0]:.0f} | {rss1[1]:.0f} |",
        f"| after the oversize storm ({sent * (MAX_UPLOAD_BYTES + 2**20) / 2**20:,.0f} MiB offered) | {rss2[0]:.0f} | {rss2[1]:.0f} |",
        "",
    ]


def row(name: str, samples: list[tuple[float, bool]], wall: float, size: int | None,
        alone: float | None = None) -> str:
    lat = [s * 1000 for s, _ in samples]
    errs = sum(1 for _, ok in samples if not ok)
    kb = f"{size / 1024:.0f}" if size is not None else ""
    solo = f"{alone:.1f}" if alone is not None else ""
    return (f"| {name} | {kb} | {solo} | {len(samples):,} | {percentile(lat, 50):.1f} | {percentile(lat, 95):.1f} | "
            f"{percentile(lat, 99):.1f} | {max(lat):.1f} | {len(samples) / wall:.0f} | {errs} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--time-cap", type=float, default=180.0, help="stop sending after this many seconds")
    ap.add_argument("--serial", type=int, default=20, help="requests per route sent alone first")
    ap.add_argument("--inputs", nargs="+", default=[str(SEEDS)],
                    help="what the store is analysed from (default: corpora/seeds)")
    ap.add_argument("--out", default=str(ROOT / "bench/results/web_load.md"))
    ap.add_argument("--append", action="store_true", help="append the section to --out")
    ap.add_argument("--mode", choices=["get", "write", "all"], default="get")
    ap.add_argument("--posts", type=int, default=24)
    ap.add_argument("--post-concurrency", type=int, default=4)
    ap.add_argument("--oversize-clients", type=int, default=16)
    ap.add_argument("--oversize-each", type=int, default=3)
    args = ap.parse_args()

    from storytrace import api

    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="storytrace-webload-") as tmp:
        t = time.perf_counter()
        api.analyze(args.inputs, out=Path(tmp) / "out")
        analyse_s = time.perf_counter() - t
        db = Path(tmp) / "out" / "storytrace.db"
        port = free_port()
        base = f"http://{HOST}:{port}"
        exe = Path(sys.executable).with_name("storytrace")
        cmd = [str(exe), "serve", "--db", str(db), "--host", HOST, "--port", str(port)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            startup = wait_ready(base, proc)
            arts = httpx.get(base + "/api/articles", timeout=30).json()
            aid = arts[len(arts) // 2]["id"]
            routes = [("/", "/"), ("/articles", "/articles"), ("/api/articles", "/api/articles"),
                      ("/api/claims", "/api/claims"), ("/api/search?q=drones", "/api/search?q=drones"),
                      ("/articles/{id}", f"/articles/{aid}")]
            for _, path in routes:  # warm-up, not counted: first render compiles templates, loads the store
                httpx.get(base + path, timeout=60)
            if args.mode in ("get", "all"):
                alone = serial_times(base, routes, args.serial)
                results, wall, errors, sizes = asyncio.run(load(base, routes, args.requests, args.concurrency, args.time_cap))
            if args.mode in ("write", "all"):
                write_lines = write_mode(args, base, proc, len(arts), f"/api/articles/{aid}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""

    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    if args.mode in ("write", "all"):
        write_lines += [f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Load average before/after "
                        f"(shared 2-core machine): before `{uptime_before}`; after `{uptime}`. Server stderr: "
                        f"`{stderr.strip()[:300] or 'empty'}`.", "",
                        f"Reproduce: `nice .venv/bin/python bench/web_load.py --mode write --posts {args.posts} "
                        f"--post-concurrency {args.post_concurrency} --oversize-clients {args.oversize_clients} "
                        f"--oversize-each {args.oversize_each}`", ""]
        text = "\n".join(write_lines)
        marker = "## Web UI: writes and oversize uploads under load"
        old = Path(args.out).read_text(encoding="utf-8") if Path(args.out).exists() else ""
        if marker in old:
            head, _, rest = old.partition(marker)
            nxt = rest.find("\n## ")
            old = head + (rest[nxt + 1:] if nxt >= 0 else "")
        Path(args.out).write_text((old.rstrip() + "\n\n" if old.strip() else "") + text, encoding="utf-8")
        print(text)
        if args.mode == "write":
            return 0 if "MISMATCH" not in text else 1
    every = [s for v in results.values() for s in v]
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"## Web UI under load: `storytrace serve` on loopback, store from {', '.join(label(i) for i in args.inputs)}",
        "",
        f"{len(every):,} GET requests ({args.requests:,} asked, cap {args.time_cap:.0f} s) from "
        f"{args.concurrency} concurrent keep-alive clients (asyncio + httpx) to `storytrace serve` "
        f"(one uvicorn worker) on 127.0.0.1, store analysed from "
        f"{', '.join(label(i) for i in args.inputs)} "
        f"({len(arts):,} articles, analysed in {analyse_s:.0f} s); routes taken round-robin after one "
        f"uncounted warm-up request each; req/s per route is that route's share of the run; *alone* is the p50 of "
        f"{args.serial} requests of that route sent one at a time before the load (the service time). "
        f"Latency in ms, client side (includes the client's own event loop, which shares the 2 cores with the server). Server start-up to first answer: {startup:.1f} s.",
        "",
        "| route | KiB | alone p50 ms | requests | p50 ms | p95 ms | p99 ms | max ms | req/s | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(row(name, v, wall, sizes.get(name), alone.get(name)) for name, v in results.items()),
        row("**all**", every, wall, None),
        "",
        f"Wall {wall:.1f} s; errors {len(errors)}"
        + (f" (first: {errors[0]})" if errors else "")
        + (f"; server stderr: `{stderr.strip()[:300]}`" if stderr.strip() else "; server stderr empty")
        + ".",
        "",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Load average before/after the run "
        f"(1/5/15 min, shared 2-core machine): before `{uptime_before}`; after `{uptime}`.",
        "",
        "Reproduce: `nice .venv/bin/python bench/web_load.py --requests "
        f"{args.requests} --concurrency {args.concurrency}"
        + ("" if args.inputs == [str(SEEDS)] else " --inputs " + " ".join(args.inputs)) + "`",
        "",
    ]
    text = "\n".join(lines)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.append and Path(args.out).exists():
        text = Path(args.out).read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    print(f"loadavg {loadavg}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
