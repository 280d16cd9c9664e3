"""Check-worthy statements of one article: sentences with a quantity, a time, or a named actor doing something.

A fact-checker checks numbers, dates and who-did-what; opinions and scene-setting are left out.
Each mention keeps its sentence span in `Article.text`, the quantity and time read from it (with
their own spans), the actors named, and its stance (a denial, a concession, or both in order),
which the conflict finder needs.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..model import Article
from ..text import WORD, sentence_spans, word_cache, words
from .quantities import _NUMBER_WORDS as _QTY_NUMBER_WORDS, _TIME_UNITS, Quantity, find_quantities
from storytrace.text import trie_pattern
from .times import _TRIGGER_WORDS, TimeValue, find_times

Span = tuple[int, int]

STOPWORDS = frozenset("""a an the and or but if then than that this these those there here of in on at to for from by
with without against into onto over under since during after before about above below up down out off as is are was
were be been being has have had do does did will would can could may might must shall should not no nor so such it its
their his her our your them they he she we you i me him us my who whom whose which what when where while why how also
just only even still yet very more most less least much many some any each every both either neither other another
own same too said says say saying told tell according report reported reports per via one two three four five six
seven eight nine ten hundred hundreds thousand thousands million millions billion dozen dozens
new would could mr mrs ms s t don't it's that's""".split())

_DENY = re.compile(r"\b(?:den(?:y|ies|ied|ying|ial)|reject(?:s|ed|ing)?|refut(?:e|es|ed|ing)|dismiss(?:es|ed)?|"
                   r"unfounded|unsubstantiated|baseless|lacks? factual basis|no truth|categorically)\b")
_CONCEDE = re.compile(r"\b(?:conced(?:e|es|ed|ing)|admit(?:s|ted|ting)?|acknowledg(?:e|es|ed|ing)|"
                      r"(?:finally|later|eventually) confirm(?:s|ed)?|did (?:provide|send|supply|deliver))\b")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|neither|nor|without|n't|cannot)\b")
# The patterns above and below are matched against lower-cased text (case-insensitive alternations
# are several times slower in `re`).
# Verbs of happenings (not of speech): with a named actor they make a sentence worth checking.
_EVENT_STEMS = """agree sign deploy send sent launch attack kill arrest announc confirm deny denie admit conced approv
reject warn impos accus visit met meet finalis finaliz struck strike reach provid deliver suppl build built produc
manufactur elect won win lost resign fire died die crash derail invad captur sanction order charg sentenc convict sue ban
vot pass acquir bought sold rais cut clos open shot bomb explod injur evacuat declar invest transfer""".split()
_EVENT = re.compile(r"\b" + trie_pattern(_EVENT_STEMS) + r"\w*")  # a word starting with one of the stems
_CAP = re.compile(r"[A-Z](?<!\w[A-Z])[\w\u2019'.\-]*(?:\s+(?:of\s+|de\s+|al-)?[A-Z][\w\u2019'.\-]*)*")
_NOT_ACTOR = frozenset("""The A An In On At But And Or If As After Before Since During While When Where This That These
Those It Its He She They We You I His Her Their Our However Meanwhile Initially Also Then There Here What Why How
According Some Many Most Good Get Tap Install Continue Posted Updated By For From With Without Over Under To Of
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September
October November December Mr Mrs Ms Dr Earlier Later Now Today Yesterday Last Next Both Such All Any Each Every
Several Few More Over Another One Two Three""".split())
# One pass over an article's lower-cased text finds the words that the checks above start with (the
# event stems, the negations, the first words of the denial/concession phrases), the number words
# and words starting with a digit (where the quantity reader looks) and the time trigger words (where
# the time rules look); a per-word cache says which families each word belongs to. Six scans of the
# whole text become one. Event and negation positions are exactly those of `_EVENT` / `_NEGATION`
# (a match of either starts a word, so the word decides it); the stance positions are a superset
# used only to skip sentences with no stance word (`stance_of` decides).
_NEG_WORDS = frozenset({"not", "no", "never", "none", "nobody", "neither", "nor", "without", "cannot"})
_STANCE_PREFIXES = ("den", "reject", "refut", "dismiss", "unfounded", "unsubstantiated", "baseless", "lack",
                    "truth", "categorically", "conced", "admit", "acknowledg", "confirm", "did")
