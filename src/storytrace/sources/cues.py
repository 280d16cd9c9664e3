"""Attribution cues in one sentence: "according to X", "per X", "citing X", attribution verbs
with their subject (before the verb, inverted after it, or behind an apposition), colon-introduced
quotes, and quotes inside narration that only the clause subject can have said.

Works on `masked` text (quotes blanked, same offsets) so nothing inside a quote looks like a cue;
names are read from the un-masked `text`.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from storytrace.sources import lexicon as L
from storytrace.sources.mentions import Mention, analyse, tokens
from storytrace.sources.model import Span
from storytrace.sources.quotes import Quote
from storytrace.text import occurrences, trie_pattern

_ALL_VERBS = L.SPEECH_VERBS | L.PARTICIPLES | L.QUOTE_ONLY_VERBS


# Same matches as r"\b(said|says|told|...)\b" (tests/test_sources_fast_paths.py checks it on real text).
_VERB_RE = re.compile("(" + trie_pattern(_ALL_VERBS, word_start=True) + r")\b")
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+")
_PER = re.compile(r"\b[Pp]er\s+(?=(?:the\s+)?[A-Z])")
_CITING = re.compile(r"\b[Cc]iting\s+")
_VIA = re.compile(r"\b(?:statement|interview|comments?|remarks?|e-?mail|letter|note|response)\s+"
                  r"(?:sent\s+|given\s+|provided\s+|emailed\s+|released\s+|made\s+)?(?:to|with)\s+")
# Words right before a verb form that make it no attribution ("the reported deal", "was said").
_NOT_ATTRIBUTION_PREV = frozenset("""the a an its his her their of to for with be been being was were is are
not never would could should might may must can will don't didn't""".split())
_TELL = frozenset("told tell tells telling".split())
_CLAUSE_PUNCT = ",;:()\u2014\u2013\u2015\u2012\u201c\u201d\"[]|"
# Verb forms that are as often plural nouns ("disputed claims", "in brief remarks").
_NOUNLIKE = frozenset("""remarks claims reports notes comments states posts tweets estimates counters charges replies
responds concludes adds""".split())
_TIME_WORDS = (r"monday|tuesday|wednesday|thursday|friday|saturday|"
               r"sunday|week|month|year|morning|afternoon|evening|night|weekend|today|yesterday|tonight|january|february|"
               r"march|april|june|july|august|september|october|november|december")
_TIME_TAIL = re.compile(r"(?:\s+(?:on|last|this|early|late|earlier|later|in|(?:over|during|on|in)\s+the)?\s*(?:" + _TIME_WORDS + r"))+\s*$", re.I)
# A text `_TIME_TAIL` matches ends with a time word (all at most 9 letters): checked in its last 12
# characters first, so the costly search (every position of the clause) runs only where it can match.
_TIME_END = re.compile(r"(?:" + _TIME_WORDS + r")\s*$", re.I)
# The last word before a position (searched in a short window: "$" scans are costly on long sentences).
_COORD_END = re.compile(r"[,;]\s*(?:but|and|while|whereas|although|though|yet)\s*$")
# (the definitions of `_last_word` / `_last_word_space`, which read the same backwards; tests hold them equal)
_LAST_WORD = re.compile(r"([\w'\u2019]+)\W*$")
_LAST_WORD_SPACE = re.compile(r"([\w']+)\s*$")
_QUOTE_MARKS = "\u201c\u201d\"\u201e\u00ab\u00bb"
# (hot patterns compiled once, not looked up in re's cache on every call)
# `left` is right-stripped: a match of _WHO_AND_END ends its last word, "who" or "and".
_WHO_AND_END = re.compile(r"(?:,\s*who|\band)$")
_PREP_OPENING = re.compile(r"\s*(?:in|on|at|with|from|to|for|by|during|after|before|about|of)\b", re.I)
_WORDS = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")
_THAT_OPENING = re.compile(r"(?:that|whether)\s+")
_AUX = re.compile(r"\b(?:may|might|would|will|could|should|must|can|is|are|was|were|be|been|has|have|had)\b")

@dataclass
class Cue:
    cue: str
    pos: int
    mention: Mention
    content: Span | None
    sent: Span
    via: Mention | None = None
    score: float = 0.9
    secondary: bool = False
    evidence: str = ""



_LINE_END_OK = tuple(".!?:\"\u201d)]")
_PAREN = re.compile(r"\([^()\n\"\u201c\u201d]{1,40}\)")


def blank_parens(text: str) -> str:
    return _PAREN.sub(lambda m: " " * len(m.group()), text)


def unwrap(text: str) -> str:
    """`text` with hard line wraps inside paragraphs turned into spaces (same length).

    Plain-text articles wrapped at a fixed width put a line break in mid-sentence; sentence and
    quote finding treat a line break as a paragraph end, so when most long lines end without
    sentence punctuation the single breaks between such lines become spaces.
    """
    lines = text.split("\n")
    long = [ln.rstrip() for ln in lines if len(ln.strip()) > 30]
    if len(long) < 5 or sum(not ln.endswith(_LINE_END_OK) for ln in long) < 0.5 * len(long):
        return text
    chars = list(text)
    pos = 0
    for i, ln in enumerate(lines[:-1]):
        pos += len(ln)
        nxt = lines[i + 1]
        if ln.strip() and nxt.strip() and not ln.rstrip().endswith(_LINE_END_OK) and len(ln.strip()) > 30:
            chars[pos] = " "
        pos += 1
    return "".join(chars)


def _trim(masked: str, s: int, e: int) -> Span | None:
    while s < e and (masked[s].isspace() or masked[s] in ",;:\u2014\u2013-"):
        s += 1
    while e > s and (masked[e - 1].isspace() or masked[e - 1] in ",;:.\u2014\u2013-"):
        e -= 1
    m = _THAT_OPENING.match(masked[s:e])
    if m:
        s += m.end()
    return (s, e) if e > s and _WORD_CHAR.search(masked[s:e]) else None


def _np_end(masked: str, s: int, se: int, max_tokens: int = 18) -> int:
    """End of a noun phrase starting at s: the next clause punctuation or sentence end."""
    e = s
    count = 0
    while e < se:
        c = masked[e]
        if c in _CLAUSE_PUNCT or (c == "." and (e + 1 >= se or masked[e + 1].isspace()) and not _abbrev_before(masked, e)):
            break
        if c.isspace() and e > s and not masked[e - 1].isspace():
            count += 1
            if count >= max_tokens:
                break
            if re.match(r"\s+(?:that|who|which|on|last|this|yesterday|in an? (?:interview|statement))\b", masked[e:se]) and count >= 1:
                break
        e += 1
    while e > s and masked[e - 1].isspace():
        e -= 1
    return e


def _abbrev_before(masked: str, dot: int) -> bool:
    m = re.search(r"(?:\b\w\.)+\w?$|\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|St|Jr|Sr|Inc|Corp|Co|Ltd)$", masked[max(0, dot - 12):dot + 1][:-1] + ".")
    return bool(m) and not masked[max(0, dot - 12):dot].endswith(tuple("abcdefghijklmnopqrstuvwxyz")) or bool(
        re.search(r"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Jr|Sr|Inc|Corp|Co|Ltd|U\.S|U\.N|U\.K)$", masked[max(0, dot - 12):dot]))


def _side_content(masked: str, ss: int, se: int, cs: int, ce: int) -> Span | None:
    """Content of a phrase cue: the clause before it when there is one, else the clause after."""
    before = _trim(masked, ss, cs)
    after = _trim(masked, ce, se)
    if before and len(re.findall(r"\w+", masked[before[0]:before[1]])) >= 4 and not _only_filler(masked[before[0]:before[1]]):
        return before
    return after or before


def _only_filler(s: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:(?:good|worth|important) to (?:mention|note|add)(?: that)?|in addition|also|but|and|moreover|however|meanwhile|still|yet|now)\s*,?\s*", s, re.I))


# Pre-filters: words each phrase cue's match contains ("ccording to" in "According to ...", "mail"
# in "e-mail to"), found with `str.find` in one pass over the article. A sentence holding none of a
# cue's words cannot hold that cue and is not searched with its full pattern (most sentences hold none).
_CUE_WORDS = {_ACCORDING: ("ccording to",), _PER: ("per", "Per"), _CITING: ("iting",),
              _VIA: ("statement", "interview", "comment", "remark", "mail", "letter", "note", "response")}


class CueIndex:
    """Where in one article (masked text) each phrase cue's words occur: built once per article, so
    `sentence_cues` only runs a cue's full pattern over the sentences that can hold it."""
    __slots__ = ("at", "quotes", "_starts")

    def __init__(self, masked: str, quotes: list[Quote] | None = None) -> None:
        self.at = {rx: occurrences(masked, words) for rx, words in _CUE_WORDS.items()}
        self.quotes = quotes
        starts = [q.start for q in quotes or ()]
        self._starts = starts if all(a <= b for a, b in zip(starts, starts[1:])) else None

    def quotes_in(self, ss: int, se: int) -> list[Quote]:
        """The quotes opening in [ss, se), in their order (a slice when they come sorted, as
        `find_quotes` gives them)."""
        quotes = self.quotes or []
        if self._starts is None:
            return [q for q in quotes if ss <= q.start < se]
        return quotes[bisect_left(self._starts, ss):bisect_left(self._starts, se)]

    def may_hold(self, rx: re.Pattern, ss: int, se: int) -> bool:
        """False only when no match of `rx` can lie in masked[ss:se] (the words it needs are not there)."""
        at = self.at[rx]
        if not at:
            return False
        i = bisect_left(at, ss)
        return i < len(at) and at[i] < se


