"""HTML bytes -> str: byte-order mark, then the bytes themselves, then the page's own claim.

Why this order: a page whose bytes are valid UTF-8 (with non-ASCII in them) is UTF-8 whatever its
meta tag says (random Latin-1 text is almost never valid UTF-8), so a wrong `<meta charset>` cannot
garble it. When the bytes are not UTF-8, the declared charset is believed if it decodes cleanly;
failing that, Western cp1252 text is recognised by its share of accented letters, then
charset-normalizer guesses, and cp1252 (the WHATWG reading of "latin-1") with
replacement characters is the last resort, so decoding never fails on HTML.
"""
from __future__ import annotations

import codecs
import re

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]

# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">, <?xml encoding="x"?>
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})""", re.I)

# WHATWG Encoding Standard: these labels mean windows-1252 in browsers.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "l1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252", "iso_8859-1": "cp1252",
            "windows-1252": "cp1252", "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030"}


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first 4 KB (meta tag or XML declaration), or None."""
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii", "ignore").strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _western_cp1252(data: bytes) -> str | None:
    """cp1252 text when the bytes read as Western European prose, else None.

    charset-normalizer misreads short Latin-1 pages (as cp1250, mac_latin2...), so this check
    comes first: in Western text accented letters are a minority of letters, whereas Cyrillic or
    Greek single-byte text read as cp1252 turns almost every letter into an accented one.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(1 for c in text if c.isalpha())
    high = sum(1 for c in text if ord(c) > 127 and c.isalpha())
    if letters and high / letters < 0.3:
        return text
    return None


def _lookup(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML page; returns (text, encoding used). Never raises on any bytes.

    `charset` is what the transport said (an HTTP Content-Type header, e.g. from a WARC record);
    it is weighed like the page's own meta tag and wins over it.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _lookup(charset) or declared_charset(data)
    if declared and declared not in ("utf-8", "utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    western = _western_cp1252(data)
    if western is not None:
        return western, "cp1252"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 512 * 1024]).best()
    except Exception:  # pragma: no cover - a detector bug must not stop ingest
        best = None
    if best is not None and best.encoding:
        enc = _ALIASES.get(best.encoding.lower(), best.encoding)
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"
