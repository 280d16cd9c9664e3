"""Crash safety and concurrent use of the store, on a real allsides shard.

Phase 1 (crash): start `storytrace add SHARD --db DB --quiet`, SIGKILL it at a random moment,
then check the store: `PRAGMA integrity_check` is ok, no foreign-key orphans, every article row
is complete (text non-empty, chars == len(text), id == hash of text) and has its path row, and
nothing outside the expected set is stored. Every `--fresh-every` kills (and at the end) a rerun
without a kill must complete with exactly the expected article ids and (id, path) pairs.
Half the rounds resume on the killed store (the user's "just run it again"), and a round
starts on a fresh file so kills also land during schema creation and the first batches.

Phase 2 (concurrency): two `storytrace add` processes on one store at once, with different
and overlapping inputs, and a reader process polling `Store(db).count()`, `load_analysis()`
and `ids()`; no lost article, no "database is locked" anywhere, count never goes down, final
ids and paths exact.

    .venv/bin/python bench/reliability_crash.py                      # 3,000 articles, 50 kills, 3 concurrency runs
    .venv/bin/python bench/reliability_crash.py --articles 300 --kills 5 --concurrency-runs 1   # smoke run
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storytrace.ingest import read_paths  # noqa: E402
from storytrace.model import Article, article_id  # noqa: E402
from storytrace.store import SCHEMA_VERSION, Store  # noqa: E402

CORPUS = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora")) / "allsides" / "articles-00.jsonl.gz"
STORYTRACE = Path(sys.executable).with_name("storytrace")


def build_shard(lines: list[str], path: Path) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def expected_of(paths: list[Path]) -> tuple[set[str], set[tuple[str, str]]]:
    """Article ids and (id, path) pairs the readers produce in-process: what the store must hold."""
    ids, pairs = set(), set()
    for it in read_paths([str(p) for p in paths]):
        if isinstance(it, Article):
            ids.add(it.id)
            pairs.add((it.id, it.path))
    return ids, pairs


def check_store(db: Path, expected: set[str]) -> list[str]:
    """Problems found in a store after a crash (empty list: sound). Opened with plain sqlite3
    first, so nothing in storytrace can mask what the file holds."""
    problems: list[str] = []
    if not db.exists():
        return problems  # killed before the file was created: nothing to check
    conn = sqlite3.connect(str(db), timeout=60)
    try:
        ic = conn.execute("PRAGMA integrity_check").fetchall()
        if ic != [("ok",)]:
            problems.append(f"integrity_check: {ic[:3]}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION) or (version == 0 and tables) or (version and "articles" not in tables):
            problems.append(f"half-migrated schema: user_version {version}, tables {sorted(tables)}")
        if "articles" in tables:
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"foreign_key_check: {len(fk)} orphan rows")
            orphans = conn.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                                   "(SELECT 1 FROM article_paths p WHERE p.article_id = a.id)").fetchone()[0]
            if orphans:
                problems.append(f"{orphans} article rows without a path row")
            bad = 0
            stored = set()
            for aid, text, chars in conn.execute("SELECT id, text, chars FROM articles"):
                stored.add(aid)
                if not text or chars != len(text) or article_id(text) != aid:
                    bad += 1
            if bad:
                problems.append(f"{bad} incomplete article rows")
            extra = stored - expected
            if extra:
                problems.append(f"{len(extra)} unexpected article ids")
            seqs = conn.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM articles").fetchone()
            if seqs[0] != seqs[1]:
                problems.append("duplicate seq values")
    finally:
        conn.close()
    try:  # and storytrace itself must open it (recovery + migration) and agree
        with Store(db) as st:
            st.count()
    except Exception as e:  # noqa: BLE001 - any failure to reopen is the finding
        problems.append(f"Store() failed to reopen: {type(e).__name__}: {e}")
    return problems


def stored(db: Path) -> tuple[set[str], set[tuple[str, str]]]:
    with Store(db) as st:
        ids = set(st.ids())
        pairs = {(r[0], r[1]) for r in st.conn.execute("SELECT article_id, path FROM article_paths")}
    return ids, pairs


def add_cmd(shards: list[Path], db: Path) -> list[str]:
    return [str(STORYTRACE), "add", *map(str, shards), "--db", str(db), "--quiet"]


def full_run(shards: list[Path], db: Path, timeout: float) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(add_cmd(shards, db), capture_output=True, text=True, timeout=timeout)
    return p.returncode, time.perf_counter() - t0, p.stderr + p.stdout


# -- phase 1 -------------------------------------------------------------------------------

def crash_phase(shard: Path, work: Path, kills: int, fresh_every: int, rng: random.Random,
                expected: set[str], pairs: set[tuple[str, str]], timeout: float) -> dict:
    db = work / "crash.db"
    rc, t_full, out = full_run([shard], db, timeout)  # calibration: how long one whole run takes
    ok = rc == 0 and stored(db) == (expected, pairs)
    res = {"calibration_s": round(t_full, 1), "calibration_ok": ok, "kills": 0, "problems": [],
           "reruns": 0, "reruns_exact": 0, "partial_stores": 0, "finished_before_kill": 0, "wal_recoveries": 0, "empty_or_missing": 0,
           "kill_delays": []}
    if not ok:
        res["problems"].append(f"calibration run failed: rc {rc}: {out[-500:]}")

    def rerun_and_check() -> None:
        rc, _, out = full_run([shard], db, timeout)
        res["reruns"] += 1
        got = stored(db)
        if rc == 0 and got == (expected, pairs):
            res["reruns_exact"] += 1
        else:
            res["problems"].append(f"rerun after kill {res['kills']}: rc {rc}, {len(got[0])} ids vs "
                                   f"{len(expected)} expected, missing {len(expected - got[0])}, "
                                   f"paths missing {len(pairs - got[1])}: {out[-300:]}")

    def fresh() -> None:
        for db_file in work.glob("crash.db*"):
            db_file.unlink()

    fresh()
    k = attempts = 0
    while k < kills and attempts < 4 * kills:
        attempts += 1
        delay = rng.uniform(0.0, t_full)
        p = subprocess.Popen(add_cmd([shard], db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            p.wait(timeout=delay)
            # It finished first: no kill. A complete store gives way to a fresh one, so
            # the next kills land in a first ingest again rather than in a quick re-read.
            res["finished_before_kill"] += 1
            fresh()
            continue
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
        k += 1
        res["kills"] += 1
        res["kill_delays"].append(round(delay, 2))
        wal = db.with_name(db.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            res["wal_recoveries"] += 1
        problems = check_store(db, expected)
        for pr in problems:
            res["problems"].append(f"kill {k} at {delay:.2f}s: {pr}")
        n = len(stored(db)[0]) if db.exists() else 0
        if 0 < n < len(expected):
            res["partial_stores"] += 1
        elif n == 0:
            res["empty_or_missing"] += 1
        print(f"kill {k}/{kills} at {delay:5.2f}s, {n} articles stored: {'ok' if not problems else problems}", flush=True)
        if k % fresh_every == 0 or k == kills:
            rerun_and_check()
            fresh()
    return res


# -- phase 2 -------------------------------------------------------------------------------

READER = r"""
import json, os, sys, time
from storytrace.store import Store
db, stop = sys.argv[1], sys.argv[2]
polls = errors = decreases = fresh_opens = analyses = 0
last = -1
msgs = []
persistent = None
while not os.path.exists(stop):
    try:
        if polls % 2 == 0:   # a fresh connection each time, like a request handler opening the store
            with Store(db) as s:
                c = s.count(); a = s.load_analysis(); ids = s.ids()
            fresh_opens += 1
        else:                # and one long-lived connection
            persistent = persistent or Store(db)
            c = persistent.count(); a = persistent.load_analysis(); ids = persistent.ids()
        if c < last:
            decreases += 1
        last = c
        analyses += a is not None
    except Exception as e:
        errors += 1
        msgs.append(f"{type(e).__name__}: {e}")
    polls += 1
    time.sleep(0.01)