def sentence_cues(text: str, masked: str, ss: int, se: int, quotes: list[Quote], known: set[str] = frozenset(),
                  index: CueIndex | None = None) -> list[Cue]:
    """Every cue of the sentence masked[ss:se]. `index` (a `CueIndex` of `masked`) only makes it
    faster: the cues are the same with or without it."""
    cues: list[Cue] = []
    phrase: list[Cue] = []
    for rx, name in ((_ACCORDING, "according to"), (_PER, "per"), (_CITING, "citing")):
        if index is not None and not index.may_hold(rx, ss, se):
            continue
        for m in rx.finditer(masked, ss, se):
            np_e = _np_end(masked, m.end(), se)
            men = analyse(text, m.end(), np_e, hint="outlet" if name == "per" else None)
            if men is None:
                continue
            if name == "citing" and not _source_like(text, m.end(), np_e):
                continue        # "citing the Fifth Amendment right against ...": a reason, not a source
            content = _side_content(masked, ss, se, m.start(), np_e)
            phrase.append(Cue(name, m.start(), men, content, (ss, se), evidence=text[m.start():np_e]))
    via = None
    vm = _VIA.search(masked, ss, se) if index is None or index.may_hold(_VIA, ss, se) else None
    if vm:
        via = analyse(text, vm.end(), _np_end(masked, vm.end(), se, 8), hint="outlet")
        if via is not None and not (via.kind in ("outlet", "agency") or via.anaphor == "outlet"):
            via = None
    verb_cues: list[Cue] = []
    for m in _VERB_RE.finditer(masked, ss, se):
        c = _verb_cue(text, masked, ss, se, m, verb_cues, quotes, known)
        if c is not None:
            if via is not None and c.via is None and vm.start() < c.pos:
                c.via = via
            verb_cues.append(c)
    for p in phrase:
        if verb_cues:
            p.secondary = True
            if p.cue == "citing":
                p.content = verb_cues[0].content
    cues.extend(verb_cues)
    cues.extend(phrase)
    # (the colon and context readers only look at the quotes that open in this sentence)
    here = index.quotes_in(ss, se) if index is not None and index.quotes is quotes else quotes
    cues.extend(_colon_cues(text, masked, ss, se, here, cues))
    cues.extend(_next_paragraph_quote(text, masked, ss, se, quotes, cues))
    cues.extend(_context_cues(text, masked, ss, se, here, cues, known))
    return cues


