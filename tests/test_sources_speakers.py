"""Sources: who spoke and for whom, on real BASIL articles.

An attribution names who spoke (`source_name`) and, where its own words say so, the group or
organisation they speak for (`on_behalf_of`: "a spokeswoman for the Obama campaign", "NAACP
President X"), each with the span that states it. Groups stated elsewhere for the speaker stay in
`affiliations`. BASIL often labels a quote with the group ("Democratic lawmakers") while the
article quotes one member; the scorer counts a group only when one of those spans states it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from storytrace.model import Article
from storytrace.sources import build_registry, extract_attributions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import sources_basil as bench  # noqa: E402  (the benchmark's scorer: one definition of the metric)


from conftest import basil_article, covering  # noqa: E402


@pytest.fixture(scope="module")
def basil(basil_quotes):
    return basil_quotes


@pytest.fixture(scope="module")
def atts(basil_attributions):
    return basil_attributions


_art = basil_article


def _at(atts, art, key, phrase):
    return covering(atts, art, key, phrase)


def _said(art, span):
    return art.text[span[0]:span[1]]


def test_speaker_and_the_organisation_their_own_words_name(basil, atts):
    key, art = _art(basil, "058203_1")      # "Lis Smith, a spokeswoman for the Obama campaign, said, ..."
    [a] = _at(atts, art, key, "Medicare ad is dishonest and hypocritical")
    assert a.source_name == "Lis Smith" and a.source_kind == "person"
    assert a.on_behalf_of["name"] == "Obama campaign" and a.on_behalf_of["kind"] == "organization"
    assert _said(art, a.on_behalf_of["span"]) == "Obama campaign"
    key, art = _art(basil, "79dfaf_3")      # "said Anita L. Russell, president of the Kansas City, Mo., branch of the NAACP"
    [a] = _at(atts, art, key, "these extremist groups")
    assert a.source_name == "Anita L. Russell" and a.on_behalf_of["name"] == "NAACP"
    assert "branch of the NAACP" in a.on_behalf_of["evidence"]
    key, art = _art(basil, "b8eb48_2")      # "Jim Manley, a spokesman for Mr. Reid, said": for a person
    a = _at(atts, art, key, "Republicans have simply put in writing")[0]
    assert a.source_name == "Jim Manley"
    assert a.on_behalf_of["kind"] == "person" and _said(art, a.on_behalf_of["span"]) == "Mr. Reid"


def test_described_spokesperson_speaks_for_the_company_and_is_traced_back(basil, atts):
    key, art = _art(basil, "d45554_3")
    # '"We disclose user data ...," the spokesperson said.' after "A spokesperson for Google says ..."
    [a] = _at(atts, art, key, "We disclose user data to government")
    assert a.source_name == "A spokesperson for Google"
    assert a.on_behalf_of is None            # this attribution's own words are only "the spokesperson"
    [g] = a.affiliations                     # ... Google is stated where the spokesperson was introduced
    assert g.name == "Google" and _said(art, g.span) == "Google" and g.span[1] < a.span[0]
    first = _at(atts, art, key, "cares deeply")[0]       # "A spokesperson for Google says ..."
    assert first.on_behalf_of["name"] == "Google"


def test_own_words_versus_groups_stated_elsewhere(basil, atts):
    # 'Rep. Elijah Cummings, D-Md., questioned ...' then '"...," he said': the party is stated for him,
    # but not in the words of this attribution, so it is an affiliation and no on_behalf_of.
    key, art = _art(basil, "926757_3")
    [a] = [x for x in _at(atts, art, key, "is to fail to acknowledge the struggle") if x.cue == "said"]
    assert a.source_name == "Elijah Cummings" and a.on_behalf_of is None
    party = [x for x in a.affiliations if x.kind == "party"]
    assert party and party[0].name == "Democratic Party" and _said(art, party[0].span) == "D-Md."


def test_every_on_behalf_of_is_stated_in_the_attributions_own_words(basil, atts):
    arts, _ = basil
    n = 0
    for key, lst in atts.items():
        text = arts[key].text
        for a in lst:
            obo = a.on_behalf_of
            if obo is None:
                continue
            n += 1
            s, e = obo["span"]
            assert text[s:e] == obo["name"], (a.source_name, obo)
            # next to the words that name the source here, not somewhere else in the article
            assert a.source_span and abs(s - a.source_span[0]) < 160, (a.source_name, obo)
            assert any(x.name == obo["name"] for x in a.affiliations)
    assert n > 100


def test_registry_attributions_carry_on_behalf_of(basil, atts):
    key, art = _art(basil, "058203_1")
    reg = build_registry([art], atts[key])
    with_group = [d for d in reg.attributions if d["on_behalf_of"]]
    assert with_group and set(with_group[0]["on_behalf_of"]) == {"name", "kind", "span", "evidence"}
    assert all("on_behalf_of" in d for d in reg.attributions)


@pytest.mark.parametrize("suffix, phrase, speaker", [
    ("069da5_1", "God knows how bad that might have been", "Brad Wenstrup"),     # ..., R-Ohio, told "Fox & Friends."
    ("6c0200_1", "He tarnished the FBI's sterling reputation", "Mark Meadows"),  # House Freedom Caucus Chairman X, R-N.C., said
    ("926757_3", "They are reading it like a sacred text", "Jerrold Nadler"),   # X, ..., Civil Rights and Civil Liberties, told
    ("a0c54a_1", "They were really nice and they were really listening", "John Paul Hopping"),  # X of Y, told HuffPost. "..."
    ("2a08e0_1", "Of course I was surprised", "Carl Seel"),                     # "...?" said the legislator, Representative X.
    ("ad7205_1", "our democracy depends on it", "Amy Klobuchar"),               # Sen. X of Minnesota, who tweeted that "..."
    ("6c0200_1", "The list of bad players in the FBI", "Trump"),                # the president tweeted ..., asking: + next paragraph
    ("a0c54a_1", "We didn’t know it was Eric Holder", "John Paul Hopping"),
])
def test_one_person_speakers_after_the_fixes(basil, atts, suffix, phrase, speaker):
    key, art = _art(basil, suffix)
    names = {a.source_name for a in _at(atts, art, key, phrase)}
    assert any(speaker in n for n in names), names
    assert not names & {"HuffPost", "Civil Liberties", "Fox & Friends"}


def test_honorific_keeps_the_gender(basil, atts):
    # "Ivanka Trump" is named earlier; '"...," Mr. Trump said.' is not her.
    arts, _ = basil
    [key] = [k for k, a in arts.items() if "You are showing the world that we will not be intimidated" in a.text]
    names = {a.source_name for a in _at(atts, arts[key], key, "You are showing the world that we will not be intimidated")}
    assert names == {"Trump"}


def test_groups_that_speak_themselves(basil, atts):
    key, art = _art(basil, "79dfaf_2")     # "The group has drafted a resolution ... condemning ... "partisan attack dog organization.""
    names = {a.source_name for a in _at(atts, art, key, "partisan attack dog organization")}
    assert names == {"St. Louis Tea Party"}
    key, art = _art(basil, "d0a455_2")     # '"...," the suit says, undermining their bans, "draining their treasuries ..."'
    names = {a.source_name for a in _at(atts, art, key, "draining their treasuries")}
    assert names == {"Nebraska and Oklahoma"}
    key, art = _art(basil, "a96042_1")     # "The Democratic National Committee issued a brief statement ...:" + quote paragraph
    names = {a.source_name for a in _at(atts, art, key, "Troops in the Middle East permanently")}
    assert names == {"The Democratic National Committee"}
    key, art = _art(basil, "f19e27_3")     # '"...," The Washington Post's editorial board said Tuesday.'
    a = _at(atts, art, key, "undermines public faith in the impartiality")[0]
    assert a.source_kind == "outlet" and a.source_name.endswith("Post")


def test_joint_statement_goes_to_each_speaker_with_their_party(basil, atts):
    key, art = _art(basil, "106a73_3")     # '"...," Speaker X of California and Senator Y of New York, the Democratic leader, said'
    found = _at(atts, art, key, "This is plainly a power grab")
    assert {a.source_name for a in found} == {"Nancy Pelosi", "Chuck Schumer"}
    schumer = next(a for a in found if a.source_name == "Chuck Schumer")
    assert ("party", "Democratic Party") in {(x.kind, x.name) for x in schumer.affiliations}
    t = "Jane Roe and Sen. John Doe said the bill would fail. Civil Rights and Civil Liberties said nothing."
    names = [a.source_name for a in extract_attributions(Article(text=t))]
    assert "Jane Roe" in names and "John Doe" in names and "Civil Rights" not in names


def test_no_attribution_from_an_object_or_a_dateline():
    t = ("WASHINGTON \u2014 President Trump made his first post on Tuesday, calling his own Justice Department "
         "a \u201cdeep state.\u201d\n\nMany used the same words, accusing Roe of holding workers \u201chostage.\u201d")
    got = {a.text: a.source_name for a in extract_attributions(Article(text=t))}
    assert got.get("his own Justice Department a \u201cdeep state.\u201d") == "Trump"
    assert "Roe" not in got.values() and "WASHINGTON" not in got.values()


def test_basil_recall_three_readings(basil, atts, corpora):
    arts, named = basil
    classes = [bench.classify(q, atts) for q in named]
    n = len(named)
    strict = classes.count("name") / n
    own = (classes.count("name") + classes.count("own")) / n
    stated = own + classes.count("stated") / n
    persons = [c for q, c in zip(named, classes) if bench.is_person(q["speaker"])]
    assert strict >= 0.70          # measured 0.716 (bench/results/sources.md); 0.711 before
    assert own >= 0.73             # measured 0.742
    assert stated >= 0.87          # measured 0.887; 0.871 before
    assert persons.count("name") / len(persons) >= 0.95    # measured 0.969
    # located: every annotated quote (722, generic speakers too) covered by some attribution
    import json
    quotes = [json.loads(line) for line in open(corpora / "basil" / "quotes.jsonl", encoding="utf-8")]
    located = sum(1 for q in quotes if bench._covering(q, atts))
    assert located / len(quotes) >= 0.965                   # measured 0.979; 0.954 before


def test_group_match_needs_more_than_a_generic_word():
    assert bench.group_match("White House", "White House")
    assert bench.group_match("House Democrats", "Democratic Party")
    assert not bench.group_match("House Democrats", "House")
    assert not bench.group_match("Obama campaign", "Romney campaign")
    assert bench.group_match("GOP committee members", "Republican Party")
