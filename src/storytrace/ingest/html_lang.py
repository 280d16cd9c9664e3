"""A small, model-free language guess for pages that do not declare one.

Declared languages (<html lang>, og:locale, JSON-LD inLanguage) win; this is the fallback.
Scripts decide non-Latin languages; for Latin-script text the share of each language's most
frequent function words decides, and nothing is returned when no language clearly leads.
"""
from __future__ import annotations

import re

_STOP = {
    "en": "the of and to in is that for it was on with as by at from he she they said have has are this be an not which",
    "de": "der die und das ist nicht den mit sich des auf ein eine dem im zu von auch für sie es wird wurde bei",
    "fr": "le la les de des et est une un du dans que qui pour pas sur au avec il elle sont ce aux par",
    "es": "el la los las de del y en que es por un una para con se no su al lo como más pero fue",
    "pt": "o a os as de do da dos das e em que é um uma para com não por se na no ao foi mais",
    "it": "il la di che è e un una per non del della in sono con si le al da gli ha anche",
    "nl": "de het een en van is dat op te in voor niet met zijn er aan ook als bij door",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke adalah oleh",
}
_STOPSETS = {lang: set(words.split()) for lang, words in _STOP.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SCRIPTS = [("ja", re.compile(r"[\u3040-\u30ff]")), ("ko", re.compile(r"[\uac00-\ud7af]")),
            ("zh", re.compile(r"[\u4e00-\u9fff]")), ("ru", re.compile(r"[\u0400-\u04ff]")),
            ("ar", re.compile(r"[\u0600-\u06ff]")), ("el", re.compile(r"[\u0370-\u03ff]")),
            ("he", re.compile(r"[\u0590-\u05ff]")), ("th", re.compile(r"[\u0e00-\u0e7f]")),
            ("hi", re.compile(r"[\u0900-\u097f]"))]

SCRIPT_LANGUAGES = frozenset(lang for lang, _ in _SCRIPTS)


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when unsure."""
    sample = text[:5000]
    letters = sum(1 for c in sample if c.isalpha())
    if not letters:
        return None
    for lang, rx in _SCRIPTS:  # kana before han: Japanese text mixes both
        if len(rx.findall(sample)) > 0.2 * letters:
            return lang
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 20:
        return None
    scores = sorted(((sum(1 for w in words if w in s) / len(words), lang) for lang, s in _STOPSETS.items()),
                    reverse=True)
    (best, lang), (second, _) = scores[0], scores[1]
    return lang if best >= 0.15 and best >= 1.3 * second else None
