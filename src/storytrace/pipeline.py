"""The pipeline: ingest into the store, then run the analysis stages over the stored articles.

Stages are plain functions over the shared context (`Context`); each one is guarded, so a
stage that fails or is not installed is reported in `stage_notes` and the rest still run.
Stage order follows the data flow in docs/architecture.md: events and reuse first (corpus-wide),
then sources (which resolve origins over derivations), claims (which count independent support
over derivations and attributions), summary last.
"""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from storytrace import progress
from storytrace.ingest import DEFAULT_LIMITS, Limits, Record, fingerprint, read_records, to_article
from storytrace.model import Article, Rejection
from storytrace.store import AddResult, Seen, Store

BATCH = 500  # articles per store transaction


@dataclass
class Options:
    quiet: bool = False
    engine: str = "local"
    spark_master: str | None = None
    embeddings: bool = False  # the optional model path (sentence embeddings)
    limits: Limits = DEFAULT_LIMITS


@dataclass
class Context:
    articles: list[Article]
    options: Options
    out: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def ingest(paths: Iterable[str], store: Store, options: Options) -> AddResult:
    """Read every input and store it, one transaction per batch of articles. Inputs whose
    fingerprint the store knows (read before, unchanged) skip cleaning: only their path is noted."""
    total = AddResult()
    batch: list[Record | Rejection] = []

    def flush() -> None:
        fps = {id(r): fingerprint(r) for r in batch if isinstance(r, Record)}
        known = store.known_fingerprints(list(set(fps.values())))
        items: list[Article | Rejection | Seen] = []
        new_fps: dict[str, str] = {}
        for r in batch:
            if isinstance(r, Rejection):
                items.append(r)
            elif fps[id(r)] in known:
                items.append(Seen(known[fps[id(r)]], r.path))
            else:
                a = to_article(r, options.limits)
                items.append(a)
                if isinstance(a, Article):
                    new_fps[fps[id(r)]] = a.id
        for it in items:
            if isinstance(it, Rejection):
                print(f"storytrace: rejected {it.path}: {it.reason}", file=sys.stderr)
        total.merge(store.add(items, new_fps))
        batch.clear()

    for it in progress.bar(read_records(paths, options.limits), quiet=options.quiet, desc="ingest", unit="doc"):
        batch.append(it)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return total


# -- stages ----------------------------------------------------------------------------------

def _stories(ctx: Context) -> None:
    from storytrace.stories import cluster

    res = cluster(ctx.articles)
    ctx.out["events"] = [e.to_dict() for e in res.events]
    ctx.out["storylines"] = [s.to_dict() for s in res.storylines]
    ctx.out["inferred_dates"] = dict(res.inferred_dates)
    # Later stages resolve relative times ("last month") against these dates.
    for a in ctx.articles:
        if not a.published and a.id in res.inferred_dates:
            a.published, a.published_inferred = res.inferred_dates[a.id], True


# Events larger than this are not aligned all-pairs for paraphrase (cost grows with the square).
MAX_EVENT_PAIRS = 40


