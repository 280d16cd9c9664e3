"""Candidate generation on allsides: storytrace vs datasketch vs rensa (raw), one run, same sample.

Run: .venv/bin/python bench/reuse_candidates.py [--n 10000]   (first n articles of the shards)
All three use word 5-gram shingles of the same tokens and 128 permutations; the LSH banding is
42 bands x 3 rows for datasketch and storytrace (rensa: 32 x 4, it needs bands to divide 128).
storytrace adds its rare 5-gram index (containment). Each method runs in a forked child, so peak
memory is its own (VmHWM growth over the loaded corpus). Ground truth: pairs with word-5-gram
containment |A & B| / min(|A|, |B|) >= 0.3 among articles with >= 10 distinct 5-grams, computed
exactly by an inverted index (5-grams in > 300 articles are not used to *find* pairs; the
containment of every pair found is then computed exactly).
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timezone

import numpy as np

from reuse_common import allsides_texts

from storytrace.reuse.candidates import BANDS, NUM_PERM, ROWS, CandidateIndex, _pairs_in_groups
from storytrace.reuse.shingle import doc_shingles, fast_tokens

MIN_GRAMS = 10


def _vm(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def in_child(fn):
    """Run fn() in a forked child; return (its result, peak memory growth in bytes)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        import pickle
        base = _vm("VmRSS")
        c0 = time.process_time()
        try:
            out = fn()
            if isinstance(out, tuple):
                out = out + (time.process_time() - c0,)
        except Exception as e:  # noqa: BLE001
            out = ("error", repr(e))
        data = pickle.dumps((out, _vm("VmHWM") - base))
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    import pickle
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def string_shingles(text: str) -> set[str]:
    """The same word 5-grams storytrace hashes, as strings (the libraries' usual input)."""
    t = [w.decode("utf-8", "surrogatepass") for w in fast_tokens(text)]
    return {" ".join(t[i:i + 5]) for i in range(len(t) - 4)}


def run_datasketch(texts):
    from datasketch import MinHash, MinHashLSH
    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
    mhs = []
    for i, tx in enumerate(texts):
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in string_shingles(tx)])
        lsh.insert(i, m)
        mhs.append(m)
    t1 = time.perf_counter()
    pairs = set()
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs, t1 - t0, time.perf_counter() - t0


def run_rensa(texts):
    import rensa
    t0 = time.perf_counter()
    lsh = rensa.RMinHashLSH(threshold=0.5, num_perm=NUM_PERM, num_bands=32)
    mhs = []
    for i, tx in enumerate(texts):
        m = rensa.RMinHash(num_perm=NUM_PERM, seed=42)
        m.update(list(string_shingles(tx)))
        lsh.insert(i, m)
        mhs.append(m)
    t1 = time.perf_counter()
    pairs = set()
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs, t1 - t0, time.perf_counter() - t0


def run_storytrace(texts):
    t0 = time.perf_counter()
    ids = [str(i) for i in range(len(texts))]
    idx = CandidateIndex()
    cps = idx.add(ids, texts)
    dt = time.perf_counter() - t0
    pairs = {(min(int(c.a), int(c.b)), max(int(c.a), int(c.b))) for c in cps}
    lsh_only = sum(1 for c in cps if c.lsh and c.shared == 0)
    return pairs, dt, dt, lsh_only


def truth(texts):
    sh = [doc_shingles(t) for t in texts]
    n = np.array([len(s) for s in sh])
    keys = np.concatenate(sh)
    docs = np.repeat(np.arange(len(sh)), n)
    codes = _pairs_in_groups(keys, docs, 300)
    uc = np.unique(codes)
    out = set()
    for c in uc.tolist():
        i, j = c >> 32, c & 0xFFFFFFFF
        if min(n[i], n[j]) < MIN_GRAMS:
            continue
        inter = len(np.intersect1d(sh[i], sh[j], assume_unique=True))
        if inter / min(n[i], n[j]) >= 0.3:
            out.add((i, j))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    rows = allsides_texts(args.n)
    texts = [t for _, t in rows]
    gt, _mem = in_child(lambda: truth(texts))
    print(f"sample {len(texts)} allsides articles; ground-truth pairs (containment >= 0.3): {len(gt)}")
    res = {}
    for name, fn in (("storytrace candidates()", run_storytrace), ("rensa 0.5.0 raw (RMinHash + RMinHashLSH)", run_rensa),
                     ("datasketch 2.0.0 (MinHash + MinHashLSH)", run_datasketch)):
        out, mem = in_child(lambda fn=fn: fn(texts))
        if out[0] == "error":
            print(name, "failed:", out[1])
            continue
        res[name] = (out, mem)
    ds = [v for k, v in res.items() if k.startswith("datasketch")]
    ds_t = ds[0][0][2] if ds else None
    print()
    ds_cpu = ds[0][0][-1] if ds else None
    print("| method | wall s (shingle+sign+index) | wall s incl. pair query | CPU s | articles/s (wall) | speed vs datasketch (wall / CPU) | peak memory MB | candidate pairs | recall at containment >= 0.3 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (out, mem) in res.items():
        pairs, t_ins, t_all = out[0], out[1], out[2]
        rec = len(gt & pairs) / max(1, len(gt))
        cpu = out[-1]
        sp = f"{ds_t / t_all:.1f}x / {ds_cpu / cpu:.1f}x" if ds_t else "-"
        print(f"| {name} | {t_ins:.1f} | {t_all:.1f} | {cpu:.1f} | {len(texts) / t_all:,.0f} | {sp} | {mem / 1e6:.0f} | {len(pairs):,} | {rec:.3f} |")
    st = res.get("storytrace candidates()")
    if st:
        missed = gt - st[0][0]
        print(f"\nstorytrace: {st[0][3]} pairs from LSH alone; recall given up: {len(missed)} of {len(gt)} pairs")
    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores (shared machine, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
