"""Attributions and quotes with speakers, from the text of one article (rule layer).

How it reads an article:
1. Quotes are found and masked (`quotes.mask_quotes`), so words inside them never look like
   cues and each quote, even one running over paragraphs, sits inside one sentence.
2. Each sentence is searched for cues: "according to X", "per X", "citing X" and attribution
   verbs ("said", "told", "noted", ...) with their subject, found leftwards from the verb up to
   a clause boundary ("..., three officials familiar with the matter said"), after the verb when
   the clause is inverted ('"...," said X'), or through an apposition ("X, a spokesman, said").
   The reported content is the clause on the other side of the cue. A quote after a colon is the
   sentence subject's; a quote inside narration no cue reaches ("X lashed out, accusing Y of
   'henchmen'") is the clause subject's, with a lower score (`cues.py`).
3. Anaphors are resolved in text order against what the article attributed before: "he" -> the
   last person, "it"/"the report" -> the last outlet or organisation, "the publication" -> the
   last outlet, "the official" -> the last source described as officials, a surname -> the full
   name used earlier (`resolve.py`).
4. Each quote inside a cue's content becomes that cue's attribution (span = the quoted words);
   a quote no cue reaches (a quote paragraph following an attributed one) takes the source of
   the nearest attribution before it, with a lower score.
5. Wire datelines, agency bylines and credit lines attribute the opening paragraph or the credit
   line to the agency (`wire.py`).
6. Who each source speaks for: `on_behalf_of`, the organisation (or principal) the attribution's own
   words name ("White House spokesman X", "X, a spokeswoman for the Roe campaign"), and `affiliations`,
   the party, chamber and organisations the article states for that source anywhere, each with its span.
   "X and Y said" gives one attribution per person.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from storytrace.model import Article
from storytrace.sources.affiliation import (Affiliation, _prefix_start, group_affiliations, person_affiliations,
                                             prefix_affiliations, suffix_affiliations)
from storytrace.sources import lexicon as L
from storytrace.sources.cues import _TITLE_SMALL, Cue, CueIndex, blank_parens, sentence_cues, unwrap
from storytrace.sources.model import Attribution, Span
from storytrace.sources.quotes import Quote, find_quotes, mask_quotes, quote_text
from storytrace.sources.resolve import Resolved, outlet_names, person_names, resolve_all, spacy_entities, titled_names
from storytrace.sources.wire import wire_credits
from storytrace.text import sentence_spans


def extract_attributions(article: Article, *, nlp=None) -> list[Attribution]:
    """Attributions of one article: quotes with speakers and reported statements with sources.

    `nlp` is an optional spaCy pipeline (see `storytrace.sources.nlp.load_nlp`); without it the
    rule layer alone decides. With it, entity labels correct source kinds and add person names
    for resolving "he"/"she".
    """
    text = article.text or ""
    if not text.strip():
        return []
    # `flow`: same offsets, hard wraps joined and short parenthetical asides ("(D-Calif.)")
    # blanked, so names and clause boundaries read as they would without them.
    flow = blank_parens(unwrap(text)).replace("--", "\u2014\u2014")
    quotes = find_quotes(flow)
    masked = mask_quotes(flow, quotes)
    ents = spacy_entities(text, nlp) if nlp is not None else None
    sents = sentence_spans(masked)
    persons = person_names(masked, ents, sents)
    known = {p.name.split()[-1] for p in persons}
    cues: list[Cue] = []
    index = CueIndex(masked, quotes)
    for ss, se in sents:
        cues.extend(sentence_cues(flow, masked, ss, se, quotes, known, index))
    cues.sort(key=lambda c: c.pos)
    outlets = outlet_names(masked)
    resolved = resolve_all(cues, persons, outlets, ents, titled_names(masked), text=flow, masked=masked)
    out = _to_attributions(article.id, text, quotes, cues, resolved)
    out.extend(wire_credits(article, text))
    out.sort(key=lambda a: (a.span[0], a.span[1]))
    out = _dedupe(out)
    _attach_affiliations(text, out)
    return out


def _attach_affiliations(text: str, atts: list[Attribution]) -> None:
    """Each source's stated groups: for a person, read around every mention of them in the article;
    for a group ("House Democrats", "the Roe campaign"), from its own name; for a described person
    ("the Republican senator"), also from the words that described them."""
    people: dict[str, list[Span]] = {}
    for a in atts:
        if a.source_kind == "person":
            sp = people.setdefault(a.source_name, [])
            if a.source_span and text[a.source_span[0]:a.source_span[1]] == a.source_name:
                sp.append(a.source_span)
    surnames: dict[str, int] = {}
    for n in people:
        surnames[n.split()[-1]] = surnames.get(n.split()[-1], 0) + 1
    found = {n: person_affiliations(text, n, sp, surnames[n.split()[-1]] == 1 and len(n.split()) > 1)
             for n, sp in people.items()}
    # "Roe attorney Jane Doe": Roe is a person of the article, not an organisation.
    person_words = {w for n in people for w in n.split()}
    for n, affs in found.items():
        found[n] = [x for x in affs if not (x.kind == "organization" and x.name.split()[-1] in person_words)]
    for a in atts:
        if a.source_kind == "person":
            affs = list(found.get(a.source_name, []))
            if a.source_span and a.mention and a.mention != a.source_name:
                # "the Republican senator said": the description states the group.
                for x in group_affiliations(text, a.source_span):
                    if not any(y.kind == x.kind for y in affs):
                        affs.append(x)
            a.affiliations = affs
        elif a.source_kind in ("other", "organization") and a.source_span:
            a.affiliations = group_affiliations(text, a.source_span)
    for a in atts:
        if a.source_kind == "other" and a.mention and a.mention != a.source_name and not a.affiliations:
            # "the spokesperson said" -> "A spokesperson for Acme" named before: Acme is stated for this
            # source, where it was introduced (an affiliation, not this attribution's own words).
            i = text.rfind(a.source_name, 0, a.span[0])
            i = text.find(a.source_name) if i < 0 else i
            m = _FOR_ORG.search(a.source_name) if i >= 0 else None
            if m:
                org = _cut_person(re.sub(r"['\u2019]s$", "", m.group(1)).rstrip("."))
                a.affiliations = [Affiliation(org, "organization", (i + m.start(1), i + m.start(1) + len(org)), m.group())]
    seen: dict = {}
    for a in atts:
        key = (a.source_span, a.source_kind, a.source_name, a.cue in ("dateline", "byline", "credit"))
        if key not in seen:         # quotes continuing one source share its words: read them once
            obo = own_organization(text, a)
            if obo is not None and (obo.name in _NOT_ORG_WORDS or obo.evidence.split()[-1].lower() in _NOT_FOR_ROLES):
                obo = None      # "New Chancellor X" opens a sentence; a "Croydon resident" does not speak for Croydon
            if obo is not None and obo.kind == "organization" and obo.name.split()[-1] in surnames \
                    and obo.name.split()[-1] not in a.source_name.split():
                # "Trump spokeswoman Jane Roe", "Roe's lawyer": she speaks for a person of the article
                obo = Affiliation(obo.name, "person", obo.span, obo.evidence)
            seen[key] = obo
        obo = seen[key]
        if obo is not None:
            a.on_behalf_of = obo.to_dict()
            if not any(x.kind == obo.kind and x.name == obo.name for x in a.affiliations):
                a.affiliations.append(obo)


_NOT_ORG_WORDS = frozenset("New Former Then Acting Interim Incoming Outgoing Ex Top Senior".split())
_NOT_FOR_ROLES = frozenset("resident residents native natives voter voters fan fans student students".split())

# A described individual speaking for an organisation: "a spokesperson for X", "an aide to X".
_FOR_ORG = re.compile(r"\b(?:spokes\w+|aides?|officials?|representatives?|lawyers?|attorneys?|advisers?|advisors?|executives?|"
                      r"directors?|president|chairman|chairwoman|chair|head|leaders?|members?|staffers?|organizers?)\s+"
                      r"(?:for|of|at|with|to)\s+(?:the\s+)?([A-Z][\w'\u2019.&-]*(?:\s+(?:(?:of|for|and|the|on|&)\s+)*[A-Z][\w'\u2019.&-]*)*)")


_FOR_PERSON = re.compile(r",\s*(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}?(?:spokes\w+|aides?|advisers?|lawyers?|attorneys?|"
                         r"press secretary)\s+(?:for|to)\s+((?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|President|Speaker|Vice President|Senator|"
                         r"Representative|Governor)\.?\s+[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z]\.|[A-Z][\w'\u2019-]*)){0,3})")


def _cut_person(org: str) -> str:
    """'attorney for the District of Columbia Joseph diGenova': the organisation ends before a given name."""
    words = org.split()
    for i, w in enumerate(words[1:], 1):
        if w.lower() in L.FEMALE_NAMES | L.MALE_NAMES:
            return " ".join(words[:i])
    return org


def own_organization(text: str, a: Attribution) -> Affiliation | None:
    """The organisation the attribution's own words say the speaker speaks for, with its span.

    Read only in the words that name the source here (the role before the name, the apposition
    after it, or a described source's own phrase), never elsewhere in the article: "White House
    spokesman Jane Roe said" -> White House; "Jane Roe, a spokeswoman for the Roe campaign, said"
    -> Roe campaign; "a spokesperson for Acme said" -> Acme. A source that is itself a group or
    organisation speaks for itself (None), as does a pronoun ("he said") whose words name no one.
    """
    if not a.source_span or a.cue in ("dateline", "byline", "credit"):
        return None
    s, e = a.source_span
    said = text[s:e]
    if a.source_kind == "person":
        if said.lower() in ("he", "she", "i", "we", "they") or e - s > 80:
            return None
        found = [x for x in prefix_affiliations(text, _prefix_start(text, s), s) if x.kind == "organization"]
        found += [x for x in suffix_affiliations(text, e) if x.kind == "organization"]
        pm = _FOR_PERSON.match(text, e, min(len(text), e + 140))
        if pm and not found:
            # "Jane Roe, a spokeswoman for Sen. John Doe, said": she speaks for a person.
            ps = pm.start(1)
            return Affiliation(pm.group(1), "person", (ps, pm.end(1)), text[e:pm.end(1)].strip(", "))
        person_words = set(a.source_name.split())
        found = [x for x in found if not set(x.name.split()) & person_words]   # "Roe attorney Jane Doe" is Roe's
        return found[0] if found else None
    if a.source_kind == "other" and a.source_name == said:
        m = _FOR_ORG.search(said)
        if m:
            org = _cut_person(re.sub(r"['\u2019]s$", "", m.group(1)).rstrip("."))
            titled = any(w.lower().rstrip(".") in L.TITLES for w in org.split()[:-1])
            return Affiliation(org, "person" if titled else "organization", (s + m.start(1), s + m.start(1) + len(org)), m.group())
        found = [x for x in group_affiliations(text, a.source_span) if x.kind == "organization"
                 and x.name.lower() != said.lower().removeprefix("the ")]
        return found[0] if found else None
    return None


# ----------------------------------------------------------------------------- attributions

def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _make(aid: str, text: str, span: Span, quote: str | None, r: Resolved, c: Cue, score: float, evidence: str) -> Attribution:
    return Attribution(article_id=aid, span=span, text=text[span[0]:span[1]], quote=quote, source_name=r.name,
                       source_kind=r.kind, role=r.role, cue=c.cue, source_span=c.mention.span,
                       mention=c.mention.name, via=c.via.name if c.via is not None else None,
                       via_span=c.via.span if c.via is not None else None,
                       via_mention=c.via.head if c.via is not None else None, score=round(score, 2), evidence=evidence)


def _to_attributions(aid: str, text: str, quotes: list[Quote], cues: list[Cue], resolved: list[Resolved]) -> list[Attribution]:
    out: list[Attribution] = []
    covered: set[int] = set()
    secondary: set[int] = set()
    # A quote set as its own paragraph after "X issued a statement:" is X's only when no cue names
    # its speaker ('"...," Roe said.' after "DNC spokesman Jane Roe addressed it in a statement:").
    said = [c.content for c in cues if c.cue != ":" and c.content is not None]
    for c, r in zip(cues, resolved):
        n_before = len(out)
        if c.content is None:
            continue
        if c.cue == ":" and any(x[0] < c.content[1] and c.content[0] < x[1] for x in said):
            continue
        inside = [i for i, q in enumerate(quotes) if _overlaps((q.start, q.end), c.content)]
        score = min(c.score, r.score) if c.mention.anaphor else c.score
        if r.score < 0.35:
            continue        # a pronoun with nothing to point back to names no source
        if c.cue == "context" and c.mention.anaphor == "org" and r.evidence == "described organisation":
            continue        # "The organization made requests ... 'X'" with no organisation named before
        ev = f"{c.evidence} ({r.evidence})" if r.evidence and r.evidence != "named" else c.evidence
        if inside:
            rest = _outside(text, c.content, [quotes[i] for i in inside])
            if not re.search(r"\w", rest):
                for i in inside:
                    q = quotes[i]
                    out.append(_make(aid, text, (q.inner_start, q.inner_end), quote_text(text, q), r, c, score, ev))
                    covered.add(i)
            else:
                covered.update(inside)
                qt = " \u2026 ".join(quote_text(text, quotes[i]) for i in inside)
                s = min(c.content[0], quotes[inside[0]].start)
                e = max(c.content[1], quotes[inside[-1]].end)
                out.append(_make(aid, text, (s, e), qt, r, c, score, ev))
        else:
            out.append(_make(aid, text, c.content, None, r, c, score, ev))
        for other in c.mention.also or []:
            # "X and Y said": the same statement for each of them.
            for a in list(out[n_before:]):
                if a.source_name == r.name:
                    out.append(Attribution(aid, a.span, a.text, a.quote, other.name, "person", other.role, a.cue, other.span,
                                           mention=other.name, via=a.via, via_span=a.via_span, via_mention=a.via_mention,
                                           score=a.score, evidence=a.evidence + " (joint)"))
        if c.secondary:
            secondary.update(id(a) for a in out[n_before:])
    # Quotes no cue reached: the speaker of the nearest attribution before, in this paragraph or
    # the one before (a quote paragraph after "X said ..." or continuing X's quote).
    # A phrase cue sharing its sentence with a verb cue ('X said, according to Y') is the channel,
    # not the speaker: quotes that follow continue the verb cue's source.
    primary = sorted((a for a in out if id(a) not in secondary), key=lambda a: a.span[1])
    for i, q in enumerate(quotes):
        if i in covered or q.inner_end - q.inner_start < 2:
            continue
        # The last attribution ending before the quote, if it is near: `_near` only gets easier as
        # the attribution ends later (a shorter gap), so no earlier one can be near when it is not.
        # (Was: every attribution before the quote tested, the last near one kept; the same one.)
        k = bisect_right(primary, q.start + 1, key=_span_end)
        prev = primary[k - 1:k] if k and _near(text, primary[k - 1].span[1], q.start) else []
        if not prev:
            continue
        words = len(re.findall(r"\w+", text[q.inner_start:q.inner_end]))
        if words < 2 or not (_standalone(text, q) or _same_sentence_quote(text, prev[-1], q)):
            continue        # a scare quote inside narration ("attack drones") is not speech
        p = prev[-1]
        out.append(Attribution(aid, (q.inner_start, q.inner_end), text[q.inner_start:q.inner_end], quote_text(text, q),
                               p.source_name, p.source_kind, p.role, "continues", p.source_span, mention=p.mention,
                               via=p.via, via_span=p.via_span, via_mention=p.via_mention, score=round(min(p.score, 0.7), 2),
                               evidence=f"quote after an attribution to {p.source_name}"))
        primary.append(out[-1])
        primary.sort(key=lambda a: a.span[1])
    return out


def _span_end(a: Attribution) -> int:
    return a.span[1]


def _standalone(text: str, q: Quote) -> bool:
    """A quote that is a sentence of its own, not a phrase inside someone's narration."""
    before = text[max(0, q.start - 3):q.start]
    return q.start == 0 or bool(re.search(r"(?:^|[\n.!?:\u201d\"]\s*|\n\s*)$", before)) or bool(re.search(r"[.!?]\s*$", text[max(0, q.start - 4):q.start]))


def _same_sentence_quote(text: str, p: Attribution, q: Quote) -> bool:
    """'"A," the suit says, undermining their bans, "B."': a second quote of the sentence whose first
    quote was just attributed, with only the cue and a short clause between."""
    if p.quote is None or p.cue in ("continues", "context"):
        return False
    words = re.findall(r"[\w'\u2019&-]+", text[q.inner_start:q.inner_end])
    if words and len(words) <= 6 and all(w[0].isupper() or w.lower() in _TITLE_SMALL for w in words):
        return False        # 'X said on "Fox News Sunday."': a programme's title, not more of the quote
    gap = text[p.span[1]:q.start]
    return len(gap) < 160 and "\n" not in gap and not re.search(r"[.!?]\s", gap[1:]) and not any(c in gap[1:] for c in "\u201c\"")


def _near(text: str, end: int, start: int) -> bool:
    gap = text[end:start]
    return gap.count("\n") <= 3 and len(gap) < 600 and not re.search(r"\n\s*\n.*\n\s*\n", gap, re.S)


def _outside(text: str, span: Span, qs: list[Quote]) -> str:
    parts = []
    cur = span[0]
    for q in sorted(qs, key=lambda q: q.start):
        if q.start > cur:
            parts.append(text[cur:q.start])
        cur = max(cur, q.end)
    if cur < span[1]:
        parts.append(text[cur:span[1]])
    return "".join(parts)


def _dedupe(atts: list[Attribution]) -> list[Attribution]:
    seen = set()
    out = []
    for a in atts:
        key = (a.span, a.source_name.lower())
        if key in seen:
            continue
        seen.add(key)
        out.append(a)
    return out