_EVENT_PREFIXES = tuple(_EVENT_STEMS)
_NUMBER_WORDS = frozenset(_QTY_NUMBER_WORDS)
_CUE = re.compile(r"(?<!\w)(?:(?:" + trie_pattern(set(_EVENT_STEMS) | _NEG_WORDS | set(_STANCE_PREFIXES) | _NUMBER_WORDS
                                                  | _TRIGGER_WORDS)
                  + r")\w*|\d\w*|n't(?!\w))")
_EV, _NEG, _STANCE, _NUMW, _TRIG = 1, 2, 4, 8, 16
_CUE_KIND: dict[str, int] = {"n't": _NEG}


def _cue_kind(w: str) -> int:
    k = _CUE_KIND.get(w)
    if k is None:
        k = ((_EV if w.startswith(_EVENT_PREFIXES) else 0) | (_NEG if w in _NEG_WORDS else 0)
             | (_STANCE if w.startswith(_STANCE_PREFIXES) else 0) | (_NUMW if w in _NUMBER_WORDS else 0)
             | (_TRIG if w in _TRIGGER_WORDS else 0))
        if len(_CUE_KIND) < 200_000:
            _CUE_KIND[w] = k
    return k


def _cues(low: str) -> tuple[list[int], list[int], list[int], list[Span], list[Span]]:
    """Starts of event words, negations and stance words, and spans of number words (and words
    starting with a digit) and of time trigger words and years (see `times._triggers`), in `low`."""
    ev: list[int] = []
    neg: list[int] = []
    st: list[int] = []
    nw: list[Span] = []
    tw: list[Span] = []
    for m in _CUE.finditer(low):
        w = m.group()
        if w[0].isdecimal():  # a word that starts with a digit (`\d`): where the quantity reader looks
            nw.append(m.span())
            if len(w) == 4 and w[:2] in ("19", "20") and w[2:].isdecimal():
                tw.append(m.span())  # a year, as the time rules hold it: a whole word of four digits
            continue
        k = _cue_kind(w)
        if not k:
            continue
        if k & _EV:
            ev.append(m.start())
        if k & _NEG:
            neg.append(m.start())
        if k & _STANCE:
            st.append(m.start())
        if k & _NUMW:
            nw.append(m.span())
        if k & _TRIG:
            tw.append(m.span())
    return ev, neg, st, nw, tw


_SPEECH = re.compile(r"\b(?:told|said|says|stated|announced|noted|declared|wrote|tweeted)\b", re.IGNORECASE)
_QUOTE_CONT = re.compile(r"[\"\u201d\u201c]\s*,?\s*(?:he|she|they|it|the \w+)\s+(?:also\s+)?(?:said|noted|added|told|continued|stressed)\b",
                         re.IGNORECASE)


