"""Who a cue's source is: anaphors and short names resolved against what the article said before.

"he"/"she" -> the last person quoted or named as a subject (gender from Mr./Ms., roles and common
given names); "it"/"the report" -> the last outlet or organisation cited; "the publication" -> the
last outlet named; "the official(s)" -> the source described that way before; "the president" ->
the person titled so; a surname -> the full name used before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from storytrace.sources import lexicon as L
from storytrace.sources.cues import Cue, _PREPS
from storytrace.sources.mentions import Mention, name_kind, tokens
from storytrace.sources.model import Span
from storytrace.text import finditer_from, sentence_spans

_NAME_WORD = r"(?:(?:St|Mt|Ft)\.|[A-Z][a-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z]+)?)"
# Speed: these patterns run over every article, and a pattern that opens with `\b` makes the regex
# engine try a full match at every position. Where it opens with a letter instead, the engine skips
# ahead to the letters that can start a match. `X(?<!\w.)` (after the first letter X) is the same test
# as `\bX`: the character before X is no word character, or X opens the text.
# tests/test_sources_fast_paths.py checks each against its plain `\b` form on real articles.
_NAME_WORD_FIRST = r"(?:[A-Z](?<!\w.)(?:(?<=[SMF])t\.|[a-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z]+)?))"   # \b + _NAME_WORD
_NAME_RE = re.compile(_NAME_WORD_FIRST + r"(?:[ \t]+(?:[A-Z]\.[ \t]+)?" + _NAME_WORD + r"){1,7}\b")
_OUTLET_NAME_RE = re.compile(r"\b(?:the\s+)?(?:[A-Z][\w'\u2019.-]*\s+){0,4}(?:Post|Times|News|Journal|Herald|Tribune|Gazette|Telegraph|Guardian|Chronicle|Daily|Magazine)\b")
# Every match of _OUTLET_NAME_RE holds one of these words: a text without any has no outlet name.
_OUTLET_WORD = re.compile(r"(?:Post|Times|News|Journal|Herald|Tribune|Gazette|Telegraph|Guardian|Chronicle|Daily|Magazine)")


def word_start_alternatives(words: str) -> str:
    """`\b(?:A|B|...)` for "A|B|..." (each word opening with a letter), written so that the regex
    engine can skip to the first letters: each alternative checks the boundary after its first letter."""
    return "(?:" + "|".join(w[0] + r"(?<!\w.)" + w[1:] for w in words.split("|")) + ")"


@dataclass
class Resolved:
    name: str
    kind: str
    role: str | None
    score: float
    evidence: str
    head: str | None = None
    via_doc: str | None = None



def spacy_entities(text: str, nlp) -> list[tuple[int, int, str]]:
    try:
        doc = nlp(text)
    except Exception:       # a broken model must not break the rule layer
        return []
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


_FEMALE = frozenset("ms mrs miss spokeswoman chairwoman congresswoman councilwoman businesswoman queen princess lady madam".split())
_MALE = frozenset("mr spokesman chairman congressman councilman businessman king prince sir".split())


@dataclass
class _Person:
    pos: int
    name: str           # full name where known
    gender: str | None  # "f", "m" or None
    subject: bool       # first person named in its sentence (a likely antecedent)


def _gender_of(words: list[str], first: str | None = None) -> str | None:
    w = {x.lower().rstrip(".") for x in words}
    if w & _FEMALE:
        return "f"
    if w & _MALE:
        return "m"
    if first:
        f = first.lower()
        if f in L.FEMALE_NAMES:
            return "f"
        if f in L.MALE_NAMES:
            return "m"
    return None


_TITLED_ONE = re.compile("(" + word_start_alternatives("Mr|Mrs|Ms|Miss|Dr|President|Sen|Senator|Rep|Representative|Gov|Governor|Mayor|Justice|Judge|Speaker")
                         + r")\.?[ \t]+([A-Z][a-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z]+)?)\b(?![ \t]+[A-Z])")


def person_names(masked: str, ents, sents: list[Span] | None = None) -> list[_Person]:
    """Person mentions outside quotes, in order, with what gender cues the text gives."""
    found: list[tuple[int, int, str, str | None]] = []
    if ents:
        for s, e, lab in ents:
            if lab == "PERSON" and "xxx" not in masked[s:e] and len(masked[s:e].split()) >= 2:
                found.append((s, e, masked[s:e], _gender_of(masked[max(0, s - 25):s].split()[-2:])))
    for m in _NAME_RE.finditer(masked):
        toks = tokens(masked, m.start(), m.end())
        pre = []
        while toks and (toks[0].low in L.TITLES or toks[0].low in L.LEADING_FILLERS or toks[0].low in L.DETERMINERS
                        or toks[0].low in L.BOUNDARY_WORDS or toks[0].low in _PREPS):
            pre.append(toks[0].text)
            toks = toks[1:]
        ti = [k for k, t in enumerate(toks) if t.low in L.TITLES or t.low in L.ORG_WORDS]
        if ti and len(toks) - ti[-1] - 1 >= 1:
            pre += [t.text for t in toks[:ti[-1] + 1]]
            toks = toks[ti[-1] + 1:]
        if len(toks) >= 2 and name_kind(toks) == "person" and not (toks[0].s > 0 and masked[toks[0].s - 1] in "-\u2013\u2014/"
                                                                      and toks[0].s > 1 and masked[toks[0].s - 2].isalpha()):
            # (a name glued by a dash to the word before, "College\u2013Florissant Valley", is a place's)
            before = masked[max(0, toks[0].s - 25):toks[0].s].split()[-2:]
            name = _POSS_END.sub("", masked[toks[0].s:toks[-1].e])     # "Donald Trump's" -> "Donald Trump"
            found.append((toks[0].s, toks[0].s + len(name), name, _gender_of(pre + before, toks[0].text)))
    full = {}
    found.sort(key=lambda f: (f[0], f[1]))
    for s, e, n, g in found:
        full.setdefault(n.split()[-1], [n, None])
        if g:
            full[n.split()[-1]][1] = g
    # Titled surnames ("President Smith", "Ms. Rice") are people even when no full name is given.
    for m in _TITLED_ONE.finditer(masked):
        last = _POSS_END.sub("", m.group(2))
        if last not in full and last.lower() not in L.TITLES and last.lower() not in L.ORG_WORDS:   # not "Justice Department"
            full[last] = [last, _gender_of([m.group(1)])]
    # Surnames alone ("Ms. Rice", "Rice said"): map to the full name used before.
    for m in finditer_from(_SURNAME_RE, _CAPITAL_WORD_START, masked) if full else ():
        last = m.group(2)
        if last.endswith("s"):      # (a regex call only for the words that can end in "'s")
            last = _POSS_END.sub("", last)
        if last in full:
            g = _gender_of([m.group(1) or ""])
            if g:
                full[last][1] = g
            found.append((m.start(2), m.end(2), full[last][0], g))
    sents = sentence_spans(masked) if sents is None else sents
    out: list[_Person] = []
    seen_sent: set[int] = set()
    si = 0
    for s, e, n, g in sorted(set(found), key=lambda f: (f[0], f[1])):
        while si < len(sents) - 1 and sents[si][1] <= s:
            si += 1
        subject = si not in seen_sent and _subject_position(masked, s, sents[si][0] if sents else 0)
        seen_sent.add(si)
        key = n.split()[-1]
        name = full.get(key, [n])[0] if len(n.split()) == 1 or key in full else n
        out.append(_Person(s, name, full.get(key, [n, g])[1] or g, subject))
    return out


_POSS_END = re.compile(r"['\u2019]s$")
_CAPITAL_WORD_START = re.compile(r"[A-Z](?<!\w.)")      # where a match of _SURNAME_RE can start
_SURNAME_RE = re.compile(r"\b(?:(Mr|Mrs|Ms|Miss|Dr|Sen|Rep|Gov)\.?\s+)?([A-Z][a-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z]+)?)\b")
_PREV_WORD = re.compile(r"([\w'\u2019]+)\W*$")
_PRONOUN_OPENING = re.compile(r"\W*(?:[Hh]e|[Ss]he|[Tt]hey)\b")
_PLURAL_TITLE_END = re.compile(r"\b(?:Sens|Reps)\.\s*$")
_NOT_SUBJECT_PREV = _PREPS | {"and", "or"} | L.SPEECH_VERBS


def _subject_position(masked: str, s: int, sent_start: int) -> bool:
    """A name at s can be its sentence's subject: not the object of a preposition or of "told", not
    after a possessive ("MSNBC's Jane Roe") or in a clause whose subject is a pronoun ("she told
    Jane Roe"), and not split from its title by a sentence cut ("Sens. | Jane Roe")."""
    prev = _PREV_WORD.search(masked, max(0, s - 20), s)
    pw = prev.group(1).lower() if prev else ""
    if pw in _NOT_SUBJECT_PREV or pw.endswith(("'s", "\u2019s")):
        return False
    if sent_start <= s and _PRONOUN_OPENING.match(masked, sent_start, s):
        return False
    return not _PLURAL_TITLE_END.search(masked, max(0, s - 8), s)


_TITLED = re.compile("(" + word_start_alternatives("President|Senator|Sen|Governor|Gov|Secretary|Minister|Ambassador|Mayor|Speaker|Judge|"
                                                   "Justice|Chairman|Chairwoman|Director|Rep|Representative|General|Gen|Prime Minister")
                     + r")\.?\s+((?:[A-Z][a-z\u00C0-\u024F'\u2019-]+\s+){0,2}[A-Z][a-z\u00C0-\u024F'\u2019-]+)")


def titled_names(masked: str) -> list[tuple[int, tuple[str, str]]]:
    """("president", "Donald Trump") for "President Donald Trump": antecedents of "the president"."""
    out = []
    for m in _TITLED.finditer(masked):
        t = m.group(1).lower().split()[-1]
        t = {"sen": "senator", "gov": "governor", "rep": "representative", "gen": "general"}.get(t, t)
        out.append((m.start(), (t, _POSS_END.sub("", m.group(2)))))
    return out


_CAP_RUN_RE = re.compile(r"\b(?:(?:St|Mt|Ft)\.[ \t]+|[A-Z][\w'\u2019&.-]*[ \t]+(?:(?:of|for|and|the|on)[ \t]+)*)*[A-Z][\w'\u2019&-]*")
_HEADLINE_WORDS = frozenset("With During After Before Over From To In On At As By Is Are Was Says Said".split())
_NOT_ORG_ACRONYMS = frozenset("ceo cfo coo gop usa us uk tv pm am ap".split())


def org_names(masked: str) -> list[tuple[int, str]]:
    """Organisations named in the text ("the Center for Policy Studies", "NAACP"): antecedents of "the group"."""
    out = []
    for m in _CAP_RUN_RE.finditer(masked):
        toks = [t for t in tokens(masked, m.start(), m.end())]
        while toks and (toks[0].low in L.TITLES or toks[0].low in L.LEADING_FILLERS or toks[0].low in L.DETERMINERS
                        or toks[0].low in L.BOUNDARY_WORDS or toks[0].low in ("former", "fellow", "other")):
            toks = toks[1:]
        if not toks:
            continue
        if len(toks) > 7 or any(t.text in _HEADLINE_WORDS for t in toks[1:]):
            continue        # a headline in title case ("X Messaged With Y During Campaign"), not a name
        words = {t.low for t in toks}
        acro = len(toks) == 1 and toks[0].acronym and len(toks[0].text) >= 3 and toks[0].low not in _NOT_ORG_ACRONYMS
        if acro or (words & (L.ORG_WORDS - {"house", "senate", "congress", "government", "administration"}) and toks[-1].cap):
            out.append((toks[0].s, masked[toks[0].s:toks[-1].e]))
    return out


def outlet_names(masked: str) -> list[tuple[int, str]]:
    out = []
    if not _OUTLET_WORD.search(masked):
        return out
    for m in _OUTLET_NAME_RE.finditer(masked):
        toks = tokens(masked, m.start(), m.end())
        if toks and name_kind([t for t in toks if t.low != "the"]) == "outlet":
            out.append((m.start(), m.group()))
    return out


def _kind_from_ents(span: Span, ents) -> str | None:
    if not ents:
        return None
    s, e = span
    for es, ee, lab in ents:
        if es <= s < ee or s <= es < e:
            if lab == "PERSON":
                return "person"
            if lab in ("ORG", "GPE", "NORP", "FAC"):
                return "organization"
    return None


_DOC_SYNONYMS = {"ad": ("ad", "ads", "advertisement", "commercial", "spot", "video"), "advertisement": ("ad", "advertisement", "commercial", "spot"),
                 "commercial": ("ad", "advertisement", "commercial", "spot"), "suit": ("suit", "lawsuit", "complaint"),
                 "lawsuit": ("suit", "lawsuit", "complaint")}


def _doc_owner(text: str, masked: str, pos: int, head: str, persons) -> Resolved | None:
    """Who put out "the ad"/"the letter": the subject of the sentence that introduced it
    ("The Roe campaign answered with an ad of its own. The ad says: ...")."""
    from storytrace.sources.cues import _clause_subject, _np_end
    from storytrace.sources.mentions import analyse
    heads = _DOC_SYNONYMS.get(head, (head,))
    lo = max(0, pos - 1500)
    rx = re.compile(r"\b(?:an?|[Tt]he|its|their|his|her|new|own)\s+(?:[\w-]+\s+){0,3}?(?:" + "|".join(heads) + r")\b")
    found = list(rx.finditer(masked, lo, pos))
    if not found:
        return None
    m = found[-1]
    by = re.match(r"[^.;\n]{0,40}?\b(?:signed|written|sent|issued|released|published|filed|brought|authored|put out|paid for)\s+by\s+",
                  masked[m.end():m.end() + 90])
    men = None
    if by:
        # "a letter signed by 90 faculty members": the signers.
        bs = m.end() + by.end()
        men = analyse(text, bs, _np_end(masked, bs, min(len(masked), bs + 120), 10))
    if men is None:
        ss = _sentence_start(masked, m.start())
        men = _clause_subject(text, masked, ss, m.start(), set())
    if men is None or men.anaphor in ("person", "group", "thing", "self", "doc", "statement"):
        return None
    name = men.name
    if men.kind in ("person", "organization") and len(name.split()) == 1:
        for p in reversed(persons):
            if p.pos < pos and p.name.split()[-1] == name and len(p.name.split()) > 1:
                name = p.name
                break
    return Resolved(name, men.kind, men.role, 0.7, f"'{head}' -> {name}, who put it out")


def _sentence_start(masked: str, i: int) -> int:
    j = i
    while j > 0 and not (masked[j - 1] == "\n" or (masked[j - 1] == " " and j >= 2 and masked[j - 2] in ".!?")):
        j -= 1
    return j


def resolve_all(cues: list[Cue], persons, outlets, ents, titled=(), text: str = "", masked: str = "") -> list[Resolved]:
    history: list[tuple[int, Resolved]] = []
    out: list[Resolved] = []
    orgs = org_names(masked) if masked and any(c.mention.anaphor == "org" for c in cues) else []
    genders = _genders(persons)
    for c in cues:
        r = None
        if text and c.mention.anaphor in ("doc", "statement") and c.mention.head and c.mention.definite:
            r = _doc_owner(text, masked, c.mention.span[0], c.mention.head, persons)
        if r is None:
            r = _resolve(c.mention, c.pos, history, persons, outlets, ents, titled, orgs, genders)
        out.append(r)
        if c.mention.anaphor not in ("self",) and r.score >= 0.5:
            history.append((c.mention.span[0], r))
        if c.via is not None:
            v = _resolve(c.via, c.pos, history, persons, outlets, ents, genders=genders)
            if v.kind in ("outlet", "agency"):
                history.append((c.via.span[0], v))
            c.via = Mention(v.name, v.kind, None, c.via.span, head=c.via.name)
    return out


def _same_head(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return a.rstrip("s") == b.rstrip("s")


def _past(history, pos: int) -> list[Resolved]:
    """What was attributed before `pos`, latest first (everything, latest first, when nothing was)."""
    return [r for p, r in reversed(history) if p <= pos] or [r for p, r in reversed(history)]


def _genders(persons) -> dict[str, str]:
    return {p.name: p.gender for p in persons if p.gender}


def _resolve(men: Mention, pos: int, history, persons, outlets, ents, titled=(), orgs=(), genders=None) -> Resolved:
    """`genders` (`_genders(persons)`) may be passed in, computed once per article: only faster."""
    a = men.anaphor
    pos = men.span[0]
    if genders is None:
        genders = _genders(persons)
    if a is None:
        name, kind, role = men.name, men.kind, men.role
        ek = _kind_from_ents(men.span, ents)
        if ek and kind in ("person", "organization") and kind != ek and len(name.split()) <= 4:
            kind = ek
        # A surname or short form used after the full name: "Roe said" -> "Jane Roe".
        words = name.split()
        if kind in ("person", "organization") and len(words) == 1:
            past = _past(history, pos)
            # "Mr. Roe" is not the Jane Roe quoted last: the honorific's gender must not conflict.
            want = _gender_of((role or "").split()[-1:])

            def fits(n: str) -> bool:
                # the given name first: "Mr. Roe" mentions may have lent Jane Roe's surname a male gender
                g = _gender_of([], n.split()[0] if len(n.split()) > 1 else None) or genders.get(n)
                return not (want and g and g != want)
            for r in past:
                if r.kind == "person" and r.name.split()[-1] == words[0] and fits(r.name):
                    return Resolved(r.name, "person", role or r.role, 0.9, f"short form of {r.name}")
            for p in reversed(persons):
                if p.pos < pos and p.name.split()[-1] == words[0] and len(p.name.split()) > 1 and fits(p.name):
                    return Resolved(p.name, "person", role, 0.85, f"short form of {p.name}")
        return Resolved(name, kind, role, 1.0, "named", head=men.head, via_doc=men.via_doc)
    past = _past(history, pos)
    if a == "person" or a == "self":
        want = {"she": "f", "he": "m", "her": "f", "his": "m"}.get(men.name.lower())
        cands: list[tuple[int, Resolved]] = [(p, r) for p, r in history if p < pos and (r.kind == "person" or (
            r.kind == "organization" and len(r.name.split()) == 1 and not r.name.isupper()))]
        cands += [(p.pos, Resolved(p.name, "person", None, 0.7, f"'{men.name}' -> {p.name}, named before"))
                  for p in persons if p.subject and p.pos < pos]
        cands.sort(key=lambda x: x[0], reverse=True)

        def gender(r: Resolved) -> str | None:
            return genders.get(r.name) or _gender_of((r.role or "").split(), r.name.split()[0] if len(r.name.split()) > 1 else None)
        for p, r in cands:
            g = gender(r)
            if want and g and g != want:
                continue
            if want == "f" and g is None:
                # The nearest antecedent's gender is unknown: a person of the pronoun's gender named
                # about as recently (same or previous sentence) is the likelier one.
                near = [(q.pos, q.name) for q in persons if p - 250 <= q.pos < pos and q.name != r.name
                        and genders.get(q.name) == want]
                near += [(q, x.name) for q, x in cands if q >= p - 250 and x.name != r.name and gender(x) == want]
                if near:
                    q, n = max(near)
                    return Resolved(n, "person", None, 0.7, f"'{men.name}' -> {n} (gender)")
            return Resolved(r.name, "person", r.role, 0.8, f"'{men.name}' -> {r.name}")
        for p in reversed(persons):
            if p.pos < pos:
                return Resolved(p.name, "person", None, 0.6, f"'{men.name}' -> last person named")
        return Resolved(men.name, "other", None, 0.3, "unresolved pronoun")
    if a == "group":
        for r in past:
            if r.kind in ("other", "organization") or (r.head and r.head.endswith("s")):
                return Resolved(r.name, r.kind, r.role, 0.7, f"'{men.name}' -> last group quoted", head=r.head)
        return Resolved(men.name, "other", None, 0.3, "unresolved pronoun")
    if a in ("thing", "doc"):
        for r in past:
            if r.kind in ("outlet", "agency", "organization"):
                return Resolved(r.name, r.kind, r.role, 0.75, f"'{men.name}' -> last outlet/organisation cited")
        if past and a == "thing":
            r = past[0]
            return Resolved(r.name, r.kind, r.role, 0.5, f"'{men.name}' -> last source")
        return Resolved(men.name, "other", None, 0.4, "document not traced to a source", head=men.head)
    if a == "statement":
        for r in past:
            if r.kind in ("person", "organization", "agency"):
                return Resolved(r.name, r.kind, r.role, 0.75, f"'{men.name}' -> last person/organisation quoted")
        return Resolved(men.name, "other", None, 0.4, "statement not traced to a source", head=men.head)
    if a == "outlet":
        cands = [(p, r.name, r.kind) for p, r in history if r.kind in ("outlet", "agency") and p <= pos]
        cands += [(p, n, "outlet") for p, n in outlets if p <= pos]
        if cands:
            p, n, k = max(cands)
            return Resolved(n, k, None, 0.75, f"'{men.name}' -> last outlet named")
        return Resolved(men.name, "outlet", None, 0.4, "outlet not named before")
    if a == "org":
        for r in past:
            if r.kind in ("organization", "other", "agency") and (men.head in r.name.lower() or _same_head(r.head, men.head)):
                return Resolved(r.name, r.kind, r.role, 0.75, f"'{men.name}' -> {r.name}", head=r.head)
        named = [(p, n) for p, n in orgs if p < pos and (men.head in n.lower() or men.head in ("group", "organization", "organisation", "movement"))]
        if named:
            p, n = named[-1]
            return Resolved(n, "organization", None, 0.7, f"'{men.name}' -> {n}, named before")
        return Resolved(men.name, "organization", None, 0.6, "described organisation", head=men.head)
    if a == "role":
        singular = bool(men.head) and not men.head.endswith("s")
        for r in past:
            if singular and r.kind == "other" and not (_same_head(r.head, men.head) and re.match(r"(?:a|an|one)\s", r.name, re.I)):
                continue        # "the senator" refers to a person, not to an earlier unnamed description
                # (but "the spokesperson" is the "a spokesperson for X" introduced before)
            if _same_head(r.head, men.head) or (r.role and men.head and men.head in r.role.lower()):
                return Resolved(r.name, r.kind, r.role, 0.75, f"'{men.name}' -> earlier {r.name}", head=r.head)
        if men.head in L.TITLES:
            for p, full in reversed(titled):
                if p < pos and full[0] == men.head:
                    return Resolved(full[1], "person", None, 0.7, f"'{men.name}' -> {full[1]}, titled {men.head} before")
        if men.head and not men.head.endswith("s") and men.head in L.TITLES | L.ROLE_NOUNS:
            cands = [(p, r) for p, r in history if r.kind == "person" and p < pos]
            cands += [(p.pos, Resolved(p.name, "person", None, 0.6, "")) for p in persons if p.subject and p.pos < pos]
            want = _gender_of([men.head])
            if want:        # "the congressman" is not the woman named last
                cands = [(p, r) for p, r in cands if (genders.get(r.name) or _gender_of((r.role or "").split(),
                         r.name.split()[0] if len(r.name.split()) > 1 else None)) in (None, want)]
            if cands:
                p, r = max(cands, key=lambda x: x[0])
                return Resolved(r.name, "person", r.role, 0.6, f"'{men.name}' -> {r.name}, last person named")
        return Resolved(men.name, "other", None, 0.6, "described source", head=men.head)
    return Resolved(men.name, men.kind, men.role, 0.5, "")


