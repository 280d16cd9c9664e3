"""The fast paths of the sources stage read exactly what the plain code read, on real articles.

The stage was made faster without changing its output (bench/sources_speed.py: every attribution,
speaker, span and source identical on 1k/5k allsides, BASIL and giveme5w1h): patterns that open with a
letter instead of `\\b`, pre-filters that skip sentences which cannot hold a cue, quotes masked in
slices, the continuation-quote lookup by bisection, and the registry's short-name merge by an index.
Each test here holds one fast path to its plain reference on real corpus text, so a pre-filter or
rewritten pattern that drops a match fails here instead of silently losing attributions.
"""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from storytrace import text as T
from storytrace.model import Article
from storytrace.sources import build_registry, extract_attributions, source_id
from storytrace.sources import cues as C
from storytrace.sources import mentions as M
from storytrace.sources import resolve as R
from storytrace.sources.quotes import Quote, find_quotes, mask_quotes
from storytrace.sources.registry import canonical


@pytest.fixture(scope="module")
def basil(corpora) -> list[Article]:
    rows = [json.loads(line) for line in open(corpora / "basil" / "articles.jsonl", encoding="utf-8")]
    return [Article(text=r["text"], external_id=r["id"]) for r in rows]


@pytest.fixture(scope="module")
def texts(corpora, basil) -> list[str]:
    """BASIL and giveme5w1h texts as the cue finder reads them (quotes masked)."""
    out = [a.text for a in basil[:150]]
    for line in open(corpora / "giveme5w1h" / "articles.jsonl", encoding="utf-8"):
        out.append(json.loads(line).get("text") or "")
        if len(out) >= 300:
            break
    return out


def _masked(text: str) -> tuple[str, str, list[Quote]]:
    flow = C.blank_parens(C.unwrap(text)).replace("--", "\u2014\u2014")
    quotes = find_quotes(flow)
    return flow, mask_quotes(flow, quotes), quotes


def _found(rx: re.Pattern, text: str) -> list:
    return [(m.span(), m.groups()) for m in rx.finditer(text)]


def test_letter_first_patterns_match_their_plain_boundary_forms(texts):
    """`X(?<!\\w.)` after a first letter is `\\bX`: the rewritten name, title and verb patterns find the
    very same matches and groups as the plain `\\b(...)` patterns they replace."""
    plain = {
        "names": (R._NAME_RE, re.compile(r"\b" + R._NAME_WORD + r"(?:[ \t]+(?:[A-Z]\.[ \t]+)?" + R._NAME_WORD + r"){1,7}\b")),
        "titled one": (R._TITLED_ONE, re.compile(
            r"\b(Mr|Mrs|Ms|Miss|Dr|President|Sen|Senator|Rep|Representative|Gov|Governor|Mayor|Justice|Judge|Speaker)\.?[ \t]+"
            r"([A-Z][a-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z]+)?)\b(?![ \t]+[A-Z])")),
        "titled": (R._TITLED, re.compile(
            r"\b(President|Senator|Sen|Governor|Gov|Secretary|Minister|Ambassador|Mayor|Speaker|Judge|Justice|Chairman|"
            r"Chairwoman|Director|Rep|Representative|General|Gen|Prime Minister)\.?\s+"
            r"((?:[A-Z][a-z\u00C0-\u024F'\u2019-]+\s+){0,2}[A-Z][a-z\u00C0-\u024F'\u2019-]+)")),
        "verbs": (C._VERB_RE, re.compile(r"\b(" + "|".join(sorted(C._ALL_VERBS, key=len, reverse=True)) + r")\b")),
    }
    counts = Counter()
    for text in texts:
        _, masked, _ = _masked(text)
        for name, (fast, ref) in plain.items():
            got = _found(fast, masked)
            assert got == _found(ref, masked), name
            counts[name] += len(got)
    # (on the un-masked text too: names inside quotes, "St. Louis", "U.S. Sen. X")
    for text in texts[:60]:
        for name, (fast, ref) in plain.items():
            assert _found(fast, text) == _found(ref, text), name
    assert min(counts.values()) > 300, counts      # the sample holds many of each