@word_cache(200_000)
def stem(w: str) -> str:
    """A crude stem so inflections and demonyms meet ("trucks"/"truck", "Canadian"/"Canada")."""
    w = w.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", w) if len(w) > 6 else w  # British -ise spellings
    for suf in ("ians", "ian", "ia", "ing", "ed", "es", "e", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


@word_cache(400_000)
def _word_stems(w: str) -> tuple[str, ...]:
    """The content stems of one lower-cased token (a hyphenated token gives one per part)."""
    out = []
    for part in w.split("-"):
        p = part.strip(".'")
        if len(p) < 2 or p in STOPWORDS or p.isdigit() or p.replace(",", "").replace(".", "").isdigit():
            continue
        out.append(stem(p))
    return tuple(out)


def content_stems(text: str) -> frozenset[str]:
    """Content-word stems of a text: what two wordings of one claim share."""
    out: set[str] = set()
    low = text.lower()
    for w in WORD.findall(low) if len(low) == len(text) else words(text):
        out.update(_word_stems(w))
    return frozenset(out)


_POSSESSIVE = re.compile(r"[\u2019']s\b")
_REFUSAL = re.compile(r"\s+(?:\w+\s+)?(?:entry|access|admission|bail|permission|a visa)\b")
_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")


def actors(text: str) -> list[str]:
    """Capitalised names in a sentence ("Chile's Foreign Minister X" -> "Chile", "Foreign Minister X")."""
    out: list[str] = []
    for m in _CAP.finditer(text):
        raw = m.group()
        got = _NAMES_OF.get(raw)
        if got is None:
            got = _names_of(raw)
            if len(_NAMES_OF) < 100_000:
                _NAMES_OF[raw] = got
        out.extend(got)
    return out


# The names read from one capitalised run ("The", "Mr", "Trump", "Chile's Foreign Minister X"): the
# same runs recur across sentences and articles, so each is worked out once.
_NAMES_OF: dict[str, tuple[str, ...]] = {}


def _names_of(raw: str) -> tuple[str, ...]:
    out = []
    name = raw.strip(".-")
    parts = _POSSESSIVE.split(name) if ("'" in name or "\u2019" in name) else (name,)
    for p in parts:
        p = p.strip(" .-'\u2019")
        toks = p.split()
        while toks and toks[0].rstrip(".") in _NOT_ACTOR:
            toks.pop(0)
        if toks and len(" ".join(toks)) > 1:
            out.append(" ".join(toks))
    return tuple(out)


@dataclass
class ClaimMention:
    """One check-worthy sentence of one article, with what was read from it."""
    article_id: str
    span: Span
    text: str
    quantity: Quantity | None = None
    quantity_span: Span | None = None
    time: TimeValue | None = None
    time_span: Span | None = None
    time_inherited: bool = False
    actors: list[str] = field(default_factory=list)
    stance: str | None = None  # "deny" | "concede" | "deny_then_concede"
    negated: bool = False
    reasons: list[str] = field(default_factory=list)
    published: str | None = None

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.span[0]}-{self.span[1]}"

    @cached_property
    def stems(self) -> frozenset[str]:
        return content_stems(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "article_id": self.article_id, "span": list(self.span), "text": self.text,
                "quantity": self.quantity, "quantity_span": list(self.quantity_span) if self.quantity_span else None,
                "time": self.time, "time_span": list(self.time_span) if self.time_span else None,
                "time_inherited": self.time_inherited, "actors": self.actors, "stance": self.stance,
                "negated": self.negated, "reasons": self.reasons}


_HEDGED = re.compile(r"\b(?:not|n't|never|would|could|might|may|to|if|whether)\s+(?:\w+\s+)?$")


def stance_matches(text: str, rx: re.Pattern) -> list[re.Match]:
    """Denial/concession words that state a stance: not negated ("does not deny"), hypothetical
    ("if he were to reject"), or a refusal of entry ("denied it entry")."""
    low = text.lower()
    out = []
    for m in rx.finditer(low):
        if _HEDGED.search(low[max(0, m.start() - 25):m.start()]):
            continue
        if _REFUSAL.match(low[m.end():m.end() + 30]):
            continue
        out.append(m)
    return out


def stance_of(text: str) -> str | None:
    ds = stance_matches(text, _DENY)
    cs = stance_matches(text, _CONCEDE)
    d = ds[0] if ds else None
    c = cs[0] if cs else None
    if d and c:
        return "deny_then_concede" if d.start() < c.start() else "concede"
    if d:
        return "deny"
    if c:
        return "concede"
    return None


# "three officials familiar with the matter": a count of sources, not what the claim measures.
_SOURCE_NOUNS = frozenset({"officials", "sources", "people", "diplomats", "analysts", "experts", "witnesses"})