def _source_like(text: str, s: int, e: int) -> bool:
    toks = tokens(text, s, e)
    return bool(toks) and (toks[-1].cap or any(t.low in L.ROLE_NOUNS or t.low in L.DOCUMENT_NOUNS for t in toks))


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"          # what `\w` matches in a str pattern


def _last_word(masked: str, lo: int, end: int) -> tuple[str, int] | None:
    """(group 1, its start) of `_LAST_WORD.search(masked, lo, end)`, read backwards from `end`
    instead of trying the pattern at each of up to 60 positions (it runs for every verb).

    The pattern's match is the word run that holds the last word character before `end`, from its
    start (at least `lo`) to its end, apostrophes included; without a word character, the first run
    of apostrophes. tests/test_sources_fast_paths.py checks it against the pattern on real text.
    """
    i = end - 1
    while i >= lo and not _is_word_char(masked[i]):
        i -= 1
    if i < lo:          # no word character: the first apostrophe run, if any
        for j in range(lo, end):
            if masked[j] in "'\u2019":
                q = j
                while q < end and masked[q] in "'\u2019":
                    q += 1
                return masked[j:q], j
        return None
    p, q = i, i + 1
    while p > lo and (_is_word_char(masked[p - 1]) or masked[p - 1] in "'\u2019"):
        p -= 1
    while q < end and masked[q] in "'\u2019":
        q += 1
    return masked[p:q], p


def _last_word_space(masked: str, lo: int, end: int) -> tuple[str, int] | None:
    """(group 1, its start) of `_LAST_WORD_SPACE.search(masked, lo, end)`: the run of word characters
    and straight apostrophes that ends where only whitespace is left before `end` (None when the
    last non-space character is no such character), read backwards."""
    e = end
    while e > lo and masked[e - 1].isspace():
        e -= 1
    p = e
    while p > lo and (_is_word_char(masked[p - 1]) or masked[p - 1] == "'"):
        p -= 1
    return (masked[p:e], p) if p < e else None


def _prev_word(masked: str, ss: int, vs: int) -> str:
    m = _last_word(masked, max(ss, vs - 60), vs)
    return m[0].lower() if m else ""


