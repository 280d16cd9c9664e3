"""Word lists for the rule layer: attribution verbs, titles, source-kind cues.

Generic English news vocabulary only (no outlet, person or place of any corpus): the rules
classify a source by the shape of its name ("... Post", "... Institute", "Mr. ...") and by the
role it plays in the sentence ("told X" makes X a newsroom), not by knowing who it is.
"""
from __future__ import annotations

# Verbs that introduce or close reported speech. Present, past and -ing forms.
SPEECH_VERBS = frozenset("""
said says say told tells tell added adds noted notes reported reports confirmed confirms stated states
wrote writes tweeted tweets explained explains warned warns argued argues claimed claims insisted insists
acknowledged acknowledges announced announces reads asserted asserts declared declares denied denies admitted
admits conceded concedes replied replies responded responds recalled recalls observed observes remarked
remarks suggested suggests complained complains charged alleged alleges revealed reveals commented
comments countered counters quipped joked cautioned cautions urged urges predicted predicts emphasized
emphasised emphasizes emphasises stressed stresses maintained maintains contended contends
posted posts concluded concludes estimated estimates testified testifies wondered
asked asks reiterated reiterates disclosed discloses indicated indicates acknowledged mused vowed vows
pledged promised threatened boasted lamented blasted slammed criticized criticised defended retorted retort
shot fired chimed interjected exclaimed
""".split())

PARTICIPLES = frozenset("""saying adding noting telling writing warning arguing insisting claiming
explaining stating asking calling declaring suggesting acknowledging accusing describing denouncing
branding blasting slamming urging demanding asserting charging tweeting posting""".split())

# "called it X" and "described X as" introduce a quote only when one follows closely.
QUOTE_ONLY_VERBS = frozenset("called calls calling described describes dubbed labeled labelled branded brands".split())

# Words between a subject and its verb that are not part of the subject.
SKIP_BEFORE_VERB = frozenset("""also later then further previously recently once again reportedly has have
had had also would will could quickly publicly privately repeatedly initially first earlier subsequently
finally still just even only separately similarly likewise herself himself themselves itself ultimately
""".split())

# Leading words of a clause that are not part of the subject NP.
LEADING_FILLERS = frozenset("but and so yet still however meanwhile now instead then also".split())

# Words that end a subject NP when scanning leftwards from the verb (subordinators etc.).
BOUNDARY_WORDS = frozenset("""that after before when while because since as but which who whom whose where if
although though unless until whereas whether once than so and what how why""".split())

# Common given names with a clear gender: a weak cue for "he"/"she" (checked after Mr./Ms. and roles).
FEMALE_NAMES = frozenset("""mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret
sandra ashley kimberly emily donna michelle carol amanda melissa deborah stephanie rebecca laura sharon cynthia
kathleen amy angela anna brenda pamela nicole emma samantha katherine christine debra rachel catherine carolyn
janet ruth maria heather diane virginia julie joyce victoria kelly christina lauren joan evelyn olivia judith
megan cheryl martha andrea frances hannah jacqueline ann gloria jean kathryn alice teresa sara janice doris
madison julia grace judy abigail marie denise beverly amber theresa marilyn danielle diana brittany natalie sophia
rose isabella alexis kayla charlotte hillary michele kirsten kamala elizabeth nikki sarah condoleezza dianne
susan maxine ilhan alexandria rashida ayanna tulsi kellyanne hope ivanka melania malia sasha huma heidi meredith jill joy stacey tammy liz""".split())
MALE_NAMES = frozenset("""james robert john michael david william richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan
jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank
patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah
jeremy christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy
joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason
philip louis barack mitt mitch chuck ted marco rick newt jeb bernie vladimir xi kim boris emmanuel angela tim jim tom bob ben dan mike steve jeff greg bill nick sam pete""".split()) - FEMALE_NAMES

PRONOUNS_PERSON = frozenset("he she".split())
PRONOUNS_GROUP = frozenset("they".split())
PRONOUNS_THING = frozenset("it".split())
PRONOUNS_SELF = frozenset("i we".split())

DETERMINERS = frozenset("the a an one this that these those some several many two three four five six seven eight nine ten dozens hundreds".split())
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve several some many few two-dozen a an".split())