def _main_quantity(found: list[tuple[Span, Quantity]]) -> tuple[Span, Quantity] | None:
    """The quantity a sentence is about: counts and money before durations ("after nine months of fighting")."""
    if not found:
        return None
    for f in found:
        if f[1]["unit"] and f[1]["unit"] not in _TIME_UNITS and f[1]["unit"] not in _SOURCE_NOUNS:
            return f
    for f in found:
        if f[1]["unit"] and f[1]["unit"] not in _TIME_UNITS:
            return f
    return found[0]


_TERMINAL = tuple('.!?:;"\u201d\u2019)]')


def claim_sentences(text: str) -> list[Span]:
    """Sentence spans, with hard-wrapped lines joined back.

    Some sources wrap paragraphs at a fixed width; a single line break inside a sentence would
    cut "in early / January" in two. When most longer lines of the text end without sentence
    punctuation, a piece that ends that way is joined to the next one across a single newline.
    """
    spans = sentence_spans(text)
    lines = [ln.rstrip() for ln in text.split("\n") if len(ln.strip()) >= 30]
    open_lines = sum(1 for ln in lines if not ln.endswith(_TERMINAL))
    if len(lines) < 3 or open_lines < 0.5 * len(lines):
        return spans
    out: list[Span] = []
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            gap = text[pe:s]
            if gap.count("\n") == 1 and gap.strip() == "" and not text[ps:pe].endswith(_TERMINAL):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def _any_in(starts: list[int], s: int, e: int) -> bool:
    """Whether a sorted list of positions has one in [s, e)."""
    i = bisect_left(starts, s)
    return i < len(starts) and starts[i] < e


# Five `WORD` matches from the start, in one regex call. Each word is an atomic group, so it can
# only match as `WORD.finditer` does (greedy, never split by backtracking); `\W*` then skips to the
# next word as finditer does.
_FIVE_WORDS = re.compile(r"\W*(?:(?>" + WORD.pattern + r")\W*){5}")


def _short_sentence(sent: str, n: int = 5) -> bool:
    """Fewer than `n` words (counted without building the word list)."""
    if n == 5:
        return _FIVE_WORDS.match(sent) is None
    k = 0
    for _ in WORD.finditer(sent):
        k += 1
        if k >= n:
            return False
    return True


def _starting_in(found: list, i: int, e: int) -> list:
    """The (span, value) pairs from index `i` on that start before `e` and end by it (`found` is in
    text order and `found[i]` is the first that starts in the sentence)."""
    out = []
    n = len(found)
    while i < n and found[i][0][0] < e:
        if found[i][0][1] <= e:
            out.append(found[i])
        i += 1
    return out


def _says_something(rest: str) -> bool:
    """Two lower-case content words (what is left of a sentence once its date and figures are blanked)."""
    k = 0
    for m in _LOWER_WORD.finditer(rest):
        if m.group() not in STOPWORDS:
            k += 1
            if k >= 2:
                return True
    return False


def _blank(sent: str, offset: int, spans: list[Span]) -> str:
    """The sentence with the given spans (article offsets) blanked out."""
    for a, b in spans:
        a, b = max(0, a - offset), min(len(sent), b - offset)
        if a < b:
            sent = sent[:a] + " " * (b - a) + sent[b:]
    return sent