def _verb_cue(text: str, masked: str, ss: int, se: int, m: re.Match, earlier: list[Cue], quotes: list[Quote],
              known: set[str] = frozenset()) -> Cue | None:
    verb = m.group(1)
    vs, ve = m.span()
    prev = _prev_word(masked, ss, vs)
    between = masked[ss:vs].rstrip()
    if prev in _NOT_ATTRIBUTION_PREV and not between.endswith((",", "\u201d", '"')) \
            and not re.search(r"\b(?:went|goes|go|going) on to$", between):
        return None
    if verb in _NOUNLIKE:
        pw = _last_word(masked, max(ss, vs - 60), vs)
        w = pw[0] if pw else ""
        if re.search(r"['\u2019]s?$", w) or not (between.endswith((",", "\u201d", '"')) or w[:1].isupper() or w.lower() in ("he", "she", "it", "they")
                or w.lower() in L.ROLE_NOUNS or w.lower() in L.DOCUMENT_NOUNS):
            return None
    if verb in L.QUOTE_ONLY_VERBS and not re.search(r"[\u201c\"]", masked[ve:min(se, ve + 60)]):
        return None
    if verb in L.TO_INFINITIVE_VERBS and re.match(r"\s+(?:\w+\s+)?to\s+[a-z]", masked[ve:se]):
        return None
    if verb in ("asked", "asks") and re.match(r"\s+for\b", masked[ve:se]):
        return None         # "everything they asked for": a request, not speech
    if verb == "charged" and re.match(r"\s+with\b", masked[ve:se]):
        return None         # "the group charged with protecting": a duty or an indictment, not speech
    # Strip adverbs/auxiliaries between subject and verb.
    k = vs
    while True:
        w = _last_word_space(masked, max(ss, k - 60), k)
        if w and (w[0].lower() in L.SKIP_BEFORE_VERB or (w[0].islower() and w[0].endswith("ly") and len(w[0]) > 4)):
            k = w[1]
        else:
            break
    left = masked[ss:k].rstrip()
    tm = _TIME_TAIL.search(left) if _TIME_END.search(left, max(0, len(left) - 12)) else None
    if tm and tm.start() > 0:
        left = left[:tm.start()].rstrip()
    subj: Mention | None = None
    role_text: str | None = None
    inverted = False
    inherited = False
    chunk_start = vs
    if verb in L.PARTICIPLES or (left.endswith(("who", "and")) and _WHO_AND_END.search(left)):
        # "..., saying", "X stormed back, leaned in and said", "said X, who added that".
        if verb in L.PARTICIPLES and earlier:
            subj, inherited = earlier[-1].mention, True
        elif left.endswith("who") and left[:-3].rstrip().endswith(","):
            comma = ss + len(left[:-3].rstrip()) - 1
            subj, _r, _c = _apposition(text, masked, ss, comma)
            if subj is None:
                # "... even from President Roe, who said": the name right before the relative clause.
                toks = tokens(masked, max(ss, comma - 60), comma)
                k = len(toks)
                while k > 0 and (toks[k - 1].cap or (toks[k - 1].low == "of" and k >= 2 and toks[k - 2].cap)):
                    k -= 1      # "Sen. Jane Roe of Minnesota, who tweeted"
                while k < len(toks) and toks[k].low == "of":
                    k += 1
                if k < len(toks):
                    m2 = analyse(text, toks[k].s, toks[-1].e)
                    subj = m2 if m2 is not None and m2.kind == "person" and not m2.anaphor else None
            if subj is None and earlier:
                subj = earlier[-1].mention
            inherited = subj is not None
        else:
            subj = _clause_subject(text, masked, ss, vs, known)
            inherited = subj is not None
        if subj is None:
            return None
    elif not left or left[-1] in _QUOTE_MARKS or left[-1] == ",":
        if left.endswith(","):
            subj, role_text, chunk_start = _apposition(text, masked, ss, ss + len(left) - 1)
            if subj is None and earlier:
                # Coordination: "X denied ..., per Y, then conceded ..." keeps X.
                subj, inherited = earlier[-1].mention, True
        if subj is None:
            # Inverted: '"...," said X' / '..., said X'.
            np_e = _np_end(masked, ve, se, 14)
            subj = None if re.match(r"\s*(?:in|on|at|to|during|after|before|from|with|that|this|last|it)\b", masked[ve:np_e]) \
                or verb in _TELL or _AUX.search(masked, ve, np_e) else analyse(text, ve, np_e)
            # ('X told HuffPost': the newsroom is the audience; '..., suggested the change may be ...':
            # a clause with a verb of its own is no inverted subject.)
            if subj is not None and subj.role and (re.search(r"\b(?:to|and|or|with|by)$", subj.role)
                                                   or set(subj.role.lower().split()) & L.DOCUMENT_NOUNS):
                subj = None     # 'wrote an open letter to X': X is the addressee, not the writer
            if (subj is None or subj.kind == "other") and np_e < se and masked[np_e] == "," \
                    and re.match(r"\s*(?:the|a|an)\s", masked[ve:np_e]) and verb not in _TELL:
                # '"...," said the legislator, Representative Jane Roe.': the name in the apposition.
                n2 = _np_end(masked, np_e + 1, se, 8)
                named = analyse(text, np_e + 1, n2)
                if named is not None and named.kind == "person" and not named.anaphor:
                    named.role = named.role or text[ve:np_e].strip()
                    subj, np_e = named, n2
            inverted = subj is not None
            if inverted:
                ve = np_e
        if subj is None:
            return None
    else:
        b = _boundary(masked, ss, ss + len(left))
        if _PREP_OPENING.match(masked[b:ss + len(left)]):
            return None        # "..., who in an interview with X claimed": X is not the speaker
        subj = analyse(text, b, ss + len(left))
        if subj is None:
            return None
        chunk_start = b
    if role_text and not subj.role:
        subj.role = role_text
    # The reported content: the clause after the cue, or before it when what follows is only
    # circumstances ("said in a statement", "told reporters last month").
    after_s = ve
    via = None
    if verb in _TELL and not inverted:
        show = _quoted_title_after(text, ve, se, quotes)
        if show is not None:
            after_s = show     # 'X told "Fox & Friends."': a programme is the audience, not what was said
        r_e = _np_end(masked, ve, se, 8)
        rec_words = list(re.finditer(r"[\w'\u2019.-]+", masked[ve:r_e]))
        aud = [w for w in rec_words[:3] if w.group().lower() in L.AUDIENCE_WORDS]
        if show is not None:
            pass
        elif aud:
            after_s = ve + aud[0].end()
        else:
            rec = analyse(text, ve, r_e, hint="outlet")
            if rec is not None and (rec.kind in ("outlet", "agency") or rec.anaphor == "outlet"):
                via, after_s = rec, r_e
            elif rec is not None and len(rec_words) <= 4:
                after_s = r_e
    subj_start = min(chunk_start, subj.span[0]) if not inverted and not inherited else vs
    before = _trim(masked, ss, subj_start) if not inherited else None
    if before and re.fullmatch(r"[A-Z][A-Z .,'\u2019-]+", masked[before[0]:before[1]]):
        before = None       # a dateline ("WASHINGTON -"), not reported content
    if before and not inverted and _COORD_END.search(masked, before[0], subj_start):
        before = None       # "X happened, but officials had warned about Y": a coordinated clause, not what they said
    if inverted:
        before = _trim(masked, ss, vs)
    rest = _trim(masked, after_s, se)
    first = re.match(r"\s*([\w']+|\S)", masked[after_s:se]) if after_s < se else None
    fw = first.group(1).lower() if first else ""
    qb = before is not None and any(q.start < before[1] and before[0] < q.end for q in quotes)
    qa = rest is not None and any(q.start < rest[1] and rest[0] < q.end for q in quotes)
    if inverted:
        content = before
    elif qb != qa and not inherited:
        content = before if qb else rest
    elif fw in (",", ":") and re.match(r"\s*[,:]\s*[\u201c\"\u201e\u00ab]", masked[after_s:se]):
        content = rest
    elif rest is None or fw in L.CIRCUMSTANCE_WORDS or fw in (",", "."):
        content = before if before else rest
        if before and rest and before[1] >= chunk_start - 3 and re.search(r"\bthat\s+", masked[rest[0]:min(rest[1], rest[0] + 60)]) \
                and len(re.findall(r"\w+", masked[before[0]:before[1]])) <= 5:
            content = rest      # "The committee's chairman, Sen. X, said this week that ...": the role is no content
        if before and rest and len(re.findall(r"\w+", masked[before[0]:before[1]])) < 3 and fw == ",":
            content = rest      # "As the report noted, X ..."
        if content is rest and rest is not None:
            t = re.search(r"\bthat\s+", masked[rest[0]:rest[1]])
            if t and t.start() < 60:
                content = (rest[0] + t.end(), rest[1])
    else:
        content = rest
    short_rest = rest is None or len(_WORDS.findall(masked[rest[0]:rest[1]])) <= 4
    if not inherited and (content is None or (not inverted and before is None and short_rest and (rest is None or fw in L.CIRCUMSTANCE_WORDS))):
        # '"... ?" Obama said.': the quote ended the previous sentence.
        j = ss
        while j > 0 and text[j - 1].isspace():
            j -= 1
        for q in quotes:
            if q.end == j and q.closed and "\n" not in masked[j:ss]:
                content = (q.start, q.end)
                break
    if content is None or (rest is None and masked[ss:se].rstrip().endswith(":")):
        # "..., tweeting:" then the quote as its own paragraph.
        j = se
        while j < len(masked) and masked[j] in " \t\n:":
            j += 1
        for q in quotes:
            if q.start == j:
                content = (q.start, q.end)
                break
        else:
            # '... lashed out on Twitter, saying:' then the post as its own short paragraph, unquoted.
            pe = masked.find("\n", j)
            pe = len(masked) if pe < 0 else pe
            if masked[ss:se].rstrip().endswith(":") and 0 < pe - j <= 400 and "\n" in masked[se:j] \
                    and not any(ch in _QUOTE_MARKS for ch in text[j:pe]):
                content = _trim(masked, j, pe)
    score = 0.9 if subj.anaphor is None else 0.75
    return Cue(verb, vs, subj, content, (ss, se), via=via, score=score,
                evidence=text[min(subj.span[0], vs):max(ve, subj.span[1])])


