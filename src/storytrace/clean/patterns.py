"""Line patterns of page and wire furniture: the one place this knowledge lives.

Each rule is generic (no outlet names): promos, share/follow lines, captions and photo credits,
cookie notices, read-more markers, wire slugs and sign-offs. Rules are matched against a single
stripped line; `INLINE` rules are cut out of a line that otherwise stays.
"""
from __future__ import annotations

import re

_I = re.IGNORECASE

# Whole lines that are never article content.
LINE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("app promo", re.compile(r"^(get the news faster|tap to (install|add)|install (the|our) .{0,40}app|"
                             r"download (the|our) .{0,40}app|in (two|three) easy steps|\d\.\s*tap (in|to) |"
                             r"get (the|our) app|open in (the )?app)", _I)),
    ("newsletter promo", re.compile(r"^(sign up (for|to)|subscribe (to|for|now)|get our .{0,30}newsletter|"
                                    r"(join|get) .{0,30}(newsletter|email alerts)|enter your email|"
                                    r"this (article|story) is for subscribers)", _I)),
    ("share/follow", re.compile(r"^((share|tweet|email|print|save)( this)?( article| story| on \w+)?|"
                                r"follow (us|@\w+)( on .{0,40})?|like us on facebook|share on (facebook|twitter|x|linkedin|whatsapp)|"
                                r"click to share.*|copy link|comments?( \(\d+\))?)\s*$", _I)),
    ("photo credit", re.compile(r"^(.{0,300}\(\s*[\w .'-]{0,40}photos?(?:graph)?\s*(?:/|by|:)[^)]{0,80}\)|"
                                r"\([^()/]{3,60} / [^()/]{2,60}\)|"  # a credit on its own line: (Name / Agency)
                                r"(photo|image|picture|video)( credit)?\s*:.{0,120}|"
                                r"(enlarge this image|toggle caption|hide caption|image copyright|image caption|getty images|"
                                r"\S+ (/|via) getty images).{0,120})\s*$", _I)),
    ("cookie notice", re.compile(r"^(we use cookies|this (web)?site uses cookies|by (continuing to use|using) this (site|website)|"
                                 r"accept (all )?cookies|manage (cookie|privacy) (settings|preferences)).{0,300}$", _I)),
    ("advertisement", re.compile(r"^(advertisement|advertising|sponsored( content)?|story continues below( advertisement)?|"
                                 r"continue reading (the main story|below)|skip (to|past) .{0,30}|related:? .{0,120}|"
                                 r"(read|see) (also|more):? .{0,150}|recommended( for you)?|most (read|popular))\s*$", _I)),
    ("lone symbol", re.compile(r"^[xX×•|·*#>\-–—_=~]{1,3}$")),
    ("posted line", re.compile(r"^(posted|published|updated|last updated)( on)?\s*:?\s*\w{3,9}\.? \d{1,2}, \d{4}.{0,40}$", _I)),
]

# All line rules in one pattern: one regex call per paragraph on the hot path.
LINE_ANY = re.compile("|".join(f"(?:{rx.pattern})" for _, rx in LINE_RULES), _I)

# Markers that say the text was cut short; the marker itself is removed. They stand at the end
# of a paragraph (or are the whole paragraph), so only a paragraph's tail is searched.
TRUNCATION_MARKERS = re.compile(
    r"(\[\s*(continue|continued|keep) reading\s*(\u2026|\.\.\.)?\s*\]|\(\s*continue reading\s*(\u2026|\.\.\.)?\s*\)|"
    r"^\s*(continue reading|read (the )?(full|more|rest)( story| article)?( at .{0,60})?|read more)\s*(\u2026|\.\.\.|\u00bb|>>|:)?|"
    r"(subscribe|log in|sign in|register) to (continue reading|read (the|this) (full|rest)).{0,80}|"
    r"to (continue|keep) reading,? (please )?(subscribe|log in|sign in).{0,80}|"
    r"this (article|content) is (only )?(available|reserved) (to|for) (subscribers|members).{0,80})\s*$",
    re.IGNORECASE)
TAIL = 160  # characters of a paragraph's end that tail markers are searched in
# Cheap substring test before the regex: almost no paragraph has any of these.
TRUNCATION_HINTS = ("reading", "read more", "read the", "subscri", "log in", "sign in", "members")

# Pieces cut out of a line that stays: "(More X stories.)" links after a paragraph.
INLINE_RULES: list[tuple[str, re.Pattern[str], str]] = [  # (name, pattern, substring hint)
    ("more-stories link", re.compile(r"\s*\(More [^()]{1,80} stories\.?\)\s*$", _I), "(more "),
]

# Wire furniture (news agency copy): separator rules, slug lines with time/date/page, sign-offs.
WIRE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("wire separator", re.compile(r"^[-=_*]{5,}$")),
    ("wire slug", re.compile(r"^\d{1,2}[:.]\d{2}\s+\d{1,2}/\d{1,2}/\d{2,4}:?.{0,120}$")),
    ("wire sign-off", re.compile(r"^(end|ends|more|mf|mfl|\w{1,3}|more to follow|ends?\s*\w{0,6})$", _I)),
]

# Header lines of a plain-text article.
BYLINE = re.compile(r"^by\s+(?P<name>[^,|\n]{2,80}?)(?:\s*[,|/]\s*(?P<org>[^\n]{2,60}?))?\s*$", _I)
POSTED = re.compile(r"^(posted|published|updated|last updated)(\s+on)?\s*:?\s*(?P<date>.{6,60})$", _I)
ORG_SUFFIX = re.compile(r"\s+(staff( writer| reporter)?|correspondent|reporter|writer|news service|wire)$", _I)


