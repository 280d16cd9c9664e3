"""Claims that cannot all hold: numeric mismatches, contradictions, and position changes.

- numeric: two claims measure the same thing (same unit, wording around the figures alike, times
  compatible) with figures whose ranges do not overlap ("at least 6,000" vs "about 600").
- contradiction: near-identical wording, one negated and the other not.
- position_change: a party denies, and (later) concedes, on the same topic. A sentence that tells
  both ("first denied ..., then conceded ...") is evidence of its own.
Each conflict names its claims and says why in `note`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from math import fsum
from typing import Any

from ..text import HONORIFICS
from .align import Claim, _overlap, _times_compatible, _window, story_idf
from .extract import ClaimMention, content_stems, stem
from .quantities import _CURRENCY_WORD, _MEASURE_UNITS, _TIME_UNITS, compatible, unit_key

# Unit words say nothing about what is measured ("kilometres", "percent", "dollars").
_UNIT_STEMS = frozenset(stem(w) for w in list(_MEASURE_UNITS) + list(_CURRENCY_WORD) + list(_TIME_UNITS)
                        + [w + "s" for w in _TIME_UNITS] + ["kilometer", "kilometre", "mile", "meter", "metre"])

# Wording overlap (rarity-weighted) around two figures for them to measure the same thing.
NUMERIC_SAME_THING = 0.55
# Characters either side of a figure that say what it measures ("an altitude of 770 km" vs "flew 3,700 km").
NUMERIC_WINDOW = 50
# Wording overlap for a negated and a plain statement to contradict each other.
CONTRADICTION_WORDING = 0.7
_STANCE_STEMS = frozenset(stem(w) for w in """deny denied denies denial reject rejected refute dismiss unfounded
unsubstantiated baseless concede conceded admit admitted acknowledge acknowledged confirm confirmed finally
initially first later eventually continuously consistently repeatedly""".split())


def _claim_of(claims: list[Claim]) -> dict[str, Claim]:
    return {m.id: c for c in claims for m in c.mentions}


# "Sanders's" / "Obama’s" -> the name (a possessive ending only: "Sanders" keeps its s).
_POSSESSIVE_END = re.compile("['\u2019]s?$")


def _party_stems(m: ClaimMention) -> list[str]:
    """Who takes the stance: the sentence's first name, the name nearest before the denial/concession
    word, and, when that word sits inside a quotation, the speaker named after it."""
    from .extract import _CONCEDE, _DENY, actors, stance_matches
    hits = stance_matches(m.text, _DENY) + stance_matches(m.text, _CONCEDE)
    cut = min((h.start() for h in hits), default=len(m.text))
    before = actors(m.text[:cut])
    names = before[:1] + before[-1:]
    opened = sum(m.text[:cut].count(q) for q in ('"', "\u201c", "\u201d")) % 2 == 1 or \
        m.text[:cut].count("\u201c") > m.text[:cut].count("\u201d")
    if opened:
        close = max(m.text.rfind("\u201d"), m.text.rfind('"'))
        if close > cut:
            names += actors(m.text[close + 1:])[:1]
    out: list[str] = []
    for a in names:
        for tok in a.replace("-", " ").split():
            if tok.lower().rstrip(".") in HONORIFICS:
                continue  # "Rep. X" and "Rep. Y" are not one party
            s = stem(tok)
            if len(s) > 1 and s not in out:
                out.append(s)
    return out


# Characters either side of a denial/concession word that say what was denied or conceded.
TOPIC_WINDOW = 60


def _stance_topic(m: ClaimMention) -> frozenset[str]:
    """What a denial or concession is about: the words around the stance word, not the whole sentence."""
    from .extract import _CONCEDE, _DENY
    out: set[str] = set()
    from .extract import stance_matches
    for rx in (_DENY, _CONCEDE):
        for hit in stance_matches(m.text, rx):
            out |= content_stems(m.text[max(0, hit.start() - TOPIC_WINDOW):hit.end() + TOPIC_WINDOW])
    return frozenset(out)


def _around(m: ClaimMention) -> str:
    """The words around the stance word, for a note a reader can check at a glance."""
    from .extract import _CONCEDE, _DENY
    from .extract import stance_matches
    hits = stance_matches(m.text, _DENY if m.stance == "deny" else _CONCEDE)
    hit = hits[0] if hits else None
    if not hit:
        return _short(m.text)
    a, b = max(0, hit.start() - 50), min(len(m.text), hit.end() + 50)
    return ("\u2026" if a else "") + " ".join(m.text[a:b].split()) + ("\u2026" if b < len(m.text) else "")


def _fmt_time(ms: list[ClaimMention]) -> str:
    labels = sorted({m.time["label"] for m in ms if m.time and m.time.get("precision") != "unknown"})
    return ", ".join(labels) if labels else "undated"


def _short(text: str, n: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1].rstrip() + "\u2026"


def _position_changes(claims: list[Claim], mentions: list[ClaimMention]) -> list[dict[str, Any]]:
    by_claim = _claim_of(claims)
    stance = [m for m in mentions if m.stance and m.id in by_claim]
    if not stance:
        return []
    parties = {m.id: set(_party_stems(m)) for m in stance}
    topics = {m.id: _stance_topic(m) - _STANCE_STEMS - parties[m.id] for m in stance}
    denies = [m for m in stance if m.stance in ("deny", "deny_then_concede")]
    concedes = [m for m in stance if m.stance in ("concede", "deny_then_concede")]
    # Link a denial and a concession that share a party and a topic word; components are conflicts.
    parent = {m.id: m.id for m in stance}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    linked: set[str] = set()
    for d in denies:
        for c in concedes:
            if d.id == c.id:
                linked.add(d.id)
                continue
            if parties[d.id] & parties[c.id] and topics[d.id] & topics[c.id]:
                parent[find(d.id)] = find(c.id)
                linked.update((d.id, c.id))
    comps: dict[str, list[ClaimMention]] = defaultdict(list)
    for m in stance:
        if m.id in linked:
            comps[find(m.id)].append(m)
    out = []
    for ms in comps.values():
        ds = [m for m in ms if m.stance in ("deny", "deny_then_concede")]
        cs = [m for m in ms if m.stance in ("concede", "deny_then_concede")]
        if not ds or not cs:
            continue
        if len(ms) == 1 and ms[0].stance != "deny_then_concede":
            continue
        count: dict[str, int] = defaultdict(int)
        for m in ms:
            for p in parties[m.id]:
                count[p] += 1
        first_actor = {}
        for m in ms:
            for a in m.actors:
                for tok in a.replace("-", " ").split():
                    first_actor.setdefault(stem(tok), _POSSESSIVE_END.sub("", tok))
        # The party is who the stance sentences are about: the first name in most of them.
        lead: dict[str, int] = defaultdict(int)
        for m in ms:
            if _party_stems(m):
                lead[_party_stems(m)[0]] += 1
        if not count:  # no named party in the stance sentences: nothing to pair
            continue
        # Ties go to the smaller stem: `count` fills in set order, which follows the hash seed.
        party = min(count, key=lambda p: (-lead.get(p, 0), -count[p], p))
        ids: list[str] = []
        key = lambda m: ((m.time or {}).get("start") or "9999", m.published or "")
        for m in sorted(ds, key=key) + sorted(cs, key=key):
            cid = by_claim[m.id].id
            if cid not in ids:
                ids.append(cid)
        pure = sorted([m for m in ds if m.stance == "deny"], key=key) or sorted(ds, key=key)
        cs = sorted(cs, key=key)
        who = first_actor.get(party, party)
        d_start = min(((m.time or {}).get("start") or "9999") for m in pure)
        c_start = max(((m.time or {}).get("start") or "") for m in cs)
        if c_start and d_start != "9999" and c_start < d_start and not any(m.stance == "deny_then_concede" for m in ms):
            note = (f"{who} conceded ({_fmt_time(cs)}) then denied ({_fmt_time(pure)}): "
                    f"\"{_around(cs[0])}\" / \"{_around(pure[-1])}\"")
        else:
            note = (f"{who} denied ({_fmt_time(pure)}) then conceded ({_fmt_time(cs)}): "
                    f"\"{_around(pure[0])}\" / \"{_around(cs[-1])}\"")
        out.append({"kind": "position_change", "claim_ids": ids, "note": note,
                    "party": first_actor.get(party, party),
                    "denials": [m.id for m in ds], "concessions": [m.id for m in cs]})
    return out


def _numeric_and_contradictions(claims: list[Claim]) -> list[dict[str, Any]]:
    reps = [c.mentions[0] for c in claims]
    idf = story_idf([m.stems for m in reps])
    out = []
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        if c.quantity and unit_key(c.quantity):
            by_unit[unit_key(c.quantity)].append(i)
    qm = {i: next(m for m in c.mentions if m.quantity) for i, c in enumerate(claims) if c.quantity}
    near_of: dict[int, frozenset[str]] = {}
    wide_of: dict[int, frozenset[str]] = {}
    arts_of: dict[int, set[str]] = {}
    for unit, idxs in by_unit.items():
        # The words right at the figures must name the same measure ("altitude of", "killed"): pairs
        # are taken from an index on those words (a pair sharing none is never a conflict), so a
        # story with hundreds of percentages is not compared all pairs against all pairs.
        drop = {unit, unit + "s", stem(unit)} | _UNIT_STEMS
        index: dict[str, list[int]] = defaultdict(list)
        for i in idxs:
            near_of[i] = _window(qm[i], 25) - drop
            for w in near_of[i]:
                index[w].append(i)
        pairs = sorted({(post[x], post[y]) for post in index.values() for x in range(len(post))
                        for y in range(x + 1, len(post))})
        for i, j in pairs:
            a, b = claims[i], claims[j]
            if compatible(a.quantity, b.quantity) or not _times_compatible(a.time, b.time):
                continue
            ma, mb = qm[i], qm[j]
            for k, c in ((i, a), (j, b)):
                if k not in arts_of:
                    arts_of[k] = set(c.article_ids)
            if arts_of[i] & arts_of[j]:
                continue  # one article giving two figures is measuring two things
            for k, m in ((i, ma), (j, mb)):
                if k not in wide_of:
                    wide_of[k] = _window(m, NUMERIC_WINDOW)
            ov = _overlap(wide_of[i], wide_of[j], idf)[0]
            if ov < NUMERIC_SAME_THING:
                continue
            out.append({"kind": "numeric", "claim_ids": [a.id, b.id], "score": round(ov, 3),
                        "note": f"{unit}: {_qfmt(a.quantity)} vs {_qfmt(b.quantity)} for the same measure "
                                f"(wording overlap {ov:.2f}): \"{_short(ma.text)}\" / \"{_short(mb.text)}\""})
    # Contradiction: the same statement, once negated.
    out.extend(_contradictions(claims, reps, idf))
    return out


# Stems in more statements than this do not make two statements comparable on their own.
CONTRADICTION_POSTINGS = 50
CONTRADICTION_JACCARD = 0.5


def _prefix(stems: frozenset[str], idf: dict[str, float], t: float) -> list[str]:
    """The rarest stems of a statement, until what is left weighs less than `t` of the whole.

    Two statements with weighted Jaccard >= t share a stem of both prefixes (the first stem of their
    intersection in rarity order: were it outside either prefix, the whole intersection would lie in
    that statement's light suffix). So pairs need only be drawn from prefix postings.
    """
    ws = [(-idf.get(x, 1.0), x) for x in stems]
    ws.sort()
    total = -sum([w for w, _ in ws])
    out, rest = [], total
    for w, x in ws:
        if rest < t * total - 1e-9:
            break
        out.append(x)
        rest += w
    return out


def _contradictions(claims: list[Claim], reps: list[ClaimMention], idf: dict[str, float]) -> list[dict[str, Any]]:
    """Near-identical statements of two articles, one negated: weighted overlap >= CONTRADICTION_WORDING
    and Jaccard >= CONTRADICTION_JACCARD, sharing a stem found in at most CONTRADICTION_POSTINGS statements.
    Pairs come from a prefix-filtered index (exact for the Jaccard bar), in statement order."""
    df: dict[str, int] = defaultdict(int)
    for m in reps:
        for x in m.stems:
            df[x] += 1
    # Only a negated and a plain statement can contradict: index the plain ones, probe with the negated.
    index: dict[str, list[int]] = defaultdict(list)
    negated = [i for i, m in enumerate(reps) if m.negated]
    if not negated:
        return []
    for i, m in enumerate(reps):
        if not m.negated:
            for x in _prefix(m.stems, idf, CONTRADICTION_JACCARD):
                index[x].append(i)
    pairs: set[tuple[int, int]] = set()
    weight = [fsum([idf.get(x, 1.0) for x in m.stems]) for m in reps]  # fsum: the same in any set order
    for i in negated:
        ai, wi = reps[i].article_id, weight[i]
        for x in _prefix(reps[i].stems, idf, CONTRADICTION_JACCARD):
            for j in index.get(x, ()):
                # Jaccard >= t needs the lighter statement to weigh at least t of the heavier.
                if reps[j].article_id != ai and min(wi, weight[j]) >= CONTRADICTION_JACCARD * max(wi, weight[j]) - 1e-9:
                    pairs.add((i, j) if i < j else (j, i))
    out = []
    for i, j in sorted(pairs):
        if not any(df[x] <= CONTRADICTION_POSTINGS for x in reps[i].stems & reps[j].stems):
            continue
        ov, jac = _overlap(reps[i].stems, reps[j].stems, idf)
        if ov >= CONTRADICTION_WORDING and jac >= CONTRADICTION_JACCARD:
            out.append({"kind": "contradiction", "claim_ids": [claims[i].id, claims[j].id], "score": round(ov, 3),
                        "note": f"one negates the other (wording overlap {ov:.2f}): "
                                f"\"{_short(reps[i].text)}\" / \"{_short(reps[j].text)}\""})
    return out


def _qfmt(q: dict) -> str:
    v = q["value"]
    vs = f"{int(v):,}" if float(v).is_integer() else f"{v:g}"
    return f"{q['approx'] + ' ' if q.get('approx') else ''}{vs}"


def find_conflicts(claims: list[Claim], mentions: list[ClaimMention]) -> list[dict[str, Any]]:
    """Conflicts among aligned claims: {"kind", "claim_ids", "note"} (plus a score or the party)."""
    return _position_changes(claims, mentions) + _numeric_and_contradictions(claims)