_PREPS = frozenset("of in from to for at with by against than about on into over under between among like as".split())


def _quoted_title_after(text: str, ve: int, se: int, quotes: list[Quote]) -> int | None:
    """End of a quoted title right after a verb ('told "Fox & Friends."', 'told "Meet the Press"'):
    at most six words, each capitalised or a small word. None when no such title follows."""
    j = ve
    while j < se and text[j] == " ":
        j += 1
    for q in quotes:
        if q.start == j:
            words = re.findall(r"[\w'\u2019&-]+|&", text[q.inner_start:q.inner_end])
            if words and len(words) <= 6 and words[0][0].isupper() and all(
                    w[0].isupper() or w.lower() in _TITLE_SMALL or w == "&" for w in words):
                return q.end
            return None
    return None


def _clause_subject(text: str, masked: str, ss: int, limit: int, known: set[str]) -> Mention | None:
    """The subject of the clause before `limit`: the first pronoun or name in the sentence that is
    not the object of a preposition, a possessive, or a capitalised sentence opener."""
    toks = tokens(masked, ss, limit)
    lead = 1 if toks and toks[0].low in L.LEADING_FILLERS else 0
    if len(toks) > lead + 3 and toks[lead].low in ("a", "an") and toks[lead + 1].low in _COLLECTIVE and toks[lead + 2].low == "of":
        # "A group of nearly 90 professors ... has sent X a letter": the described group is the subject.
        s0 = toks[lead].s
        e0 = _np_end(masked, s0, limit, 16)
        v = _AUX.search(masked, toks[lead + 2].e, e0) or re.search(r"\s(?:\w+ed|issued|sent|wrote|said|says)\b", masked[toks[lead + 2].e:e0])
        if v is not None:
            e0 = (v.start() if v.re is _AUX else toks[lead + 2].e + v.start())
            while e0 > s0 and masked[e0 - 1].isspace():
                e0 -= 1     # "A number of academics are raising ...": the group ends at its verb
        if e0 > toks[lead + 2].e:
            return Mention(text[s0:e0], "other", None, (s0, e0), head=toks[lead + 1].low)
    i = 0
    while i < len(toks):
        t = toks[i]
        k = i - 1
        while k >= 0 and toks[k].low in ("the", "a", "an"):
            k -= 1
        # the object of a preposition or of a verb ("accusing Trump of", "to say Obama should") is no subject
        after_prep = k >= 0 and (toks[k].low in _PREPS or (toks[k].low in _OBJECT_VERBS and toks[k].low not in _NOUNLIKE
                                                           and not masked[toks[k].e:t.s].strip()
                                                           and not re.search(r"[\u201d\",]\s*$", masked[max(ss, toks[k].s - 3):toks[k].s])))
        # (but '"...?" wrote Jane Roe': after an inverted verb the name is the subject)
        if t.low in L.PRONOUNS_PERSON or (t.low in L.PRONOUNS_GROUP and not after_prep):
            if not after_prep:
                return analyse(text, t.s, t.e)
        if t.cap:
            j = i
            while j + 1 < len(toks) and (toks[j + 1].cap or (toks[j + 1].low in ("of", "for") and j + 2 < len(toks) and toks[j + 2].cap)) \
                    and not masked[toks[j].e:toks[j + 1].s].strip():
                j += 1      # a name run stops at punctuation ("On Tuesday, Dukes")
            run = toks[i:j + 1]
            nxt = toks[j + 1] if j + 1 < len(toks) else None
            if len(run) == 1 and run[0].acronym and len(run[0].text) > 3 and re.match(r"\s*(?:[\u2014\u2013\u2015-]|\()", masked[run[0].e:run[0].e + 4]):
                i = j + 1       # a dateline ("WASHINGTON \u2014"), not the subject
                continue
            poss = re.search(r"['\u2019]s$", run[-1].text)
            titled = any(r.low in L.TITLES for r in run[:-1])
            single_unknown = len([r for r in run if r.low not in L.TITLES]) <= 1 and not run[-1].acronym \
                and run[-1].text not in known and not titled
            if i == 0 and t.low.endswith("ing"):
                single_unknown = True
            if not after_prep and not poss and run[-1].low not in L.WEEKDAYS | L.MONTHS and not single_unknown:
                start = toks[i - 1].s if i > 0 and toks[i - 1].low == "the" else run[0].s
                end = run[-1].e
                if nxt is not None and (nxt.low in L.ROLE_NOUNS or nxt.low in L.TITLES and not nxt.cap) \
                        and not masked[run[-1].e:nxt.s].strip():
                    while j + 1 < len(toks) and (toks[j + 1].low in L.ROLE_NOUNS or toks[j + 1].low in L.TITLES and not toks[j + 1].cap):
                        j += 1
                    end = toks[j].e
                m = analyse(text, start, end)
                if m is not None and (not m.anaphor or (m.anaphor == "role" and start == toks[0].s)):
                    return m        # (or "The House speaker ...": a described officer named before)
            i = j + 1
            continue
        if t.low in L.ORG_ANAPHORS and not t.cap and 0 < i <= 2 and toks[i - 1].low == "the" and not (i > 1 and toks[i - 2].low in _PREPS) \
                and not (i + 1 < len(toks) and (toks[i + 1].cap or toks[i + 1].low in L.ROLE_NOUNS)):
            m = analyse(text, toks[i - 1].s, t.e)       # "The group has drafted ...": the organisation named before
            if m is not None and m.anaphor == "org":
                return m
        if (t.low in L.ROLE_NOUNS or t.low in L.TITLES) and not t.cap and not t.low.endswith("s") and i > 0:
            k = i - 1
            while k > 0 and i - k < 3 and toks[k].low != "the" and (toks[k].low in L.TITLES or re.search(r"(?:an|ic)$", toks[k].low)):
                k -= 1
            if toks[k].low == "the" and not (k > 0 and toks[k - 1].low in _PREPS):
                m = analyse(text, toks[k].s, t.e)       # "the senator", "the Republican senator": refers back
                if m is not None and m.anaphor == "role":
                    return m
        if t.low in L.ROLE_NOUNS and not after_prep and t.low.endswith("s") and i > 0 and toks[i - 1].low in ("the", "some", "many", "several", "two", "three"):
            m = analyse(text, toks[i - 1].s, t.e)
            if m is not None:
                m.anaphor = None
                return m
        i += 1
    return None