print(json.dumps({"polls": polls, "errors": errors, "decreases": decreases, "fresh_opens": fresh_opens,
                  "analyses_read": analyses, "messages": msgs[:5]}))
"""


def concurrency_run(a: Path, b: Path, work: Path, i: int, expected: set[str], pairs: set[tuple[str, str]],
                    seed_analysis: bool, timeout: float) -> dict:
    db = work / f"conc{i}.db"
    stop = work / f"conc{i}.stop"
    for f in list(work.glob(f"conc{i}.db*")) + [stop]:
        f.unlink(missing_ok=True)
    if seed_analysis:
        with Store(db) as st:
            st.save_analysis({"version": 1, "articles": [], "note": "seeded so readers parse a JSON blob"})
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    t0 = time.perf_counter()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    adds = [subprocess.Popen(add_cmd([s], db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for s in (a, b)]
    outs = [p.communicate(timeout=timeout) for p in adds]
    wall = time.perf_counter() - t0
    stop.write_text("stop")
    rout, rerr = reader.communicate(timeout=120)
    rstats = json.loads(rout.strip().splitlines()[-1]) if rout.strip() else {"errors": -1, "messages": [rerr[-300:]]}
    got = stored(db)
    text = " ".join(o + e for o, e in outs) + rerr + " ".join(rstats.get("messages", []))
    res = {"run": i, "seeded": seed_analysis, "wall_s": round(wall, 1), "add_rc": [p.returncode for p in adds],
           "stored": len(got[0]), "expected": len(expected), "exact_ids": got[0] == expected,
           "exact_paths": got[1] == pairs, "locked_messages": text.lower().count("locked"),
           "reader": rstats, "integrity": check_store(db, expected)}
    res["ok"] = (res["add_rc"] == [0, 0] and res["exact_ids"] and res["exact_paths"] and not res["locked_messages"]
                 and rstats.get("errors") == 0 and rstats.get("decreases") == 0 and not res["integrity"])
    print(f"concurrency run {i}: {'ok' if res['ok'] else 'FAILED'} {res}", flush=True)
    return res


# -- report --------------------------------------------------------------------------------

def write_markdown(path: Path, args: argparse.Namespace, crash: dict | None, conc: list[dict], wall: float,
                   n_expected: int) -> None:
    cmd = (".venv/bin/python bench/reliability_crash.py --articles {a} --kills {k} --seed {s} --fresh-every {f} "
           "--concurrency-runs {c}").format(a=args.articles, k=args.kills, s=args.seed, f=args.fresh_every,
                                            c=args.concurrency_runs)
    lines = [f"## Reliability: SIGKILL during `storytrace add`, concurrent writers and readers ({dt.date.today()})", "",
             f"Shard: first {args.articles} lines of corpora/allsides/articles-00.jsonl.gz ({n_expected} distinct "
             f"articles after reading); machine: {os.cpu_count()} cores shared, load average "
             f"{os.getloadavg()[0]:.1f} at the end; total wall {wall:.0f} s.", "",
             f"Command (from the repository root): `{cmd}`", ""]
    if crash:
        d = sorted(crash["kill_delays"])
        lines += ["| crash phase | value |", "|---|---|",
                  f"| uninterrupted run (calibration) | {crash['calibration_s']} s, exact ids: {crash['calibration_ok']} |",
                  f"| SIGKILLs delivered | {crash['kills']} (delay uniform in [0, calibration]; runs that finished before "
                  f"their delay, not counted: {crash['finished_before_kill']}; min {d[0] if d else '-'} s, "
                  f"median {d[len(d) // 2] if d else '-'} s, max {d[-1] if d else '-'} s) |",
                  f"| kills that left a partial store (0 < articles < expected) | {crash['partial_stores']} |",
                  f"| kills before any article was stored | {crash['empty_or_missing']} |",
                  f"| kills that left a non-empty WAL to recover | {crash['wal_recoveries']} |",
                  f"| integrity_check / orphan / half-article / unexpected-id problems | {len(crash['problems'])} |",
                  f"| reruns to completion with exactly the expected ids and paths | {crash['reruns_exact']} / {crash['reruns']} |",
                  ""]
        for p in crash["problems"][:20]:
            lines.append(f"- problem: {p}")
        if crash["problems"]:
            lines.append("")
    if conc:
        lines += ["| concurrency run | store seeded | wall s | add exit codes | stored / expected | exact ids & paths | "
                  "reader polls (fresh opens) | reader errors | count decreases | 'locked' messages |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in conc:
            rd = r["reader"]
            lines.append(f"| {r['run']} | {'yes' if r['seeded'] else 'no (3 processes create it)'} | {r['wall_s']} | "
                         f"{r['add_rc']} | {r['stored']} / {r['expected']} | {r['exact_ids'] and r['exact_paths']} | "
                         f"{rd.get('polls')} ({rd.get('fresh_opens')}) | {rd.get('errors')} | {rd.get('decreases')} | "
                         f"{r['locked_messages']} |")
        lines.append("")
        lines.append("Inputs per run: writer A = shard lines 1..2/3, writer B = lines 1/3..end (the middle third in both, "
                     "so the same articles arrive from two processes under two paths).")
        lines.append("")
    update_section(path, "reliability_crash", "\n".join(lines))


def update_section(path: Path, key: str, body: str) -> None:
    """Replace this script's section of the results file, keeping the other scripts' sections."""
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end):].lstrip("\n")
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fresh-every", type=int, default=10, help="rerun to completion, check, and start a fresh store every N kills")
    ap.add_argument("--concurrency-runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed for one uninterrupted add")
    ap.add_argument("--out", default=str(REPO / "bench/results/reliability.md"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        lines = list(itertools.islice(fh, args.articles))
    with tempfile.TemporaryDirectory(prefix="storytrace-rel-") as tmp:
        work = Path(tmp)
        shard = build_shard(lines, work / "shard.jsonl")
        expected, pairs = expected_of([shard])
        print(f"shard: {len(lines)} lines, {len(expected)} distinct articles", flush=True)
        crash = None
        if args.kills:
            crash = crash_phase(shard, work, args.kills, args.fresh_every, rng, expected, pairs, args.timeout)
        conc = []
        if args.concurrency_runs:
            third = len(lines) // 3
            a = build_shard(lines[: 2 * third], work / "writer-a.jsonl")
            b = build_shard(lines[third:], work / "writer-b.jsonl")
            ea, pa = expected_of([a])
            eb, pb = expected_of([b])
            for i in range(1, args.concurrency_runs + 1):
                conc.append(concurrency_run(a, b, work, i, ea | eb, pa | pb, seed_analysis=i % 2 == 0,
                                            timeout=args.timeout * 2))
    wall = time.perf_counter() - t0
    write_markdown(Path(args.out), args, crash, conc, wall, len(expected))
    ok = (crash is None or (not crash["problems"] and crash["reruns_exact"] == crash["reruns"])) and all(c["ok"] for c in conc)
    print(f"{'OK' if ok else 'FAILED'} in {wall:.0f} s; wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
