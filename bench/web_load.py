"""Bounded load test of `storytrace serve` on loopback: latency percentiles, throughput, errors.

Analyses corpora/seeds into a temporary store, starts `storytrace serve --db DB --port P` on a free
127.0.0.1 port as a subprocess, then sends a fixed number of GET requests (default 2,000) from a
fixed number of concurrent clients (default 8, asyncio + httpx, keep-alive) over a mix of routes,
round-robin so every route gets the same share. Stops by itself at --time-cap seconds; the server
is stopped at the end whatever happens. Writes a markdown section to bench/results/web_load.md.

    .venv/bin/python bench/web_load.py [--requests 2000] [--concurrency 8] [--time-cap 120]
        [--inputs PATH ...] [--append]
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
            alone = serial_times(base, routes, args.serial)
            results, wall, errors, sizes = asyncio.run(load(base, routes, args.requests, args.concurrency, args.time_cap))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""

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