def _same_event_pairs(ctx: Context) -> list[tuple[str, str]]:
    pairs = []
    for e in ctx.out.get("events", []):
        ids = sorted(e["article_ids"])
        if 1 < len(ids) <= MAX_EVENT_PAIRS:
            pairs += [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    return pairs


def _reuse(ctx: Context) -> None:
    from storytrace.reuse import find_derivations

    pair_source = None
    if ctx.options.engine == "spark":
        from storytrace.engines.spark import candidate_pairs

        def pair_source(usable: list[Article]):
            return candidate_pairs(usable, master=ctx.options.spark_master)

    # A rewrite can share no word 5-gram with its source: with the paraphrase model on, the
    # articles of one event are aligned too.
    extra = _same_event_pairs(ctx) if ctx.options.embeddings else None
    res = find_derivations(ctx.articles, paraphrase=ctx.options.embeddings, extra_pairs=extra,
                           pair_source=pair_source)
    ctx.out["derivations"] = [d.to_dict() for d in res.derivations]
    ctx.out["undirected_reuse"] = [d.to_dict() for d in res.undirected]
    ctx.out["wire_origins"] = list(res.wire_origins)
    ctx.out["reuse_skipped"] = list(res.skipped)


def _sources(ctx: Context) -> None:
    from storytrace.sources import build_registry, extract_attributions, resolve_origins

    atts = [a for art in ctx.articles for a in extract_attributions(art)]
    reg = build_registry(ctx.articles, atts)
    # Outlets that articles cite get their in-corpus report (source.article_id) and `cites` edges.
    resolve_origins(reg, ctx.out.get("derivations", []))
    ctx.out["sources"] = [s.to_dict() for s in reg.sources]
    ctx.out["attributions"] = list(reg.attributions)
    ctx.out["derivations"] = ctx.out.get("derivations", []) + list(reg.cites)


def _storyline_groups(ctx: Context) -> list[tuple[str | None, list[Article]]]:
    """Articles grouped by storyline (all in one group when the stories stage produced none)."""
    by_id = {a.id: a for a in ctx.articles}
    events = {e["id"]: e for e in ctx.out.get("events", [])}
    groups: list[tuple[str | None, list[Article]]] = []
    placed: set[str] = set()
    for sl in ctx.out.get("storylines", []):
        ids = [i for eid in sl["event_ids"] for i in events.get(eid, {}).get("article_ids", []) if i in by_id]
        groups.append((sl["id"], [by_id[i] for i in ids]))
        placed.update(ids)
    rest = [a for a in ctx.articles if a.id not in placed]
    if rest:
        groups.append((None, rest))
    return groups


def _claims(ctx: Context) -> None:
    """Claims per storyline: alignment, conflicts and the timeline belong to one story."""
    from storytrace.claims.stage import claims_sections

    derivations = ctx.out.get("derivations", [])
    attributions = ctx.out.get("attributions", [])
    sources = ctx.out.get("sources", [])
    out: dict[str, list] = {"claims": [], "conflicts": [], "timeline": [], "novelty": []}
    for storyline_id, arts in _storyline_groups(ctx):
        ids = {a.id for a in arts}
        # Claim ids hash their first evidence span, so they stay unique across storylines.
        sec = claims_sections(arts, [d for d in derivations if d["to"] in ids],
                              [x for x in attributions if x["article_id"] in ids], sources)
        for t in sec["timeline"]:
            t["storyline_id"] = storyline_id
        for k in out:
            out[k].extend(sec[k])
    ctx.out.update(out)


def _summary(ctx: Context) -> None:
    from storytrace.summary import summarize

    ctx.out["summary"] = summarize(assemble(ctx, []))


STAGES: list[tuple[str, Callable[[Context], None]]] = [
    ("stories", _stories), ("reuse", _reuse), ("sources", _sources), ("claims", _claims), ("summary", _summary),
]


def run_stages(articles: list[Article], options: Options) -> Context:
    ctx = Context(articles=articles, options=options)
    for name, fn in progress.bar(STAGES, quiet=options.quiet, desc="analyze", unit="stage"):
        t0 = time.perf_counter()
        try:
            fn(ctx)
        except ImportError as e:
            ctx.notes.append({"stage": name, "status": "unavailable", "detail": str(e)})
        except Exception as e:  # a failing stage must not take the others down
            ctx.notes.append({"stage": name, "status": "failed", "detail": f"{type(e).__name__}: {e}"})
            print(f"storytrace: stage {name} failed: {type(e).__name__}: {e}", file=sys.stderr)
            if not options.quiet:
                traceback.print_exc(file=sys.stderr)
        ctx.timings[name] = round(time.perf_counter() - t0, 3)
    return ctx


CONTRACT_KEYS = ("articles", "rejected", "sources", "events", "storylines", "derivations", "attributions",
                 "claims", "conflicts", "timeline", "novelty", "summary")


def assemble(ctx: Context, rejected: list[Rejection]) -> dict[str, Any]:
    """The analysis.json document: every contract key present, stage extras after them."""
    arts = [a.to_dict() for a in ctx.articles]
    doc: dict[str, Any] = {"version": 1, "articles": arts, "rejected": [r.to_dict() for r in rejected]}
    for k in CONTRACT_KEYS[2:]:
        doc[k] = ctx.out.get(k, [])
    for k in ("wire_origins", "undirected_reuse", "reuse_skipped"):
        doc[k] = ctx.out.get(k, [])
    doc["stage_notes"] = ctx.notes
    doc["timings"] = ctx.timings
    return doc


def analyze_store(store: Store, options: Options, rejected: list[Rejection] | None = None) -> dict[str, Any]:
    """Run every stage over all stored articles and save the result in the store."""
    articles = store.articles()
    ctx = run_stages(articles, options)
    if ctx.out.get("inferred_dates"):
        store.set_inferred_dates(ctx.out["inferred_dates"])
    doc = assemble(ctx, rejected if rejected is not None else store.rejections())
    store.save_analysis(doc)
    return doc
