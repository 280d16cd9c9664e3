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
"""
from __future__ import annotations

import re

from storytrace.model import Article
from storytrace.sources.affiliation import group_affiliations, person_affiliations
from storytrace.sources.cues import Cue, blank_parens, sentence_cues, unwrap
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
    for ss, se in sents:
        cues.extend(sentence_cues(flow, masked, ss, se, quotes, known))
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
    for c, r in zip(cues, resolved):
        n_before = len(out)
        if c.content is None:
            continue
        inside = [i for i, q in enumerate(quotes) if _overlaps((q.start, q.end), c.content)]
        score = min(c.score, r.score) if c.mention.anaphor else c.score
        if r.score < 0.35:
            continue        # a pronoun with nothing to point back to names no source
        ev = f"{c.evidence} ({r.evidence})" if r.evidence and r.evidence != "named" else c.evidence
        if inside:
            rest = _outside(text, c.content, [quotes[i] for i in inside])
            if not re.search(r"\w", rest):
                for i in inside:
                    q = quotes[i]
                    out.append(_make(aid, text, (q.inner_start, q.inner_end), quote_text(text, q), r, c, score, ev))
                    covered.add(i)
                continue
            covered.update(inside)
            qt = " \u2026 ".join(quote_text(text, quotes[i]) for i in inside)
            s = min(c.content[0], quotes[inside[0]].start)
            e = max(c.content[1], quotes[inside[-1]].end)
            out.append(_make(aid, text, (s, e), qt, r, c, score, ev))
        else:
            out.append(_make(aid, text, c.content, None, r, c, score, ev))
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
        prev = [a for a in primary if a.span[1] <= q.start + 1 and _near(text, a.span[1], q.start)]
        if not prev:
            continue
        words = len(re.findall(r"\w+", text[q.inner_start:q.inner_end]))
        if words < 2 or not _standalone(text, q):
            continue        # a scare quote inside narration ("attack drones") is not speech
        p = prev[-1]
        out.append(Attribution(aid, (q.inner_start, q.inner_end), text[q.inner_start:q.inner_end], quote_text(text, q),
                               p.source_name, p.source_kind, p.role, "continues", p.source_span, mention=p.mention,
                               via=p.via, via_span=p.via_span, via_mention=p.via_mention, score=round(min(p.score, 0.7), 2),
                               evidence=f"quote after an attribution to {p.source_name}"))
        primary.append(out[-1])
        primary.sort(key=lambda a: a.span[1])
    return out


def _standalone(text: str, q: Quote) -> bool:
    """A quote that is a sentence of its own, not a phrase inside someone's narration."""
    before = text[max(0, q.start - 3):q.start]
    return q.start == 0 or bool(re.search(r"(?:^|[\n.!?:\u201d\"]\s*|\n\s*)$", before)) or bool(re.search(r"[.!?]\s*$", text[max(0, q.start - 4):q.start]))


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
