"""Wire furniture: datelines, agency bylines and credit lines, as attributions to the agency."""
from __future__ import annotations

import re

from storytrace.model import Article
from storytrace.sources.mentions import name_kind, tokens
from storytrace.sources.model import Attribution, Span

_DATELINE = re.compile(r"^\s*(?:[A-Z][A-Za-z.'\u2019-]*(?:[ ,]+[A-Z][A-Za-z.'\u2019-]*){0,4})?\s*\(([A-Z][\w.&' -]{1,40})\)\s*(?:[-\u2014\u2013]+|(?=[A-Z]))")
_BYLINE = re.compile(r"(?:^|\n)[\s\x19]*[Bb]y\s+[A-Z][^\n,<]{2,60},\s*([A-Z][\w.&'\u2019 -]{1,40}?)\s*<?\s*(?=\n|$)")
_AGENCYISH = re.compile(r"\b(?:Press|Agency|Agence|Presse|Newswire|Wire|News Service)\b|^[A-Z]{2,4}(?: News)?$")
_CREDIT = re.compile(r"(?:^|\n)[ \t]*(?:[-\u2014\u2013]+[ \t]*)?((?:The[ \t]+)?[A-Z][\w.&'\u2019 -]{1,40}(?:Press|Agency|Agence[\w -]{0,20}|Presse|Newswire|News Service))"
                     r"(?:[ \t]+contributed to this (?:report|story))?\.?[ \t]*(?=\n|$)")



def wire_credits(article: Article, text: str) -> list[Attribution]:
    """Wire furniture: datelines ('CITY (Agency) -', '(Agency) -'), bylines naming an agency
    ('By Jane Roe, Associated Press') and credit lines ('The Associated Press contributed to this
    report.'). The opening paragraph (dateline, byline) or the credit line is the agency's."""
    out: list[Attribution] = []
    own = _canon(article.outlet or "")

    def add(name: str, nspan: Span, span: Span, cue: str, evidence: str) -> None:
        toks = tokens(text, nspan[0], nspan[1])
        cn = _canon(name)
        if not toks or "photo" in name.lower() or (own and (cn.startswith(own) or own.startswith(cn) or cn in own.split())):
            return      # the article's own outlet crediting itself
        kind = name_kind(toks)
        kind = kind if kind in ("outlet", "agency") else "agency"
        out.append(Attribution(article.id, span, text[span[0]:span[1]], None, name, kind, None, cue, nspan,
                               mention=name, score=0.9, evidence=evidence))

    head = text[:400]
    m = _DATELINE.match(head)
    if m:
        pe = text.find("\n", m.end())
        pe = len(text) if pe < 0 else pe
        ps = m.end()
        while ps < pe and text[ps].isspace():
            ps += 1
        if pe > ps:
            add(m.group(1).strip(), m.span(1), (ps, pe), "dateline", m.group().strip())
    for bm in _BYLINE.finditer(head):
        name = bm.group(1).strip()
        if _AGENCYISH.search(name):
            ps = bm.end()
            while ps < len(text) and text[ps] in "\n\r \t\x19":
                ps += 1
            pe = text.find("\n", ps)
            pe = len(text) if pe < 0 else pe
            if pe > ps:
                add(name, bm.span(1), (ps, pe), "byline", bm.group().strip())
    for cm in _CREDIT.finditer(text, max(0, len(text) - 600)):
        add(cm.group(1).strip(), cm.span(1), (cm.start(1), cm.end()), "credit", cm.group().strip())
    return out


def _canon(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", re.sub(r"^\s*the\s+", "", name.lower())).strip()