_OBJECT_VERBS = L.PARTICIPLES | L.SPEECH_VERBS | frozenset("say accuse accused urge urged call called blame blamed".split())
_COLLECTIVE = frozenset("group coalition bloc panel team number handful dozen delegation".split())
_TITLE_SMALL = frozenset("the of a an and in on for to with at from by".split())


def _context_cues(text: str, masked: str, ss: int, se: int, quotes: list[Quote], taken: list[Cue], known: set[str]) -> list[Cue]:
    """A quote inside narration no cue reaches ("X lashed out, accusing Y of 'henchmen'",
    "X branded it the 'Y Act'"): the clause subject said it. Lower score."""
    out = []
    for q in quotes:
        if not (ss <= q.start < se) or any(c.content and c.content[0] < q.end and q.start < c.content[1] for c in taken):
            continue
        if not re.search(r"\w", masked[ss:q.start]):
            continue
        words = re.findall(r"[\w'\u2019-]+", text[q.inner_start:q.inner_end])
        if words and all(w[0].isupper() or w.lower() in _TITLE_SMALL for w in words) and words[0][0].isupper() and len(words) <= 6:
            continue        # a title in quotes ("Outnumbered", "The American President"), not speech
        first = re.match(r"\s*([A-Z][a-z]+ing)\b", masked[ss:q.start])
        later = [c for c in taken if c.pos > q.end and c.cue not in ("according to", "per", "citing")]
        if first and later:
            # 'Calling X a "coward," Roe told ...': the opening participle shares the main clause's subject.
            out.append(Cue("context", q.start, later[0].mention, (q.start, q.end), (ss, se), score=0.6,
                           evidence=text[ss:q.start].strip()[-120:]))
            continue
        subj = _clause_subject(text, masked, ss, q.start, known)
        if subj is None:
            continue
        out.append(Cue("context", q.start, subj, (q.start, q.end), (ss, se), score=0.5,
                        evidence=text[ss:q.start].strip()[-120:]))
    return out


