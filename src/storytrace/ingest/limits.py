"""Input limits: what a news article can plausibly be. Configurable, never silent."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # One article's raw bytes (a text or HTML file, one JSONL line, one feed item, one WARC record).
    max_article_bytes: int = 8 * 1024 * 1024
    # A container (JSONL, feed, WARC) after decompression; guards gzip bombs.
    max_container_bytes: int = 4 * 1024 * 1024 * 1024
    # Decompressed/compressed ratio beyond which a gzip stream is treated as a bomb
    # (news text compresses 3-5x, JSONL of news under 10x; 100x only by crafted or degenerate input).
    max_gzip_ratio: int = 100
    # Clean text shorter than this is no article.
    min_text_chars: int = 20
    # ... and fewer words than this (runs of two or more letters) is a label or an identifier
    # ("12.07.99/court-case"), not an article. Scripts written without spaces are exempt.
    min_text_words: int = 3
    # JSON nesting deeper than this is refused (articles are flat records).
    max_json_depth: int = 32
    # Rejections reported one by one per container file; beyond this they are counted in one
    # summary line (a gzip of a million junk lines must not print and store a million reasons).
    max_rejections_per_file: int = 1000


DEFAULT_LIMITS = Limits()


def size_text(n: int) -> str:
    """A byte count as people read it in a rejection reason: 8 MiB, 64 KiB, 500 bytes
    (a configured limit under 1 MiB must not read as "0 MiB")."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v == int(v) or v >= 10 else f"{v:.1f} {unit}"
    return f"{n} bytes"