def extract_claims(article: Article) -> list[ClaimMention]:
    """The check-worthy sentences of `article` with their quantity, time, actors and stance."""
    text = article.text
    out: list[ClaimMention] = []
    prev_time: tuple[Span, TimeValue] | None = None
    prev_end = -1
    # Read figures and times once over the whole text (cheaper than per sentence), then share them out.
    # Word-level cues, also read once over the whole (lower-cased) text: a match never crosses the
    # whitespace between two sentences, so "a match starts inside the sentence" is the same test.
    # A sentence takes a stance only if a denial/concession word is in it (most have none).
    low_text = text.lower()
    whole = len(low_text) == len(text)
    ev_at: list[int] | None = None
    neg_at: list[int] | None = None
    stance_at: list[int] | None = None
    if whole:
        ev_at, neg_at, stance_at, number_words, time_words = _cues(low_text)
        all_qs = find_quantities(text, low_text, number_words)
        all_ts = find_times(text, article.published, low=low_text, trigger_words=time_words)
    else:
        all_qs = find_quantities(text)
        all_ts = find_times(text, article.published)
    # Sentences come in text order, as do the figures and times: two cursors share them out.
    iq = it = 0
    nq, nt = len(all_qs), len(all_ts)
    for s, e in claim_sentences(text):
        while iq < nq and all_qs[iq][0][0] < s:
            iq += 1
        while it < nt and all_ts[it][0][0] < s:
            it += 1
        sent = text[s:e]
        if _short_sentence(sent) or sent.rstrip().endswith("?"):
            prev_time = None
            continue
        qs = _starting_in(all_qs, iq, e)
        ts = _starting_in(all_ts, it, e)
        reasons: list[str] = []
        q = _main_quantity(qs)
        if q:
            reasons.append("quantity")
        t = ts[0] if ts else None
        inherited = False
        # A quote continued after the fact ('"...," he also noted.') keeps the time of the sentence before.
        if t is None and prev_time is not None and _QUOTE_CONT.search(sent) and "\n\n" not in text[prev_end:s]:
            t, inherited = prev_time, True
        if t and not inherited and not _says_something(_blank(sent, s, [t[0]] + [x[0] for x in qs])):
            prev_time = None  # a dateline or "Posted <date>" header: a date with nothing said about it
            continue
        if t:
            reasons.append("time")
        stance = stance_of(sent) if stance_at is None or _any_in(stance_at, s, e) else None
        low = sent.lower() if ev_at is None else ""  # only the slow path (offsets moved by lower()) reads it
        event = _any_in(ev_at, s, e) if ev_at is not None else _EVENT.search(low)
        # Names matter only to a sentence that can become a mention (most sentences cannot).
        acts = actors(sent) if (q or t or event or stance) else []
        if acts and event:
            reasons.append("actor+event")
        if stance and acts:
            reasons.append("stance")
        # Only the time of an utterance ("told reporters last month") carries over to a continued quote.
        prev_time = t if t and not inherited and _SPEECH.search(text[max(s, t[0][0] - 40):min(e, t[0][1] + 40)]) else None
        prev_end = e
        if not reasons:
            continue
        out.append(ClaimMention(
            article_id=article.id, span=(s, e), text=sent,
            quantity=q[1] if q else None, quantity_span=q[0] if q else None,
            time=t[1] if t else None, time_span=t[0] if t else None, time_inherited=inherited,
            actors=acts, stance=stance,
            negated=_any_in(neg_at, s, e) if neg_at is not None else bool(_NEGATION.search(low)), reasons=reasons,
            published=article.published))
    return out


# What the store keeps of an article's mentions (`mentions_to_json`), so that a storyline whose
# membership changed re-aligns its claims without reading its old articles again: extraction and
# stems are ~half of the claims stage. Text and date come back from the article itself.
def mentions_to_json(mentions: list[ClaimMention]) -> list[list[Any]]:
    """A compact, JSON-ready form of one article's mentions (their stems included, sorted)."""
    return [[m.span[0], m.span[1], m.quantity, list(m.quantity_span) if m.quantity_span else None, m.time,
             list(m.time_span) if m.time_span else None, m.time_inherited, m.actors, m.stance, m.negated,
             m.reasons, sorted(m.stems)] for m in mentions]


def mentions_from_json(article: Article, data: list[list[Any]]) -> list[ClaimMention]:
    """The mentions `mentions_to_json` kept for `article`, equal to what `extract_claims` gives."""
    out = []
    for s, e, q, qs, t, ts, inherited, acts, stance, negated, reasons, stems in data:
        m = ClaimMention(article_id=article.id, span=(s, e), text=article.text[s:e], quantity=q,
                         quantity_span=(qs[0], qs[1]) if qs else None, time=t,
                         time_span=(ts[0], ts[1]) if ts else None, time_inherited=inherited, actors=acts,
                         stance=stance, negated=negated, reasons=reasons, published=article.published)
        m.__dict__["stems"] = frozenset(stems)  # the cached_property's slot: not computed again
        out.append(m)
    return out
