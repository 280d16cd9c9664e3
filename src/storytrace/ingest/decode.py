"""Bytes -> str with encoding detection, and the binary-file check."""
from __future__ import annotations

import codecs

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


class DecodeError(ValueError):
    pass


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the head of a file mean it is no text (UTF-16/32 with
    a BOM excepted)."""
    head = data[:8192]
    if any(head.startswith(b) for b, _ in _BOMS[1:]):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for c in head if c < 32 and c not in (9, 10, 13, 12, 25, 27))
    return ctrl > 0.1 * max(len(head), 1)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes; returns (text, encoding). Order: BOM, a declared charset that decodes
    cleanly, UTF-8, then charset-normalizer's best guess, then cp1252 for the Western wire and
    newspaper texts that carry stray high bytes (see the comment below)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise DecodeError(f"undecodable bytes after a {enc} byte-order mark ({e.reason})") from None
    if declared:
        try:
            return data.decode(declared), declared.lower()
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly-ASCII text with a few high bytes is Western single-byte copy (pound signs,
    # accents, typographic quotes); detectors guess Central European code pages there from too
    # little evidence. Text with many high bytes (Cyrillic, Greek...) goes to the detector.
    high = sum(1 for c in data if c > 127)
    if high <= 0.02 * len(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise DecodeError("undecodable bytes: not UTF-8 and no single-byte encoding fits") from None