def test_scans_from_first_characters_match_finditer(texts):
    """`text.finditer_from` (sentence boundaries, surnames) finds what `finditer` finds; sentence
    spans are the same as the plain scan's (claims and events use them too)."""
    def plain_sentence_spans(text):
        spans, start = [], 0
        for m in T._BOUNDARY.finditer(text):
            if m.group().startswith("\n"):
                end = m.start()
            else:
                end = m.end(1)
                if text[m.start(1)] == "." and T._is_abbreviation(text, m.start(1) + 1) and not m.group(1).endswith(('"', "\u201d")):
                    continue
            T._push(text, start, end, spans)
            start = m.end()
        T._push(text, start, len(text), spans)
        return spans

    n = 0
    for text in texts:
        _, masked, _ = _masked(text)
        for t in (text, masked):
            assert T.sentence_spans(t) == plain_sentence_spans(t)
            assert [(m.span(), m.groups()) for m in T.finditer_from(R._SURNAME_RE, R._CAPITAL_WORD_START, t)] == _found(R._SURNAME_RE, t)
            n += len(T.sentence_spans(t))
    assert n > 5000
    # line-break runs, an abbreviation, a final sentence without punctuation
    t = 'Sen. Roe said so.\n\n\n"Yes!" he said. Mr. Doe agreed\nEnd'
    assert T.sentence_spans(t) == plain_sentence_spans(t)


def test_cue_index_skips_no_sentence_with_a_cue(texts):
    """With the per-article index, `sentence_cues` skips the phrase patterns in sentences that cannot
    hold them; every cue (kind, position, speaker, content) is the same as without the index."""
    kinds = Counter()
    for text in texts:
        flow, masked, quotes = _masked(text)
        index = C.CueIndex(masked, quotes)
        for ss, se in T.sentence_spans(masked):
            fast = C.sentence_cues(flow, masked, ss, se, quotes, set(), index)
            slow = C.sentence_cues(flow, masked, ss, se, quotes, set())
            key = [(c.cue, c.pos, c.mention.name, c.content, c.via.name if c.via else None, c.secondary) for c in fast]
            assert key == [(c.cue, c.pos, c.mention.name, c.content, c.via.name if c.via else None, c.secondary) for c in slow]
            kinds.update(c.cue for c in fast)
            kinds.update("via" for c in fast if c.via)
    assert kinds["according to"] >= 20 and kinds["citing"] >= 3 and kinds["via"] >= 3, kinds


def test_time_tail_gate_never_hides_a_time_tail(texts):
    """The clause before a verb loses its time tail ("..., officials said on Monday" read backwards:
    "X on Monday said"); the cheap end check lets through every clause the full pattern matches."""
    hits = 0
    for text in texts[:80]:
        _, masked, _ = _masked(text)
        for ss, se in T.sentence_spans(masked):
            for m in re.finditer(r"\w\b", masked[ss:se]):
                left = masked[ss:ss + m.end()].rstrip()
                full = C._TIME_TAIL.search(left)
                if full:
                    hits += 1
                    assert C._TIME_END.search(left, max(0, len(left) - 12)), left[-60:]
    assert hits > 100


def test_masking_in_slices_is_the_character_loop(texts):
    def plain(text, quotes):
        chars = list(text)
        for q in quotes:
            for k in range(q.inner_start, q.inner_end):
                chars[k] = "x" if not chars[k].isspace() else " "
            if text[q.inner_start].isupper():
                chars[q.inner_start] = "X"
            if text[q.inner_end - 1] in ".!?,;:":
                chars[q.inner_end - 1] = text[q.inner_end - 1]
        return "".join(chars)

    n = 0
    for text in texts:
        quotes = find_quotes(text)
        assert mask_quotes(text, quotes) == plain(text, quotes)
        n += len(quotes)
    assert n > 1000
    # one-character quotes, a line break inside a quote, quotes out of order (the fallback)
    t = 'A "B" then "c," and "Two\nlines." end'
    qs = find_quotes(t)
    assert mask_quotes(t, qs) == plain(t, qs)
    assert mask_quotes(t, qs[::-1]) == plain(t, qs[::-1])


def test_tokens_keep_their_words(texts):
    """Tokens carry `low`/`cap` computed once; `_base` skips the regex only where it cannot apply."""
    for text in texts[:40]:
        for t in M.tokens(text, 0, len(text)):
            assert t.low == t.text.lower().rstrip(".") and t.cap == t.text[0].isupper()
            assert M._base(t.low) == M._POSS.sub("", t.low)
    a, b = M.tokens("Roe's", 0, 5)[0], M.tokens("Roe's", 0, 5)[0]
    assert a == b and M._base(a.low) == "roe"