# People and groups named by what they are, not who they are.
ROLE_NOUNS = frozenset("""spokesman spokeswoman spokesperson spokespeople official officials analyst analysts expert experts
source sources diplomat diplomats lawmaker lawmakers aide aides people person officer officers minister ministers
ambassador envoy senator senators president governor mayor secretary director adviser advisers advisor advisors
chairman chairwoman chair chief leader leaders representative representatives lawyer lawyers attorney attorneys
prosecutor prosecutors investigator investigators researcher researchers scientist scientists witness witnesses
resident residents critic critics supporter supporters opponent opponents member members staffer staffers
executive executives negotiator negotiators observer observers insider insiders correspondent reporter
reporters commander commanders general generals activist activists economist economists historian professor
doctor doctors nurse judge justice candidate candidates campaign administration government ministry
democrats republicans conservatives liberals voters parents students employees workers officers police
authorities agency agencies intelligence insiders spokespersons aides""".split())

# Things that speak for someone else: "the report said", "the statement reads".
DOCUMENT_NOUNS = frozenset("""report reports statement statements study studies assessment analysis survey document
documents memo memorandum letter filing complaint lawsuit indictment release post tweet email data poll
investigation review paper article story interview transcript video footage recording
assessments estimates estimate findings briefing ad ads advertisement commercial spot website resolution
op-ed editorial column book speech message tweets posting blog account suit""".split())

# Anaphors for a newsroom: "sent to the publication", "the newspaper reported".
OUTLET_ANAPHORS = frozenset("publication newspaper paper outlet broadcaster network magazine daily tabloid site website station channel".split())

# Anaphors for an organisation: "the group said", "the campaign said".
ORG_ANAPHORS = frozenset("""group party campaign organization organisation company committee firm union coalition
association administration movement caucus charity foundation""".split())

# Name-final or name-internal words that mark a news outlet ("the ... Post", "... News").
OUTLET_WORDS = frozenset("""post times news journal herald tribune gazette telegraph guardian chronicle observer daily
magazine radio television tv network broadcasting weekly examiner inquirer bulletin courier mirror express mail
standard dispatch register sentinel monitor reporter insider newsweek newspaper newswire today
""".split())

# Name words that mark a news/wire agency.
AGENCY_WORDS = frozenset("press agency agence presse newswire wire".split())
# ... unless the name is a government body ("Environmental Protection Agency"): these win.
GOVERNMENT_WORDS = frozenset("""ministry department council committee commission office administration bureau
government protection security intelligence defense defence environmental federal national energy""".split())

# Name words that mark an organisation.
ORG_WORDS = frozenset("""institute council ministry department committee commission university center centre foundation
association union party campaign office administration bureau court congress senate house parliament government
army military police company corp corporation inc ltd llc group organization organisation mission embassy
coalition alliance federation bank fund service force forces guard corps agency authority board trust society
league club school college hospital church network commission command navy republicans democrats
cabinet secretariat tribunal assembly council kremlin pentagon""".split())

# Honorifics and titles that precede a person's name and are not part of it.
TITLES = frozenset("""mr mrs ms miss dr prof sen rep gov gen lt col sgt capt cmdr adm rev hon president vice prime minister
secretary senator representative governor mayor ambassador envoy chairman chairwoman chair chief director
spokesman spokeswoman spokesperson judge justice general admiral commander leader speaker attorney deputy
foreign defense defence interior finance state first lady king queen prince princess pope bishop father sister
brother sheikh ayatollah supreme former acting assistant associate executive ceo cfo coo founder analyst
professor coach captain officer detective sheriff commissioner chancellor premier councilman councilwoman
congressman congresswoman lawmaker candidate nominee host anchor editor columnist economist strategist
pastor rabbi imam cardinal representatives senators""".split())

# Recipients of "told" that are an audience, not a newsroom.
AUDIENCE_WORDS = frozenset("""reporters journalists media press audience crowd supporters lawmakers congress
committee members staff students people us me him her them colleagues viewers listeners readers followers
""".split())

WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

# Words after an attribution verb that start circumstances, not the reported content.
CIRCUMSTANCE_WORDS = frozenset("""in on at during after before to last this yesterday today tonight earlier later of
when while with through via from according by late early shortly recently afterward afterwards again also
about regarding amid referring as""".split()) | WEEKDAYS

# Verbs that are speech only when not followed by "to" + infinitive ("threatened to impose").
TO_INFINITIVE_VERBS = frozenset("threatened promised vowed pledged asked asks urged urges warned warns".split())

MONTHS = frozenset("january february march april may june july august september october november december".split())
