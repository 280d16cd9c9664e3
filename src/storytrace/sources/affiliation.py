"""The group a source speaks for, as the article states it: party, chamber, organisation.

A fact-checker reading "Rep. Jane Roe, D-Ore., said" wants to know the quote is a Democrat's,
and "a spokeswoman for the Roe campaign" speaks for the campaign. Only what the text states
counts, each with the span that states it:

- party: "(D-N.Y.)", ", R-Texas,", "Democrat of Vermont", "a Republican of Ohio", "Democratic Sen.",
  "the Republican senator", "House Democrats" -> "Democratic Party" / "Republican Party" / "Independent";
- chamber: "House"/"Senate" before a title or in a group name, "Rep."/"Sen." before the name;
- organisation: the name before a role ("City Council spokeswoman", "Acme Corp.'s chief
  executive") or after it ("a spokesman for the Roe campaign", "director of the Institute").

Affiliations are read around every mention of the person in the article (full name, or the surname
when only one person of the article carries it), so "he said" gets the "D-N.Y." stated where the
person was first named. Pure functions over the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from storytrace.sources import lexicon as L
from storytrace.sources.model import Span

PARTIES = {"d": "Democratic Party", "democrat": "Democratic Party", "democrats": "Democratic Party",
           "democratic": "Democratic Party", "dem": "Democratic Party", "dems": "Democratic Party",
           "r": "Republican Party", "republican": "Republican Party", "republicans": "Republican Party",
           "gop": "Republican Party", "i": "Independent", "independent": "Independent"}

# Titles that hold a seat in a legislature: the place before them is a constituency, not a group.
_LEGISLATOR = {"rep": "House", "representative": "House", "representatives": "House", "congressman": "House",
               "congresswoman": "House", "sen": "Senate", "senator": "Senate", "senators": "Senate"}
# Words that head an organisation's role phrase: "a spokesman for X", "founder of X".
_ROLE_HEADS = (L.ROLE_NOUNS | L.TITLES | frozenset("""organizer organiser founder co-founder head manager
counsel fellow member members editor correspondent publisher strategist pollster consultant partner
whip""".split())) - frozenset("people person".split())
_ORG_SUFFIX = frozenset("campaign administration committee caucus team office party".split())
_CAP = r"[A-Z][\w'\u2019.&-]*"
_CAPRUN = _CAP + r"(?:\s+(?:(?:of|for|and|the|on|to|&)\s+)*" + _CAP + r")*"
_WORD = re.compile(r"[A-Za-z][\w'\u2019.&-]*")

# After the name: "(D-N.Y.)", ", R-Texas,", ", I-Vt."
_LABEL_AFTER = re.compile(r"\s*(?:\(|,)\s*([DRI])\s?[-\u2013]\s?([A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)\s*(?=[),.;]|$)")
# After the name: ", Democrat of Vermont", ", a conservative Republican who", ", the Democratic leader".
_PARTY_APPOS = re.compile(r",\s*(?:(?:a|an|the)\s+)?(?:[A-Za-z][\w.-]*\s+){0,2}?(Democrat|Republican|Independent|Democratic|GOP)s?\b"
                          r"(?:\s+(?:of|from)\s+[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?")
# After the name: ", a spokesman for the Roe campaign", ", director of the Institute".
_ROLE_APPOS = re.compile(r",\s*(?:(?:a|an|the|one)\s+)?(?:(?:former|then|acting|senior|deputy|chief|top|longtime|national|"
                         r"press|communications|advisory|board|executive|general|[A-Z][\w.]*)[\s-]+){0,3}"
                         r"([a-z][\w-]*)\s+(?:for|of|at|with|to)\s+(?:the\s+)?(" + _CAPRUN + r")((?:\s+[a-z]+)?)")


# "head of Global Policy Management at Acme": the department, then the organisation it belongs to.
_AT_ORG = re.compile(r"\s+(?:at|with)\s+(?:the\s+)?(" + _CAPRUN + r")")
_OF_PLACE = re.compile(r"\s+(?:of|from)\s+[A-Z][a-z.]+(?:\s[A-Z][a-z.]+)?(?=,)")
# Directions and demonyms the ending rule misses, and words that only qualify a title.
_NOT_ORG_NAMES = frozenset("North South East West Swiss Thai Greek Welsh Scots Czech New Former Information Interior".split())
_BRANCH_OF = re.compile(r"(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?,)?\s+(?:branch|chapter|affiliate|wing|arm|division|local)\s+of\s+"
                        r"(?:the\s+)?(" + _CAPRUN + r")")


@dataclass(frozen=True)
class Affiliation:
    """A group the source belongs to or speaks for, with the words that state it."""
    name: str       # "Democratic Party", "House", "Roe campaign", "City Council"
    kind: str       # party | chamber | organization
    span: Span      # of the stating words in Article.text
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "span": [self.span[0], self.span[1]], "evidence": self.evidence}


def _party(word: str) -> str | None:
    return PARTIES.get(word.lower().rstrip("."))


def prefix_affiliations(text: str, start: int, end: int) -> list[Affiliation]:
    """Affiliations stated by a role phrase text[start:end] that precedes a name or is a group's name:
    "Fellow Democratic Sen.", "Obama campaign spokeswoman", "House Democrats", "the Republican senator"."""
    out: list[Affiliation] = []
    toks = [(m.group(), m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    if not toks:
        return out
    low = [t[0].lower().rstrip(".").replace("\u2019", "'") for t in toks]
    for i, (w, s, e) in enumerate(toks):
        p = _party(w) if w[:1].isupper() and len(w.rstrip(".")) > 1 else None
        if p and not (low[i] in ("independent",) and i + 1 < len(toks) and toks[i + 1][0][:1].isupper()):
            out.append(Affiliation(p, "party", (s, e), w))
        if w in ("House", "Senate") and not (i > 0 and (low[i - 1] in ("white", "state") or toks[i - 1][0][:1].isupper()
                                                        and not _party(toks[i - 1][0]) and low[i - 1] not in _NOT_NAME | {"u.s", "us", "former"})):
            # "State House", "Ohio Senate": a state legislature, not a chamber of Congress
            out.append(Affiliation(w, "chamber", (s, e), w))
    former = "former" in low
    last = low[-1]
    if last in _LEGISLATOR and not former:
        s, e = toks[-1][1], toks[-1][2]
        out.append(Affiliation(_LEGISLATOR[last], "chamber", (s, e), toks[-1][0]))
    if any(x in _LEGISLATOR for x in low):
        return _dedupe(out)     # "Ohio Rep.": a constituency, not a group
    # "Ohio Senate nominee": a constituency too, unless the run names a body ("House Budget Committee").
    need_body = any(a.kind == "chamber" for a in out)
    # Organisation: a capitalised run (or "X's") before a role word: "Acme Corp.'s chief executive",
    # "Roe campaign spokeswoman", "City Council President".
    i = len(toks) - 1
    while i >= 0 and low[i] not in _ORG_SUFFIX and (low[i] in _ROLE_HEADS or low[i] in ("in", "of", "chief", "general", "minority", "majority",
                                                          "vice", "press", "national", "executive", "former")):
        i -= 1
    if i < 0 or i == len(toks) - 1:
        return _dedupe(out)
    j = i
    suffix = low[j] in _ORG_SUFFIX
    if suffix:
        j -= 1
    k = j
    while k >= 0 and (toks[k][0][:1].isupper() or (low[k] in ("and", "of", "for", "&") and k > 0 and toks[k - 1][0][:1].isupper()
                                                     and k < j)) \
            and low[k] not in ("the", "a", "an", "fellow", "former") and not (_party(toks[k][0]) and k == j):
        k -= 1
    run = toks[k + 1:j + 1]
    if any(low[toks.index(x)] in _HONORIFIC for x in run):
        return _dedupe(out)     # "Mr. Roe's advisers": a person's people, not an organisation
    # A capital that only opens the sentence ("But Mr.", "Saying President") is no name.
    while run and (low[toks.index(run[0])] in _NOT_NAME or (run[0] is toks[0] and low[0].endswith("ing"))):
        run = run[1:]
    while run and (_party(run[-1][0]) or run[-1][0] in ("House", "Senate") and not (len(run) > 1 and run[-2][0] == "White")):
        run = run[:-1]
    named_body = bool(run) and ((suffix and len(run) >= 2) or (run[-1][0].lower().rstrip(".") in L.ORG_WORDS and len(run) >= 3))
    while run and not named_body and (_party(run[0][0]) or run[0][0] in ("House", "Senate") and len(run) > 1
                                      and run[1][0][:1].isupper()):
        run = run[1:]       # "Democratic Sen.", "House Budget": the party/chamber, read above
    if not run or all(x[0].lower().rstrip(".") in L.TITLES for x in run):
        return _dedupe(out)
    s = run[0][1]
    e = toks[i][2] if suffix else run[-1][2]
    name = re.sub(r"['\u2019]s$", "", text[s:e])
    if all(w.lower().rstrip(".") in L.OUTLET_WORDS for w in name.split()):
        return _dedupe(out)     # "TV host", "Network anchor": a medium, not a named organisation
    last = name.split()[-1] if name.split() else ""
    if (re.fullmatch(r"[A-Z][a-z]+(?:an|ian|ese|ish|ic|i|ch)", last) and last.lower() not in L.ORG_WORDS) \
            or name in _NOT_ORG_NAMES or re.match(r"(?i)ex-", name):
        return _dedupe(out)     # "South Korean President", "French Prime Minister", "the North's leader": no organisation
    if len(name.split()) > 6 or len(re.findall(r"\b[A-Z]{4,}\b", name)) >= 2:
        return _dedupe(out)     # a run of page furniture ("SHARE ... CLOSE"), not a name
    if need_body and not set(name.lower().split()) & L.ORG_WORDS:
        return _dedupe(out)
    if name and not re.fullmatch(r"(?:[A-Z][a-z]+(?:an|ian|ese|ish|ic))", name):
        out.append(Affiliation(name, "organization", (s, s + len(name)), text[s:toks[-1][2]]))
    return _dedupe(out)


def suffix_affiliations(text: str, end: int) -> list[Affiliation]:
    """Affiliations stated right after a name ending at `end`: party labels and appositions."""
    out: list[Affiliation] = []
    tail = text[end:end + 160]
    m = _SUFFIX_JR.match(tail)
    off = m.end() if m else 0
    pl = _OF_PLACE.match(tail, off)
    if pl and not _LABEL_AFTER.match(tail, off):
        off = pl.end()      # "Jane Roe of New York, the Democratic leader": the constituency, then the apposition
    lm = _LABEL_AFTER.match(tail, off)
    if lm:
        out.append(Affiliation(PARTIES[lm.group(1).lower()], "party", (end + lm.start(1), end + lm.end(2)),
                               tail[lm.start(1):lm.end(2)]))
        return out
    pm = _PARTY_APPOS.match(tail, off)
    if pm:
        out.append(Affiliation(PARTIES[pm.group(1).lower()], "party", (end + pm.start(1), end + pm.end()),
                               tail[pm.start(1):pm.end()].strip()))
    rm = _ROLE_APPOS.match(tail, off)
    if rm and rm.group(1).lower() in _ROLE_HEADS:
        org = re.sub(r"['\u2019]s$", "", rm.group(2))
        org = re.split(r"['\u2019]s\s", org)[0]
        if org.endswith(".") and not re.search(r"\b(?:Inc|Corp|Co|Ltd|Jr|Sr|St|Bros)\.$|(?:\b[A-Z]\.)+$", org):
            org = org[:-1]      # the sentence's period ("director of Example.org.")
        sfx = rm.group(3).strip()
        if sfx in _ORG_SUFFIX:
            org = tail[rm.start(2):rm.end(3)].strip()      # as written: "Mueller's office", "the Roe campaign"
        s = end + rm.start(2)
        bm = _BRANCH_OF.match(tail, rm.end(2)) or _AT_ORG.match(tail, rm.end(3) if sfx in _ORG_SUFFIX else rm.end(2))
        if bm:
            # "president of the Kansas City, Mo., branch of the NAACP": the place names the branch, the
            # organisation comes after it.
            org, s = re.sub(r"['\u2019]s$", "", bm.group(1)).rstrip("."), end + bm.start(1)
        kind = "person" if any(w.rstrip(".").lower() in L.TITLES for w in org.split()) else "organization"
        if kind == "organization":
            out.append(Affiliation(org, kind, (s, s + len(org)), tail[rm.start():bm.end() if bm else rm.end()].strip(", ")))
    return out


_NOT_NAME = L.LEADING_FILLERS | L.BOUNDARY_WORDS | L.DETERMINERS | frozenset("""in on at for with by from to of other most all both among after before during under over despite
like about across amid against between into through toward towards upon without since until""".split())
_HONORIFIC = frozenset("mr mrs ms miss dr sir".split())
_ROLE_OR_PARTY = _ROLE_HEADS | frozenset(PARTIES)
_TOKEN_RE = re.compile(r"[A-Za-z][\w'\u2019.&-]*|,|\S")
_ABBREV = frozenset("mr mrs ms dr sen rep gov gen lt col sgt capt cmdr adm rev st mt ft jr sr atty supt".split())
_PREFIX_LOWER = _ROLE_HEADS | _ORG_SUFFIX | frozenset("""former fellow top leading senior longtime then acting in chief
the a an minority majority assistant deputy general freshman veteran conservative liberal moderate progressive presumptive
ranking another elect""".split())


_DOTTED = re.compile(r"(?:\w\.)+")
_ELECT = re.compile(r"\w+-elect")
_LOW_WORDS = re.compile(r"[a-z][\w-]*")
_SUFFIX_JR = re.compile(r"(?:,?\s*(?:Jr|Sr|III|II)\.?)?")


def _prefix_start(text: str, name_start: int) -> int:
    """Start of the role words right before a name ("Fellow Democratic Sen.", "The House Republican
    leader, Representative"): capitalised words, titles and role words, at most one comma."""
    pos = name_start
    commas = 0
    start = name_start
    for m in reversed(list(_TOKEN_RE.finditer(text[max(0, name_start - 90):name_start]))):
        w = m.group()
        s = m.start() + max(0, name_start - 90)
        gap = text[s + len(w):pos]
        if "\n" in gap:
            break
        if w == ",":
            commas += 1
            if commas > 1:
                # "X, a Virginia Democrat, Mr. Y": the phrase between the commas describes X.
                first = text.find(",", start, name_start)
                if first >= 0:
                    start = first + 1
                break
            pos = s
            continue
        if w.endswith(".") and not (w.lower().rstrip(".") in _ABBREV or _DOTTED.fullmatch(w)):
            break       # the period ends the sentence before
        if not (w[:1].isupper() or w.lower().rstrip(".") in _PREFIX_LOWER or _ELECT.fullmatch(w)):
            break
        start = s
        pos = s
    seg = text[start:name_start]
    head = _LOW_WORDS.findall(seg.split(",")[0].lower())
    if "," in seg and (not (head and head[-1] in _ROLE_OR_PARTY and head[-1] not in _HONORIFIC)
                       or re.match(r"\s*(?:a|an)\s|\s*[A-Z][a-z]+ing\b", seg)
                       or (head[-1].endswith("s") and head[-1] not in PARTIES)):
        # "Courting Iowa voters, Roe said": no role phrase of Roe's (a participle, a plural group).
        start = start + seg.index(",") + 1     # what precedes the comma is no role phrase
    return start


def _dedupe(affs: list[Affiliation]) -> list[Affiliation]:
    seen: set[tuple[str, str]] = set()
    out = []
    for a in affs:
        if (a.kind, a.name) not in seen:
            seen.add((a.kind, a.name))
            out.append(a)
    return out


def _pick(affs: list[Affiliation]) -> list[Affiliation]:
    """One party (the most often stated), one chamber, and up to three organisations."""
    out: list[Affiliation] = []
    for kind, n in (("party", 1), ("chamber", 1), ("organization", 3)):
        xs = [a for a in affs if a.kind == kind]
        counts: dict[str, int] = {}
        for a in xs:
            counts[a.name] = counts.get(a.name, 0) + 1
        names = sorted(counts, key=lambda k: (-counts[k], [a.name for a in xs].index(k)))[:n]
        for nm in names:
            out.append(next(a for a in xs if a.name == nm))
    return out


def person_affiliations(text: str, name: str, spans: list[Span], unique_surname: bool) -> list[Affiliation]:
    """Affiliations stated around the person's mentions: `spans` (where the article named them as a
    source) plus every occurrence of the full name, and of the surname when no other person has it."""
    occ: set[Span] = set(spans)
    words = name.split()
    keys = [name]
    if unique_surname and len(words) >= 2 and len(words[-1]) >= 3:
        keys.append(words[-1])
    for k in keys:
        i = text.find(k)
        while i >= 0:
            e = i + len(k)
            if (i == 0 or not text[i - 1].isalnum()) and (e >= len(text) or not text[e].isalnum()):
                occ.add((i, e))
            i = text.find(k, e)
    affs: list[Affiliation] = []
    for s, e in sorted(occ):
        if e - s > 80:
            continue
        ps = _prefix_start(text, s)
        affs.extend(prefix_affiliations(text, ps, s))
        affs.extend(suffix_affiliations(text, e))
    return _pick(_dedupe_keep_counts(affs))


def _dedupe_keep_counts(affs: list[Affiliation]) -> list[Affiliation]:
    seen: set[tuple[str, str, Span]] = set()
    out = []
    for a in affs:
        k = (a.kind, a.name, a.span)
        if k not in seen:
            seen.add(k)
            out.append(a)
    return out


def group_affiliations(text: str, span: Span) -> list[Affiliation]:
    """Affiliations a group's own name states: "House Democrats", "Senate Republicans"; a group named
    for its principal ("the Roe campaign") belongs to that campaign's organisation."""
    # A described group's capitalised adjective ("Western officials") is no organisation: keep only
    # names that carry an organisation word or an acronym ("Pentagon officials", "NAACP leaders").
    out = [a for a in prefix_affiliations(text, span[0], span[1]) if a.kind != "organization" or (
        set(a.name.lower().split()) & L.ORG_WORDS or re.fullmatch(r"[A-Z]{3,6}", a.name))]
    m = re.search(r"((?:(?!The\b)[A-Z][\w'\u2019.-]*\s+){1,3})(campaign|administration|caucus|team)\s*$", text[span[0]:span[1]])
    if m and not any(a.kind == "organization" for a in out) and not _party(m.group(1).strip()):
        s = span[0] + m.start(1)
        out.append(Affiliation(text[s:span[0] + m.end(2)], "organization", (s, span[0] + m.end(2)), m.group().strip()))
    return out