def test_registry_short_name_merge_is_the_full_scan(basil):
    """Short forms ("Roe", "Courier") join the single longer name of a fitting kind that ends with
    them: the indexed lookup gives every attribution the source the scan over all names gave."""
    atts = [x for a in basil for x in extract_attributions(a)]
    reg = build_registry(basil, atts)
    # The reference: the scan over every key, as the registry did it before.
    kinds: dict[str, Counter] = {}
    keys: list[str] = []
    for a in atts:
        k = canonical(a.source_name) + (f"@{a.article_id}" if a.source_kind == "other" else "")
        if k not in kinds:
            kinds[k] = Counter()
            keys.append(k)
        kinds[k][a.source_kind] += 1
        if a.via:
            vk = canonical(a.via)
            if vk not in kinds:
                kinds[vk] = Counter()
                keys.append(vk)
            kinds[vk]["outlet"] += 1
    merge = {}
    for k in keys:
        if "@" in k or len(k.split()) != 1:
            continue
        kind = kinds[k].most_common(1)[0][0]
        cands = [o for o in keys if o != k and "@" not in o and o.split()[-1] == k and len(o.split()) > 1
                 and kinds[o].most_common(1)[0][0] in ({"person"} if kind in ("person", "organization") else {kind, "outlet", "agency"})]
        if len(cands) == 1:
            merge[k] = cands[0]
    assert len(merge) >= 10      # ("biden" -> "joe biden", "perry" -> "rick perry", ...)

    def final(k):
        while k in merge:
            k = merge[k]
        return k

    for a, d in zip(atts, reg.attributions):
        k = canonical(a.source_name) + (f"@{a.article_id}" if a.source_kind == "other" else "")
        assert d["source_id"] == source_id(final(k)), a.source_name


def test_basil_attributions_unchanged(basil):
    """The first 100 BASIL articles give what the code before the speed work gave (counts by cue,
    continuation quotes, affiliations, on_behalf_of): a fast path that drops or adds one fails here.
    (Update these numbers only for a deliberate change of behaviour, with its own measurement.)"""
    cues, n, aff, obo = Counter(), 0, 0, 0
    for a in basil[:100]:
        for x in extract_attributions(a):
            cues[x.cue] += 1
            n += 1
            aff += len(x.affiliations)
            obo += x.on_behalf_of is not None
    assert (n, aff, obo) == (1361, 788, 80)
    assert {k: cues[k] for k in ("said", "told", "according to", "citing", "per", ":", "context", "continues", "saying")} == {
        "said": 546, "told": 72, "according to": 18, "citing": 3, "per": 1, ":": 9, "context": 96, "continues": 183, "saying": 41}


def test_last_word_readers_match_their_patterns(texts):
    """The word before a verb, read backwards, is what the `$`-anchored patterns found, at every
    word end of real sentences (and at windows cut inside words, after punctuation, at apostrophes)."""
    n = 0
    for text in texts[:60]:
        _, masked, _ = _masked(text)
        ends = [m.end() for m in re.finditer(r"\w\b|[,.'\u2019\"\u201d]", masked)]
        for end in ends:
            for lo in (max(0, end - 60), max(0, end - 3), end - 1):
                m = C._LAST_WORD.search(masked, lo, end)
                assert C._last_word(masked, lo, end) == ((m.group(1), m.start(1)) if m else None), masked[lo:end]
                m = C._LAST_WORD_SPACE.search(masked, lo, end)
                assert C._last_word_space(masked, lo, end) == ((m.group(1), m.start(1)) if m else None), masked[lo:end]
                n += 1
    for t in ("it's", "rock 'n' roll", "‘quoted’ ", "x, ’", "''", "  ", "a_b\u00e9 ", "Roe\u2019s, said", "2019: "):
        for lo in range(len(t)):
            for end in range(lo, len(t) + 1):
                m = C._LAST_WORD.search(t, lo, end)
                assert C._last_word(t, lo, end) == ((m.group(1), m.start(1)) if m else None), (t, lo, end)
                m = C._LAST_WORD_SPACE.search(t, lo, end)
                assert C._last_word_space(t, lo, end) == ((m.group(1), m.start(1)) if m else None), (t, lo, end)
    assert n > 10000