# --- Page furniture inside an extracted HTML article container -------------------------------
# Extractors keep some furniture that sits inside the article's own container. These rules are
# matched per line of extracted page text (ingest.html_boilerplate) and each may only remove a
# line of at most the given number of words, so a real paragraph that mentions a newsletter stays.
# (label, pattern, max words of a line the rule may remove)
PAGE_LINE_RULES: list[tuple[str, re.Pattern[str], int]] = [
    ("share/follow", re.compile(
        r"^(share|tweet|email|print|save|pin)( this| it)?( article| story| page| post)?( (on|via|with) \w+)?\s*[:!.]?$|"
        r"^(like|enjoy(ed)?|love)( this| the)? (story|article|post)\??.{0,40}share|"
        r"^share (this|it) with .{0,40}$|"
        r"^follow (us|me|him|her|them|@\w+|\w+ on)\b.{0,80}$|"
        r"^(like us|find us|join us) on \w+|"
        r"^click (here )?to (share|email|print|tweet)|^copy (the )?link$", _I), 25),
    ("newsletter promo", re.compile(
        r"^(\W*)(sign up|subscribe|signup|register|get)\b.{0,80}\b(newsletter|inbox|email|updates|alerts|digest)\b|"
        r"\b(sign up|subscribe)\b.{0,60}\bnewsletters?\b|"
        r"\b(newsletter|inbox)\b.{0,60}\b(sign up|subscribe)\b|"
        r"^get (the|our) .{0,50}(newsletter|in your inbox|delivered)|"
        r"^(the )?[\w' ]{0,40} newsletter$|"
        r"\bdelivered (to|through) your (inbox|letterbox|door)\b|^enter your email", _I), 40),
    ("app promo", re.compile(r"^(download|get|install) (the|our) .{0,40}\bapp\b|^open in (the )?app\b", _I), 25),
    ("read-more teaser", re.compile(
        r"^(read|see|watch|listen)( (more|also|next|now|here))\b\s*[:\-\u2013|]?|"
        r"^(related|recommended|more|trending|popular|most read|most popular|don'?t miss|also on [\w.]+|"
        r"also read|further reading|you (may|might) (also )?like|more (from|on|stories|news)\b.{0,40})\s*[:\-\u2013|]|"
        r"^(related( (articles?|stories|coverage|content|links?))?|recommended( for you)?|don'?t miss|"
        r"more (stories|news|on this)|most (read|popular|viewed)|trending( now)?|top stories)\s*[:.!]?$|"
        r"^also on [\w.]+\b|\[(insight|video|reaction|pictures|poll|latest|analysis|gallery)\]\|?$|"
        r"^click here (to|for) (read|more|see|watch|view|subscribe|download)|\bclick here for more\b", _I), 30),
    ("caption/credit", re.compile(
        r"^(photo|image|picture|video|graphic|illustration|file photo)s?( credit| courtesy)?\s*[:|/]|"
        r"\((photo|image|picture)s?( credit)?\s*[:/]|"
        r"^(enlarge this image|toggle caption|hide caption|image copyright|image caption|media caption)\b|"
        r"\b(getty images|shutterstock|istock(photo)?|alamy)\s*\)?\s*$|"
        r"\bphotos? (©|\(c\)|by |courtesy)|©\s*\w+.{0,40}$|^(credit|source|courtesy)\s*:\s*.{0,80}$", _I), 40),
    ("tags", re.compile(r"^(tags?|topics?|filed under|categories|keywords)\s*[:\-]?(\s.{0,300})?$", _I), 60),
    ("comments", re.compile(r"^(\d+\s+)?comments?(\s*\(\d+\))?\s*$|^(tell us what you think|leave a (comment|reply)|"
                            r"join the (conversation|discussion)|add (a|your) comment|comment on this)\b", _I), 20),
    ("advertisement", re.compile(r"^(advertisement|advertising|ad|sponsored( content)?|story continues below"
                                 r"( advertisement)?|continue reading (the main story|below)|scroll to continue"
                                 r"( with content)?|skip advert)\s*[:.]?$", _I), 8),
    # WordPress-style shortcodes left unrendered: [button link="..."]...[/button], [caption id=...]
    ("shortcode", re.compile(r"^\[[a-z_]+\s[^\]]*=[^\]]*\].*\[/[a-z_]+\]$|^\[/?[a-z_]+(\s+[a-z_]+\s*=[^\]]*)?\]$"), 60),
    ("cookie notice", re.compile(r"^(we use cookies|this (web)?site uses cookies|by (continuing to use|using) "
                                 r"(this|our) (site|website)|accept (all )?cookies|manage (cookie|privacy))", _I), 80),
    ("lone symbol", re.compile(r"^[\W_]{1,5}$"), 1),
]

# Markers that say the page shows only part of the article (the marker line is removed).
PAGE_TRUNCATION = re.compile(
    r"^\s*[\[(]?\s*(continue|keep) reading\b.{0,80}$|"
    r"^\s*read (the )?(full|whole|entire|rest of (the|this))( story| article| post)?\b.{0,80}$|"
    r"\b(subscribe|log ?in|sign ?in|register|become a (member|subscriber)) (now )?to (continue|keep) reading\b|"
    r"\bto (continue|keep) reading,? (please )?(subscribe|log ?in|sign ?in|register)\b|"
    r"\bthis (article|story|content) is (only )?(available|reserved|exclusive) (to|for) (paid |our )?(subscribers|members)\b|"
    r"\b(already a subscriber|subscribe for full access|unlock this article|you have reached your (free )?(article )?limit)\b",
    _I)
PAGE_READ_MORE_TAIL = re.compile(r"\s*[\[(]?\s*(read more|more\u2026|continue reading|\u2026\s*more)\s*[\])]?\s*(\u00bb|>>|\u2192)?\s*$", _I)
