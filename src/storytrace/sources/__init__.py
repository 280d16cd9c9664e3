"""Sources: attributions, quotes with speakers, and a registry of who is cited across articles.

    atts = [a for art in articles for a in extract_attributions(art)]
    reg = build_registry(articles, atts)          # reg.sources, reg.attributions (analysis.json)
    resolve_origins(reg, derivations)             # outlet -> in-corpus article; reg.cites
"""
from storytrace.sources.model import Attribution, Registry, Source
from storytrace.sources.attribution import extract_attributions
from storytrace.sources.registry import build_registry, canonical, source_id
from storytrace.sources.origins import resolve_origins
from storytrace.sources.nlp import load_nlp

__all__ = ["Attribution", "Registry", "Source", "extract_attributions", "build_registry", "resolve_origins",
           "load_nlp", "canonical", "source_id"]
