"""Line-level clean-up of text extracted from a news page.

Extractors keep some page furniture that sits inside the article container: the headline repeated
as the first line, share/follow lines, newsletter and app promos, "Read more"/"See also" teasers,
photo captions and credits, tag lists, comment counters, WordPress shortcodes. Each rule is
generic (no outlet names) and only fires on short lines, so a real paragraph that happens to
mention a newsletter stays. What is dropped is returned so the caller can list it in
`boilerplate_removed`.
"""
from __future__ import annotations

import re

_I = re.IGNORECASE
_WORD = re.compile(r"\w+")

# (label, pattern, max words of a line the rule may remove)
LINE_RULES: list[tuple[str, re.Pattern[str], int]] = [
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
TRUNCATION = re.compile(
    r"^\s*[\[(]?\s*(continue|keep) reading\b.{0,80}$|"
    r"^\s*read (the )?(full|whole|entire|rest of (the|this))( story| article| post)?\b.{0,80}$|"
    r"\b(subscribe|log ?in|sign ?in|register|become a (member|subscriber)) (now )?to (continue|keep) reading\b|"
    r"\bto (continue|keep) reading,? (please )?(subscribe|log ?in|sign ?in|register)\b|"
    r"\bthis (article|story|content) is (only )?(available|reserved|exclusive) (to|for) (paid |our )?(subscribers|members)\b|"
    r"\b(already a subscriber|subscribe for full access|unlock this article|you have reached your (free )?(article )?limit)\b",
    _I)
_READ_MORE_TAIL = re.compile(r"\s*[\[(]?\s*(read more|more\u2026|continue reading|\u2026\s*more)\s*[\])]?\s*(\u00bb|>>|\u2192)?\s*$", _I)


# Switch for the benches' ablations. (Cutting a trailing run of short non-sentence lines, the
# related-headline block, was tried and dropped: articles that end in lists lost more recall.)
DATELINES = True
_SENT_END = re.compile(r"[.!?:;\u2026\"\u201d\u2019')\]\u3002\uff01\uff1f]\s*$")
_DATE_BITS = re.compile(r"\b(19|20)\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_TIME = re.compile(r"\b\d{1,2}[:h]\d{2}\b|\b(am|pm|a\.m\.|p\.m\.)\b", _I)


def _is_dateline(line: str, nw: int) -> bool:
    """A short line that is a publication date/time stamp, possibly with a byline or category."""
    return nw <= 14 and not line.rstrip().endswith(".") and bool(_DATE_BITS.search(line)) and \
        (bool(_TIME.search(line)) or nw <= 6 or bool(re.search(r"\b(published|posted|updated|publicado|publié|"
                                                                 r"veröffentlicht|pubblicato)\b", line, _I)))


def norm_words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def clean_lines(lines: list[str], *, title: str | None = None) -> tuple[list[str], list[str], bool]:
    """Drop furniture lines; returns (kept lines, removed lines, truncated?).

    The headline is dropped only as one of the first lines (it is metadata, kept in `title`).
    """
    kept: list[str] = []
    removed: list[str] = []
    truncated = False
    t = norm_words(title) if title else ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        nw = len(_WORD.findall(line[:2000]))  # every rule below fires only under 80 words
        if t and len(kept) < 2 and len(line) < 2000 and norm_words(line) == t:
            removed.append(line)
            continue
        if nw <= 40 and TRUNCATION.search(line):
            truncated = truncated or i >= len(lines) - 3 or bool(kept)
            removed.append(line)
            continue
        label = next((lab for lab, rx, maxw in LINE_RULES if nw <= maxw and rx.search(line)), None)
        if label is None and DATELINES and (len(kept) < 3 or i >= len(lines) - 3) and _is_dateline(line, nw):
            label = "dateline"
        if label:
            removed.append(line)
            continue
        off = max(len(line) - 200, 0)
        m = _READ_MORE_TAIL.search(line, off)
        if m and nw > 3:
            removed.append(line[m.start():].strip())
            line = line[:m.start()].rstrip()
            if i >= len(lines) - 2:
                truncated = True
        kept.append(line)
    return kept, removed, truncated