def _boundary(masked: str, ss: int, k: int) -> int:
    """Start of the subject ending at k: after the last clause mark or subordinating word."""
    seg = masked[ss:k]
    b = 0
    for i in range(len(seg) - 1, -1, -1):
        if seg[i] in _CLAUSE_PUNCT:
            b = i + 1
            break
    words = list(re.finditer(r"[\w'\u2019.-]+", seg[b:]))
    for j in range(len(words) - 1, -1, -1):
        w = words[j].group().lower()
        if w in L.BOUNDARY_WORDS:
            if w == "and":
                left_cap = j > 0 and words[j - 1].group()[:1].isupper()
                right_cap = j + 1 < len(words) and words[j + 1].group()[:1].isupper()
                if left_cap and right_cap:
                    continue
            return ss + b + words[j].end()
    return ss + b


def _short_role(phrase: str, m: Mention) -> bool:
    """The words around the name in an apposition segment are a role, not a clause: at most three
    words, or a capitalised title run ("House Freedom Caucus Chairman Jane Roe"), or the person's
    "of X" affiliation ("Rev. Jane Roe of Our Lady of Peace")."""
    if m.also:
        return True         # a joint source read as a whole ("Rep. Jane Roe of Ohio and Sen. John Doe")
    extra = phrase.replace(m.name, " ").split()
    if len(extra) <= (6 if m.via_doc else 3):
        return True
    if m.kind != "person" or not all(w[:1].isupper() for w in m.name.split()):
        return False        # ("the top Democrat on the Senate Intelligence Committee" is a role, not a name)
    i = phrase.find(m.name)
    pre = phrase[:i].split()
    post = phrase[i + len(m.name):].strip()
    pre_ok = len(pre) <= 3 or (len(pre) <= 6 and all(w[:1].isupper() for w in pre) and pre[-1].lower().rstrip(".") in L.TITLES)
    post_ok = not post or (bool(m.role) and post.endswith(m.role.strip()) and len(post.split()) <= 8)
    return pre_ok and post_ok


_APPOSITIVE = re.compile(r"(?:who|whose|which|a|an|the|former|one|his|her|its|their|[a-z][\w-]*|\d{1,3}\b|[DRI]-[\w.]+|"
                         r"(?:Democrat|Republican|Independent)s?\b|[A-Z][\w.]*\s+(?:spokes\w+|chair\w*|director|secretary|president|member))")


