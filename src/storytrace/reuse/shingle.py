"""Words -> stable 64-bit hashes -> word n-gram (shingle) hashes, all in numpy.

Why hashes and not strings: candidate generation must be fast (thousands of articles/s) and its
state (signatures, n-gram postings) must survive a restart, so every hash here is stable across
processes (blake2b per distinct word, cached; n-grams combined arithmetically from word hashes).
"""
from __future__ import annotations

import hashlib
import zlib

import numpy as np

from storytrace.text import WORD

SHINGLE = 5  # word n-gram size for candidates and alignment seeds

_MASK = (1 << 64) - 1
_MUL = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

_word_cache: dict[str, int] = {}
_CACHE_MAX = 2_000_000

# Quote marks and dashes folded so that curly/straight variants of one word hash alike.
def _fold(s: str) -> str:
    # str.replace is ~50x faster than str.translate on long texts
    if "\u2019" in s:
        s = s.replace("\u2019", "'")
    if "\u2018" in s:
        s = s.replace("\u2018", "'")
    return s


def _hash_word(w: str) -> int:
    h = _word_cache.get(w)
    if h is None:
        if len(_word_cache) > _CACHE_MAX:
            _word_cache.clear()
        h = int.from_bytes(hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        _word_cache[w] = h
    return h


def word_hashes(tokens: list[str]) -> np.ndarray:
    """Stable uint64 hash of each (already lower-cased) word."""
    cache = _word_cache
    get = cache.get
    out = [get(w) for w in tokens]
    if None in out:
        out = [h if h is not None else _hash_word(w) for h, w in zip(out, tokens)]
    return np.fromiter(out, dtype=np.uint64, count=len(out))


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (same units as storytrace.text.words, quotes folded)."""
    return WORD.findall(_fold(text.lower()))


def token_spans(text: str) -> tuple[list[str], np.ndarray]:
    """Tokens with their [start, end) character spans in `text` (shape (n, 2), int64)."""
    low = _fold(text.lower())
    if len(low) != len(text):  # a few characters change length when lower-cased: match on the original
        toks: list[str] = []
        spans: list[int] = []
        for m in WORD.finditer(text):
            toks.append(_fold(m.group().lower()))
            spans.extend(m.span())
        return toks, np.asarray(spans, dtype=np.int32).reshape(-1, 2)
    ms = list(WORD.finditer(low))
    toks = [m.group() for m in ms]
    spans = np.fromiter((x for m in ms for x in m.span()), dtype=np.int32, count=2 * len(ms))
    return toks, spans.reshape(-1, 2)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads bits so modulo sampling and banding see uniform values."""
    x = x ^ (x >> _S30)
    x = x * _MIX1
    x = x ^ (x >> _S27)
    x = x * _MIX2
    return x ^ (x >> _S31)


def gram_hashes(wh: np.ndarray, n: int = SHINGLE) -> np.ndarray:
    """Hash of every word n-gram (position i covers words i..i+n-1), order-sensitive."""
    m = len(wh) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    g = wh[:m].copy()
    for k in range(1, n):
        g = g * _MUL + wh[k:k + m]
    return _mix(g)


# Candidate shingles take a faster path than alignment: bytes, lower-cased and with ASCII
# punctuation blanked in C (bytes.translate), split on whitespace, each word hashed with
# crc32 + adler32 (64 bits, stable across processes). Non-ASCII bytes stay inside words.
_BLANK = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256))
_S32 = np.uint64(32)


def fast_tokens(text: str) -> list[bytes]:
    """Word tokens for candidate shingles (ASCII punctuation splits words, case folded)."""
    return _fold(text).encode("utf-8", "surrogatepass").lower().translate(_BLANK).split()


def fast_word_hashes(toks: list[bytes]) -> np.ndarray:
    n = len(toks)
    hi = np.fromiter(map(zlib.crc32, toks), dtype=np.uint64, count=n)
    lo = np.fromiter(map(zlib.adler32, toks), dtype=np.uint64, count=n)
    return (hi << _S32) | lo


def doc_shingles(text: str, n: int = SHINGLE) -> np.ndarray:
    """The set (sorted unique uint64) of word n-gram hashes of a text, for candidates and df."""
    g = np.sort(gram_hashes(fast_word_hashes(fast_tokens(text)), n))
    if len(g) > 1:
        g = g[np.concatenate(([True], g[1:] != g[:-1]))]
    return g


