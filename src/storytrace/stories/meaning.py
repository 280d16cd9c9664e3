"""Article -> one sentence-embedding vector for event similarity: the optional "meaning" signal.

Why the headline: news puts the happening in its headline, and two outlets' headlines of one event
say it in other words ("Astronauts identify unknown microbes in space" / "... have identified ...")
where the words of the bodies may differ more. Measured on three labelled corpora (bench/results/
events.md, "Embeddings, fourth session"): the title embedding separates same-event from other pairs
better than the title + lead or the lead alone, and it is the cheapest (one short text per article).
An article without a title uses its first sentence.

Why one text per encoder call: the vector must be a function of the article alone (the store caches
per-article features; batch, incremental and any input order must see the same floats). Encoding
texts in batches pads them to the longest in the batch, which moves the last bits of a vector with
the batch's company; one text per call does not. Vectors are rounded to float16 precision and kept
as float32, so a vector read back from a store equals the one computed.

The model is optional (`storytrace.reuse.embed.load_embedder`: all-MiniLM-L6-v2, int8 ONNX, offline
from PyPI packages); without it `article_vectors` returns {} and clustering stays lexical. How the
vectors enter the pair similarity: `blend` (used by `EventIndex._event_sims` / `event_sim`), only on
pairs published at most `Params.meaning_max_days` apart: look-alike events (two earthquakes, two
arrests) have look-alike headlines too, and on every pair the signal merged them (measured).
"""
from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from ..model import Article
from ..text import sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from .index import Params
    from .result import StoryResult


DIM = 384
MAX_CHARS = 300  # a headline; a first sentence cut here (the model reads 256 tokens at most)
# What a cached vector depends on besides the article: a store keeping vectors keys them with this.
SIGNATURE = "all-MiniLM-L6-v2/headline/f16/1"


def meaning_text(article: Article) -> str:
    """The text whose embedding stands for the article: its title, else its first sentence."""
    title = " ".join((article.title or "").split())
    if title:
        return title[:MAX_CHARS]
    text = article.text or ""
    spans = sentence_spans(text[:2000])
    return " ".join(text[spans[0][0]:spans[0][1]].split())[:MAX_CHARS] if spans else ""


def load() -> object | None:
    """The sentence embedder, or None (logged once why) when the models extra is not installed."""
    from ..reuse.embed import load_embedder
    return load_embedder()


def article_vector(article: Article, embedder: object) -> np.ndarray | None:
    """Unit 384-d float32 vector of `meaning_text(article)`; None when the article has no text."""
    text = meaning_text(article)
    if not text:
        return None
    v = np.asarray(embedder.encode([text])[0], dtype=np.float32)  # type: ignore[attr-defined]
    return _canonical(v)


def article_vectors(articles: Iterable[Article], embedder: object | None = None) -> dict[str, np.ndarray]:
    """{article id: meaning vector} for `articles`; {} when no embedder is installed (lexical path)."""
    emb = embedder if embedder is not None else load()
    if emb is None:
        return {}
    out: dict[str, np.ndarray] = {}
    for a in articles:
        if a.id in out:
            continue
        v = article_vector(a, emb)
        if v is not None:
            out[a.id] = v
    return out


def _canonical(v: np.ndarray) -> np.ndarray:
    """Unit length, rounded to float16 (what a store keeps), held as float32."""
    n = float(np.linalg.norm(v))
    if not n or not np.isfinite(n):
        return np.zeros(DIM, np.float32)
    return (v / n).astype(np.float16).astype(np.float32)


def to_text(v: np.ndarray) -> str:
    """A vector as short ASCII for a JSON state (float16, base64: 1 KB per article)."""
    return base64.b64encode(np.asarray(v, np.float16).tobytes()).decode("ascii")


def from_text(s: str) -> np.ndarray:
    """The inverse of `to_text` (the same float32 vector `article_vector` gave)."""
    return np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)


def node_matrix(ids: list[str], vectors: Mapping[str, np.ndarray]) -> np.ndarray:
    """Row k = the vector of ids[k] (zeros where an article has none)."""
    M = np.zeros((len(ids), DIM), np.float32)
    for k, a in enumerate(ids):
        v = vectors.get(a)
        if v is not None:
            M[k] = v
    return M


def pair_cosines(M: np.ndarray, I: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of the meaning vectors of pairs (I[k], J[k]) and whether both articles have one.

    Row by row in float64 from float16-exact inputs, so a pair's cosine is the same float however
    the pairs are batched (the product of two float16 values is exact in float64; the sum runs in
    one fixed order per row)."""
    out = np.zeros(len(I))
    has = np.zeros(len(I), bool)
    step = 1 << 13  # rows per chunk: two float64 temporaries of 25 MB
    for k in range(0, len(I), step):
        A = M[I[k:k + step]].astype(np.float64)
        B = M[J[k:k + step]].astype(np.float64)
        out[k:k + step] = np.einsum("ij,ij->i", A, B)
        has[k:k + step] = A.any(axis=1) & B.any(axis=1)  # a zero row: no vector
    return out, has
    nz = np.abs(M).sum(axis=1) > 0
    has = nz[I] & nz[J]
    step = 1 << 13  # rows per chunk: two float64 temporaries of 25 MB
    for k in range(0, len(I), step):
        A = M[I[k:k + step]].astype(np.float64)
        B = M[J[k:k + step]].astype(np.float64)
        out[k:k + step] = np.einsum("ij,ij->i", A, B)
    return out, has


def blend(S: np.ndarray, e: np.ndarray, has: np.ndarray, weight: float, center: float) -> np.ndarray:
    """Pair similarity with meaning: S + weight x (e - center) where both articles have a vector.

    `center` is the meaning cosine that neither helps nor hurts (unrelated news headlines lie
    around 0.1-0.3, one event's around 0.6); pairs without vectors keep their lexical similarity."""
    if not weight:
        return S
    return np.where(has, S + weight * (e - center), S)


def cluster_with_meaning(articles: Iterable[Article], params: "Params | None" = None,
                         vectors: Mapping[str, np.ndarray] | None = None) -> "StoryResult":
    """`stories.cluster` with the meaning signal: `vectors` (default: computed here when the model
    is installed) recorded before the batch clustering. Without a model, or with
    `params.meaning_weight == 0`, this is exactly `stories.cluster(articles, params)`."""
    from .index import EventIndex, Params as _Params
    arts = sorted(articles, key=lambda a: a.id)
    p = params or _Params()
    idx = EventIndex(p)
    if p.meaning_weight:
        idx.add_meaning(dict(vectors) if vectors is not None else article_vectors(arts))
    idx.add(arts, place=False)
    idx.recluster()
    return idx.result()