def _apposition(text: str, masked: str, ss: int, comma: int) -> tuple[Mention | None, str | None, int]:
    """The subject behind appositions: 'X, a spokesman for Y, said', 'Sen. X, R-Utah, whose ..., said',
    'A spokesman for Y, X, said', 'a report from X, citing Y, revealed'. Returns person, role, start."""
    # Comma segments back to the previous clause mark other than a comma.
    lo = comma
    while lo > ss and masked[lo - 1] not in ";:()\u2014\u2013\u201c\u201d\"[]":
        lo -= 1
    cuts = [lo - 1] + [i for i in range(lo, comma) if masked[i] == "," and not (
        masked[i - 1:i].isdigit() and masked[i + 1:i + 2].isdigit())] + [comma]      # not "14,000"
    segs = [(cuts[i] + 1, cuts[i + 1]) for i in range(len(cuts) - 1)]
    roles: list[str] = []
    for k in range(len(segs) - 1, max(-1, len(segs) - 6), -1):
        a, b = segs[k]
        seg = text[a:b].strip()
        if not seg:
            continue
        if re.match(r"(?:citing|quoting|according|per)\b", seg):
            continue
        if re.fullmatch(r"[DRI]-[\w. ]+|(?:Democrat|Republican|Independent) of [\w. ]+", seg):
            roles.append(seg)      # party-state label: "R-Utah", "Democrat of Vermont"
            continue
        if k == 0:
            a = _boundary(masked, ss, b) if a <= ss else a
            a = max(a, _boundary(masked, a, b))
        m = analyse(text, a, b)
        if m is not None and m.kind == "person" and m.role and re.search(r"\b(?:and|or|&)$", m.role):
            m = None        # "..., Civil Rights and Civil Liberties,": the end of a list, not a person
        if k > 0 and m is not None and m.kind == "organization" and not m.via_doc and re.match(r"(?:the|a|an)\s", seg) \
                and re.search(r"\b(?:on|of|in|at|for)\b", seg) and len(seg.split()) <= 20:
            roles.append(seg)   # "X of Virginia, the top Democrat on the Y Committee,": X's role
            continue
        named = m is not None and not m.anaphor and m.kind != "other"
        described = re.match(r"(?:a|an)\s", seg) and not (m is not None and m.via_doc)
        if named and not described and _short_role(text[a:b], m):
            words = [r for r in roles if not r.isdigit()]       # "Jane Roe, 31, ...": an age is no role
            return m, (words[-1] if words else None), a
        if k == 0 and roles and m is not None and m.anaphor == "person" and re.fullmatch(r"(?:[Hh]e|[Ss]he)", seg):
            return m, None, a       # "He, along with several other members of Congress, suggested"
        if k > 0 and m is None and re.search(r"\b(?:of|on|for)\b", text[segs[k - 1][0]:segs[k - 1][1]]) and re.fullmatch(r"[A-Z][\w.'\u2019-]*(?:\s+(?:(?:and|of|on|for|the|&)\s+)*[A-Z][\w.'\u2019-]*)*", seg):
            roles.append(seg)       # a list continuing the role before ("chairman of X, Y and Z,")
            continue
        limit = 40 if re.match(r"(?:who|whose|which)\s", seg) else 20 if re.match(r"(?:the|a|an)\s", seg) else 14
        if len(seg.split()) > limit or not _APPOSITIVE.match(seg):
            break
        if re.match(r"\w+ing\b", seg) and not roles:
            break
        roles.append(seg)
        # "A spokesman for Y, X, said": the role comes first, the named person second.
    if len(segs) >= 2:
        a, b = segs[-1]
        m1 = analyse(text, a, b)
        if m1 is not None and m1.kind == "person" and not m1.anaphor and not re.search(r"\b(?:and|or|&)$", m1.role or ""):
            return m1, text[segs[-2][0]:segs[-2][1]].strip(), segs[-2][0]
    return None, None, comma


def _colon_cues(text: str, masked: str, ss: int, se: int, quotes: list[Quote], taken: list[Cue]) -> list[Cue]:
    """'Biden was quick to retort: "..."' -- a quote introduced by a colon is the sentence subject's."""
    out = []
    for q in quotes:
        if not (ss <= q.start < se):
            continue
        pre = masked[ss:q.start].rstrip()
        if not pre.endswith(":") or any(c.content and c.content[0] <= q.start < c.content[1] for c in taken):
            continue
        subj = _sentence_subject(text, masked, ss, q.start)
        if subj is None:
            continue
        out.append(Cue(":", q.start, subj, (q.start, q.end), (ss, se), score=0.8,
                        evidence=text[ss:q.start].strip()))
    return out


def _next_paragraph_quote(text: str, masked: str, ss: int, se: int, quotes: list[Quote], taken: list[Cue]) -> list[Cue]:
    """'The committee issued a brief statement after the speech:' and the quote as the next paragraph:
    the sentence subject's (a statement, post or letter introduced and then quoted)."""
    if not masked[ss:se].rstrip().endswith(":"):
        return []
    j = se
    while j < len(masked) and masked[j] in " \t\n:":
        j += 1
    if "\n" not in masked[se:j]:
        return []
    q = next((q for q in quotes if q.start == j), None)
    if q is None or any(c.content and c.content[0] <= q.start < c.content[1] for c in taken):
        return []
    said = [c for c in taken if c.cue not in ("according to", "per", "citing")]
    if said:
        subj = said[-1].mention      # "the president tweeted ..., asking:" -- the sentence's speaker
    else:
        opener = tokens(masked, ss, se)[:1]
        subj = _clause_subject(text, masked, ss, se, set()) if opener and (opener[0].low.endswith("ing") or opener[0].low in _PREPS
                                                                          or opener[0].low in ("over", "here", "there")) \
            else _sentence_subject(text, masked, ss, se)
    if subj is None:
        return []
    return [Cue(":", q.start, subj, (q.start, q.end), (ss, se), score=0.7, evidence=text[ss:se].strip()[-120:])]


def _sentence_subject(text: str, masked: str, ss: int, limit: int) -> Mention | None:
    toks = tokens(masked, ss, limit)
    while toks and toks[0].low in L.LEADING_FILLERS:
        toks = toks[1:]     # "And it ended with: ..."
    if not toks:
        return None
    if toks[0].low in L.PRONOUNS_PERSON | L.PRONOUNS_GROUP:
        return analyse(text, toks[0].s, toks[0].e)
    if toks[0].low in ("his", "her") and len(toks) <= 3:
        # 'His response: "..."', 'Her answer: "..."': the possessor speaks.
        return Mention(text[toks[0].s:toks[0].e], "person", None, (toks[0].s, toks[0].e), anaphor="person")
    i = 0
    while i < len(toks) and (toks[i].cap or toks[i].low in ("the", "of")) and i < 8:
        i += 1
    if i == 0:
        return None
    m = analyse(text, toks[0].s, toks[i - 1].e)
    return m if m is not None and m.kind != "other" else None


