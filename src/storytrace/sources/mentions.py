"""Read a source noun phrase: who is it, what kind, which role, or what it refers back to.

"City Council spokeswoman Jane Roe" -> person "Jane Roe" with role "City Council
spokeswoman"; "a report from the Daily Courier" -> outlet "the Daily Courier"; "three officials familiar with the matter" -> anonymous (kind other);
"he", "the publication", "the report", "the official" -> anaphors resolved later against what the
article said before. Rules only: a capitalised run, the words around it and the word lists in
`lexicon` decide; an optional spaCy pass can correct the kind afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from storytrace.sources import lexicon as L
from storytrace.text import HONORIFICS

TOKEN = re.compile(r"[^\W\d_](?:[\w'\u2019\-]|\.(?=\w))*\.?|\d[\d,.]*|&")
_POSS = re.compile(r"['\u2019]s$")
CONNECTORS = frozenset("of for the and on de del la le von van al bin el & in".split())
# Abbreviations inside names whose period is no sentence end ("St. Louis", "Mt. Vernon").
_ABBREV_KEEP = frozenset("st mt ft".split())
_PREPS_NP = frozenset("with to from by for at in on about against into than".split())
_PERSON_STOP = L.ORG_WORDS | L.OUTLET_WORDS | L.AGENCY_WORDS | L.DOCUMENT_NOUNS | L.WEEKDAYS | L.MONTHS | frozenset("this that these those the".split())


_VOICE_NOUNS = frozenset("board editors".split())
# First words of place names, which otherwise look like "First Last" person names.
_PLACE_FIRST = frozenset("""new san santa los las saint st north south east west united fort mount lake port great upper lower
central northern southern eastern western el la""".split())


@dataclass
class Mention:
    name: str
    kind: str                       # outlet|person|organization|agency|other
    role: str | None
    span: tuple[int, int]           # of the name within the article text
    anaphor: str | None = None      # person|group|thing|doc|statement|outlet|role|self
    head: str | None = None         # head noun of a descriptive mention ("officials")
    definite: bool = False
    via_doc: str | None = None      # "report" in "a report from X"
    also: list | None = None        # the other named people of a joint source ("X and Y said")


class Tok:
    """One token of a source phrase. `low` (lower-cased, final period dropped) and `cap` are read
    millions of times on a large corpus, so they are computed once here, not per access."""
    __slots__ = ("text", "s", "e", "low", "cap")

    def __init__(self, text: str, s: int, e: int) -> None:
        self.text = text
        self.s = s
        self.e = e
        self.low = text.lower().rstrip(".")
        self.cap = text[0].isupper()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Tok:
            return NotImplemented
        return (self.text, self.s, self.e) == (other.text, other.s, other.e)

    __hash__ = None     # type: ignore[assignment]  # mutable, compared by value (as the dataclass was)

    def __repr__(self) -> str:
        return f"Tok(text={self.text!r}, s={self.s!r}, e={self.e!r})"

    @property
    def acronym(self) -> bool:
        t = self.text.replace(".", "")
        return len(t) >= 2 and t.isupper() and t.isalpha()


_DOTTED = re.compile(r"(?:\w\.)+")


def tokens(text: str, start: int, end: int) -> list[Tok]:
    out = []
    for m in TOKEN.finditer(text, start, end):
        t = m.group()
        s, e = m.span()
        # A final period belongs to the word only for abbreviations ("Mr.", "U.S.").
        if t.endswith(".") and not (t[:-1].lower() in HONORIFICS or t[:-1].lower() in _ABBREV_KEEP or _DOTTED.fullmatch(t)):
            t, e = t[:-1], e - 1
        out.append(Tok(t, s, e))
    return out


def _base(low: str) -> str:
    # (`_POSS.sub("", low)`, without a regex call for the words that do not end in "s")
    return _POSS.sub("", low) if low.endswith(("s", "\n")) else low


def _words(toks: list[Tok]) -> set[str]:
    return {_base(t.low) for t in toks}


def name_kind(toks: list[Tok]) -> str:
    """Kind of a proper name from its shape: outlet, agency, organization or person."""
    words = [_base(t.low) for t in toks if t.low not in CONNECTORS]
    if not words:
        return "other"
    last = words[-1]
    wset = set(words)
    if len(toks) == 1 and toks[0].acronym:
        a = toks[0].text.replace(".", "")
        # Broadcaster naming conventions: ... News Network, ... Broadcasting Co./System, ... Public Radio.
        if a.endswith(("NN", "BC", "BS", "PR", "TV")):
            return "outlet"
        return "organization"
    if last in L.AGENCY_WORDS or ("press" in wset or "agence" in wset or "newswire" in wset):
        if not (wset & L.GOVERNMENT_WORDS):
            return "agency"
    if last in L.ORG_WORDS:
        return "organization"
    if last in L.OUTLET_WORDS or (wset & {"news", "times", "post", "journal", "gazette", "tribune", "herald", "daily"}):
        return "outlet"
    if wset & L.ORG_WORDS:
        return "organization"
    if any(t.low in ("and", "&") for t in toks):
        return "organization"
    if words[0] in _PLACE_FIRST or words[0] in L.GOVERNMENT_WORDS:
        return "organization"
    if len(words) >= 2 and not (wset & _PERSON_STOP) and all(t.cap for t in toks if t.low not in CONNECTORS):
        if not any(_POSS.search(t.low) for t in toks) and not any(t.acronym for t in toks):
            return "person"
    return "organization"


def _strip_leading(toks: list[Tok]) -> list[Tok]:
    i = 0
    while i < len(toks) and toks[i].low in L.LEADING_FILLERS:
        i += 1
    # "Attacking Jane Roe, ...": a sentence-opening participle is no part of the name.
    if i + 1 < len(toks) and toks[i].cap and toks[i].low.endswith("ing") and len(toks[i].low) > 5 and toks[i + 1].cap:
        j = i + 1
        while j < len(toks) and toks[j].cap:
            j += 1
        if name_kind(toks[i + 1:j]) == "person":
            i += 1
    return toks[i:]


def _span_text(text: str, toks: list[Tok]) -> str:
    return text[toks[0].s:toks[-1].e]


def analyse(text: str, start: int, end: int, hint: str | None = None) -> Mention | None:
    """Read the source phrase text[start:end]; None when it does not name or point to a source."""
    toks = _strip_leading(tokens(text, start, end))
    # Drop trailing circumstance words that slipped in ("officials in interviews" is cut earlier).
    if not toks:
        return None
    if len(toks) > 16:
        toks = _trailing_run(toks) or []
        if not toks:
            return None
    low = [t.low for t in toks]
    n = len(toks)
    span = (toks[0].s, toks[-1].e)
    whole = _span_text(text, toks)
    joint = _joint_people(text, toks)
    if joint is not None:
        return joint

    if all(x in L.WEEKDAYS or x in L.MONTHS or x in L.DETERMINERS for x in low):
        return None
    if n == 1 and low[0] in L.PRONOUNS_PERSON:
        return Mention(whole, "person", None, span, anaphor="person")
    if n == 1 and low[0] in L.PRONOUNS_GROUP:
        return Mention(whole, "other", None, span, anaphor="group")
    if n == 1 and low[0] in L.PRONOUNS_THING:
        return Mention(whole, "other", None, span, anaphor="thing")
    if n == 1 and low[0] in L.PRONOUNS_SELF:
        return Mention(whole, "other", None, span, anaphor="self")
    if low[0] in L.NUMBER_WORDS | {"some", "many", "most", "both", "all", "each", "few", "none", "several"} \
            and "of" in low[1:3] and low[-1] in ("them", "those", "these", "us"):
        return Mention(whole, "other", None, span, anaphor="group")     # "one of them"
    if low[0] in ("his", "her", "their", "its") :
        return None if n == 1 else Mention(whole, "other", None, span, anaphor="person" if low[0] in ("his", "her") else "thing", head=low[-1])

    # "X's report/statement ..." -> X.
    for k, t in enumerate(toks[:-1]):
        if _POSS.search(t.low) and (_base(low[-1]) in L.DOCUMENT_NOUNS or (low[-1] in _VOICE_NOUNS and k == n - 2
                                                                            or low[k + 1:] == ["editorial", "board"])):
            # ("the Daily Courier's editorial board said": the outlet speaks through its board)
            inner = toks[:k + 1]
            s0 = inner[0].s
            e0 = inner[-1].e - 2
            m = analyse(text, s0, e0, hint)
            if m and not m.anaphor:
                m.via_doc = low[-1]
                return m

    # "the Daily Courier report", "a Pentagon statement": the named body put out the document.
    if n >= 2 and _base(low[-1]) in L.DOCUMENT_NOUNS and not toks[-1].cap and toks[-2].cap:
        k0 = 1 if low[0] in L.DETERMINERS else 0
        if k0 < n - 1 and all(t.cap or t.low in CONNECTORS for t in toks[k0:-1]) and toks[k0].cap:
            m = analyse(text, toks[k0].s, toks[-2].e, hint)
            if m and not m.anaphor and m.kind in ("outlet", "agency", "organization"):
                m.via_doc = low[-1]
                return m

    # "a report from X", "new intelligence seen by X", "reports from X".
    for k, t in enumerate(toks):
        if t.low in L.DOCUMENT_NOUNS and all(not x.cap or x.low in L.DETERMINERS for x in toks[:k]):
            j = k + 1
            while j < n and toks[j].low in ("seen", "obtained", "published", "issued", "released", "reviewed", "prepared", "compiled", "produced", "cited", "circulated"):
                j += 1
            if j < n and toks[j].low in ("from", "by", "in") and j + 1 < n:
                m = analyse(text, toks[j + 1].s, toks[-1].e, hint)
                if m:
                    m.via_doc = t.low
                    return m
            if j < n and toks[j].low == "of" and j + 1 < n and toks[j + 1].cap:
                m = analyse(text, toks[j + 1].s, toks[-1].e, hint)
                if m:
                    m.via_doc = t.low
                    return m
            if k == n - 1:
                definite = low[0] in ("the", "this", "that", "these", "those")
                kind = "statement" if t.low in ("statement", "statements", "email", "letter", "tweet", "post") else "doc"
                return Mention(whole, "other", None, span, anaphor=kind if definite else None, head=t.low, definite=definite)
            break

    caps = [t for t in toks if t.cap]
    definite = low[0] in ("the", "this", "that", "these", "those")
    # "the presumptive Republican nominee": a described person pointing back to someone named.
    if definite and 2 <= n <= 5 and not toks[-1].cap and (low[-1] in L.ROLE_NOUNS or low[-1] in L.TITLES) \
            and low[-1] not in L.ORG_WORDS \
            and all(not t.cap or re.search(r"(?:an|ic|ish|ese|i|ch)$", t.low) or t.low in ("house", "senate", "white")
                    for t in toks[1:-1]) and not any(_POSS.search(x) for x in low):
        # ("the House speaker", "the Senate majority leader": a chamber's officer, someone named before)
        return Mention(whole, "other", None, span, anaphor="role", head=low[-1], definite=True)
    if not caps or (len(caps) == 1 and caps[0] is toks[0] and low[0] in L.DETERMINERS | L.LEADING_FILLERS):
        head = _base(low[-1])
        if head in L.OUTLET_ANAPHORS and definite and n <= 3:
            return Mention(whole, "outlet", None, span, anaphor="outlet", head=head, definite=True)
        if head in L.ORG_ANAPHORS and definite and n <= 3:
            # "the group said", "the campaign said": the organisation named before.
            return Mention(whole, "organization", None, span, anaphor="org", head=head, definite=True)
        heads = [x for x in low if x in L.ROLE_NOUNS]
        if heads:
            if definite and n <= 3:
                return Mention(whole, "other", None, span, anaphor="role", head=heads[-1], definite=True)
            return Mention(whole, "other", None, span, head=heads[0])
        if hint == "outlet" and n <= 3:
            return Mention(whole, "outlet", None, span)
        return None

    # Person first named, then described: "John Doe of the Institute", "Jane Doe, a spokeswoman".
    lead = _leading_person(toks)
    if lead is not None:
        name_toks, rest = lead
        role = _span_text(text, rest) if rest else None
        if role:
            role = re.sub(r"^(?:of|at|from|with|for)\s+", "", role.lstrip(", ").strip()) or None
        return Mention(_span_text(text, name_toks), "person", role, (name_toks[0].s, name_toks[-1].e))

    run = _trailing_run(toks)
    if run:
        # "sources aligned with the United States": a described group, the name only qualifies it.
        ri = [i for i, t in enumerate(toks) if not t.cap and t.low in L.ROLE_NOUNS]
        if ri and ri[-1] < toks.index(run[0]) - 1:
            return Mention(whole, "other", None, span, head=toks[ri[-1]].low)
        k = toks.index(run[0])
        p = k - 2 if k >= 2 and toks[k - 1].low == "the" else k - 1
        if p >= 1 and toks[p].low in _PREPS_NP and not toks[p - 1].cap and toks[p - 1].low not in L.TITLES:
            return None     # "interview with Fox News": the name is an object, not the speaker
    if run and run[-1] is toks[-1] and _POSS.search(run[-1].low):
        return None     # "Jane's" alone is not who spoke
    if run and run[-1] is toks[-1]:
        # Proper-name run ends the phrase: a titled person or a named organisation/outlet.
        titled, name = _split_title(run)
        if name and any(_base(t.low) in L.TITLES for t in titled) and name_kind(name) == "person":
            before = toks[:toks.index(name[0])]
            role = _span_text(text, before).strip(" ,") if before else None
            return Mention(_span_text(text, name), "person", role, (name[0].s, name[-1].e))
        org = _org_run(toks)
        if org is not None and name_kind(org) in ("outlet", "agency", "organization") and (
                set(_words(org)) & (L.ORG_WORDS | L.OUTLET_WORDS | L.AGENCY_WORDS) or (len(org) == 1 and org[0].acronym)):
            kind = name_kind(org)
            if hint == "outlet" and kind == "organization" and not (_words(org) & L.ORG_WORDS):
                kind = "outlet"
            s0 = org[0].s
            if org[0].low != "the" and s0 > toks[0].s and toks[toks.index(org[0]) - 1].low == "the":
                s0 = toks[toks.index(org[0]) - 1].s
            return Mention(text[s0:org[-1].e], kind, None, (s0, org[-1].e))
        titled, name = _split_title(run)
        if name:
            before = toks[:toks.index(name[0])]
            role = _span_text(text, before).strip(" ,") if before else None
            if role and role.lower() in ("the", "a", "an"):
                role = None
            nk = name_kind(name)
            has_title = bool(titled) or bool(before and (_base(before[-1].low) in L.TITLES or before[-1].low in L.ROLE_NOUNS))
            if nk == "person" or (has_title and not (_words(name) & _PERSON_STOP)):
                return Mention(_span_text(text, name), "person", role, (name[0].s, name[-1].e))
            kind = nk
            if hint == "outlet" and kind == "organization":
                kind = "outlet"
            if before and len(name) == 1 and before[-1].low == "the":
                return Mention(_span_text(text, [before[-1]] + name), kind, None, (before[-1].s, name[-1].e))
            if len(before) >= 2 and before[-1].low in ("and", "&") and before[-2].cap and not titled:
                # "Nebraska and Oklahoma": two named parties speaking together.
                k = len(before) - 2
                while k > 0 and before[k - 1].cap:
                    k -= 1
                return Mention(text[before[k].s:name[-1].e], "organization", None, (before[k].s, name[-1].e))
            return Mention(_span_text(text, name), kind, role, (name[0].s, name[-1].e))
    # A described group, possibly with proper adjectives: "Western officials", "House Democrats".
    heads = [x for x in low if x in L.ROLE_NOUNS]
    if heads:
        return Mention(whole, "other", None, span, head=heads[0])
    if len(caps) >= 1:
        org = _org_run(toks)
        if org and not _POSS.search(org[-1].low) and org[-1] is toks[-1]:
            kind = name_kind(org)
            return Mention(_span_text(text, org), kind, None, (org[0].s, org[-1].e))
    return None


def _joint_people(text: str, toks: list[Tok]) -> Mention | None:
    """'Jane Roe and Sen. John Doe', 'Rep. Jane Roe of Ohio and John Doe': two named people speaking
    together. The last one is the mention; the others ride along in `also` (one attribution each)."""
    cuts = [j for j, t in enumerate(toks) if t.low in ("and", "&") and 0 < j < len(toks) - 1
            and toks[j - 1].cap and toks[j + 1].cap]
    if len(cuts) != 1:
        return None
    j = cuts[0]
    left = analyse(text, toks[0].s, toks[j - 1].e)
    right = analyse(text, toks[j + 1].s, toks[-1].e)
    # Each must look like a person: a title, or a common given name ("Civil Rights and Civil Liberties" is no pair).
    ok = [m for m in (left, right) if m is not None and m.kind == "person" and not m.anaphor and not m.also
          and (len(m.name.split()) >= 2 or (m.role or "").split()[-1:] and (m.role or "").split()[-1].lower().rstrip(".") in HONORIFICS | {
              "senator", "representative", "president", "governor", "speaker", "secretary", "leader"})]
    if len(ok) != 2 or not any(m.role or m.name.split()[0].lower() in L.FEMALE_NAMES | L.MALE_NAMES for m in ok):
        return None
    right.also = [left]
    return right


def _trailing_run(toks: list[Tok]) -> list[Tok]:
    """The last run of capitalised tokens (no connectors)."""
    run: list[Tok] = []
    for t in reversed(toks):
        if t.cap:
            run.insert(0, t)
        elif run:
            break
    return run


def _org_run(toks: list[Tok]) -> list[Tok] | None:
    """The last capitalised run, joined over connectors ("Institute for the Study of Cities")."""
    end = None
    for i in range(len(toks) - 1, -1, -1):
        if toks[i].cap:
            end = i
            break
    if end is None:
        return None
    i = end
    while i > 0:
        p = toks[i - 1]
        if p.cap and not _POSS.search(p.low):
            i -= 1
        elif p.low in CONNECTORS and p.low != "the" and i - 2 >= 0 and (toks[i - 2].cap or (toks[i - 2].low == "the" and i - 3 >= 0 and toks[i - 3].cap)):
            i -= 1
        elif p.low == "the" and i - 2 >= 0 and toks[i - 2].low in CONNECTORS and i - 3 >= 0 and toks[i - 3].cap:
            i -= 1
        else:
            break
    run = toks[i:end + 1]
    while run and run[0].low in CONNECTORS:
        run = run[1:]
    while run and _base(run[0].low) in L.TITLES and len(run) > 1 and name_kind(run[1:]) != "person":
        break
    return run or None


def _split_title(run: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """Split "Foreign Minister Hossein X" into titles and name; acronyms and possessives are titles too."""
    i = 0
    while i < len(run) - 1 and (_base(run[i].low) in L.TITLES or run[i].acronym or _POSS.search(run[i].low)
                                 or run[i].low in HONORIFICS):
        i += 1
    # "Ohio Rep. Jane Roe", "Nebraska Attorney General John Doe": the name follows the last title.
    last_title = max((k for k in range(len(run) - 1) if _base(run[k].low) in L.TITLES or run[k].low in HONORIFICS), default=-1)
    if last_title + 1 > i:
        i = last_title + 1
    if i == len(run) - 1 and (run[i].acronym or _POSS.search(run[i].low)):
        return run, []
    return run[:i], run[i:]


def _leading_person(toks: list[Tok]) -> tuple[list[Tok], list[Tok]] | None:
    i = 0
    while i < len(toks) and (_base(toks[i].low) in L.TITLES or toks[i].low in HONORIFICS) and toks[i].cap:
        i += 1
    # "Fellow Democratic Sen. Jane Roe of Ohio", "House GOP leader Jane Roe of Ohio": the name
    # follows the last title or role word of the opening run.
    k, last_title = i, -1
    while k < len(toks) and (toks[k].cap or toks[k].low in L.TITLES or toks[k].low in L.ROLE_NOUNS) and not _POSS.search(toks[k].low):
        if _base(toks[k].low) in L.TITLES or toks[k].low in HONORIFICS or toks[k].low in L.ROLE_NOUNS:
            last_title = k
        k += 1
    if last_title >= i:
        j = last_title + 1
        while j < len(toks) and toks[j].cap and not _POSS.search(toks[j].low):
            j += 1
        if j - last_title - 1 >= 2:
            i = last_title + 1
    j = i
    while j < len(toks) and toks[j].cap and not _POSS.search(toks[j].low):
        j += 1
    name = toks[i:j]
    if not (1 <= len(name) <= 4) or j >= len(toks):
        return None
    if len(name) == 1 and i == 0:
        return None
    if name_kind(name) != "person" and not (i > 0 and not (_words(name) & _PERSON_STOP)):
        return None
    if toks[j].low not in ("of", "at", "from", "with", "who", "for"):
        return None
    return name, toks[j:]
