"""The pipeline: ingest into the store, then run the analysis stages over the stored articles.

Stages are plain functions over the shared context (`Context`); each one is guarded, so a
stage that fails or is not installed is reported in `stage_notes` and the rest still run.
Stage order follows the data flow in docs/architecture.md: events and reuse first (corpus-wide),
then sources (which resolve origins over derivations), claims (which count independent support
over derivations and attributions), summary last.
"""
from __future__ import annotations

import functools
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypeVar

from storytrace import progress
from storytrace.ingest import DEFAULT_LIMITS, Limits, Record, fingerprint, read_records, to_article
from storytrace.model import Article, Rejection
from storytrace.store import AddResult, Seen, Store
from storytrace.store.cache import StageCache, code_version

T = TypeVar("T")

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
    # Results kept in the store between runs (None: compute everything, keep nothing).
    cache: StageCache | None = None
    # storyline id (None: articles in no storyline) -> its claims sections, for the summary.
    by_storyline: dict[str | None, dict[str, list]] = field(default_factory=dict)


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
    from storytrace.stories import EventIndex, cluster

    # A date an earlier run inferred is not evidence: events are placed from real dates only, so
    # a rerun (and an incremental run) sees what a first analysis of the same articles sees.
    for a in ctx.articles:
        if a.published_inferred:
            a.published, a.published_inferred = None, False
    # The optional meaning signal (--embeddings): headline embeddings blended into the pair
    # similarity of articles published within a week (stories/meaning.py). {} = lexical events.
    vecs = _meaning_vectors(ctx) if ctx.options.embeddings else {}
    if ctx.cache is None and ctx.options.engine != "spark":
        if vecs:
            from storytrace.stories.meaning import cluster_with_meaning

            res = cluster_with_meaning(ctx.articles, vectors=vecs)
        else:
            res = cluster(ctx.articles)
    else:
        from storytrace.stories.index import article_state

        # Per-article features (the costly part) come from the store; the pairs (block sparse
        # products) and the clustering over them are the batch algorithm, so the partition is
        # exactly `cluster(articles)`'s.
        feats = _per_article(ctx)("stories", code_version("stories"), ctx.articles, article_state)
        # What the stored blobs' entries are checked against; no cache here only with --engine spark
        # and a run from scratch (the local engine always has one in this branch).
        fps = {a.id: _fp(a) for a in ctx.articles} if ctx.cache is not None else {}
        known = _known_event_pairs(ctx, fps) if ctx.cache is not None else None
        if ctx.options.engine == "spark":  # the new articles' pairs in executors (date blocks), exact clustering here
            from storytrace.engines.spark_stages import clustered_index

            idx = clustered_index(feats, master=ctx.options.spark_master, meaning=vecs, known=known)
        else:
            idx = EventIndex()
            idx.add_meaning(vecs)
            idx.add_states(feats, known=known)
            idx.recluster()
        if ctx.cache is not None:
            _keep_event_pairs(ctx, idx, known, fps)
        # The last run's per-event evidence and event-pair cosines: lexical only (with --embeddings
        # an event's evidence also reads the headline vectors, which the memo does not track).
        memo = ctx.cache is not None and not vecs
        same = memo and _load_result_memo(ctx, idx, fps)
        res = idx.result()
        if memo and not same:
            _keep_result_memo(ctx, idx, fps)
    ctx.out["events"] = [e.to_dict() for e in res.events]
    ctx.out["storylines"] = [s.to_dict() for s in res.storylines]
    ctx.out["inferred_dates"] = dict(res.inferred_dates)
    # Later stages resolve relative times ("last month") against these dates.
    for a in ctx.articles:
        if not a.published and a.id in res.inferred_dates:
            a.published, a.published_inferred = res.inferred_dates[a.id], True


# What event clustering keeps between runs: the pair graph (stories/pairs.py `KnownPairs`) and the
# result memo (`EventIndex.result_memo`), two binary group results packed by stories/memo.py.
_PAIRS_STAGE = "stories_pairs"


def _pairs_key() -> str:
    return "graph:" + code_version("stories")


def _result_key() -> str:
    return "result:" + code_version("stories")


def _stored_blob(ctx: Context, key: str, what: str, read: Callable[[bytes], T]) -> T | None:
    """A stories blob of the last run, read by `read`; None when absent, or unreadable (said once:
    the run computes it afresh, with the same result)."""
    blob = ctx.cache.load_bytes(_PAIRS_STAGE, key)
    if blob is None:
        return None
    try:
        return read(blob)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        ctx.notes.append({"stage": "stories", "status": "recomputed",
                          "detail": f"the stored {what} could not be read ({e}): computed afresh"})
        return None


def _load_result_memo(ctx: Context, idx: Any, fps: dict[str, str]) -> bool:
    """Seed `idx.result()` with the stored memo; True when it was made from exactly these articles
    (same fingerprints): the new memo would be the same, and the stored one stays."""
    from storytrace.stories.memo import unpack

    def seed(blob: bytes) -> bool:
        head, arrays = unpack(blob)
        tags = head["tags"]
        idx.use_result_memo(head["memo"], arrays, lambda aid: fps.get(aid) == tags.get(aid))
        return tags == fps

    return bool(_stored_blob(ctx, _result_key(), "event evidence", seed))


def _keep_result_memo(ctx: Context, idx: Any, fps: dict[str, str]) -> None:
    from storytrace.stories.memo import pack

    got = idx.result_memo()
    if got is None:
        return
    head, arrays = got
    ctx.cache.add_bytes(_PAIRS_STAGE, _result_key(), pack({"memo": head, "tags": fps}, arrays))


def _known_event_pairs(ctx: Context, fps: dict[str, str]) -> Any:
    """The last run's event pairs among the articles whose features are unchanged (their
    fingerprint as stored with the pairs), or None: the new run computes only the others' pairs.
    This is what keeps an increment from recomputing millions of pairs of old articles."""
    from storytrace.stories.pairs import KnownPairs

    known = _stored_blob(ctx, _pairs_key(), "event pairs", KnownPairs.from_bytes)
    if known is None:
        return None
    return known.only(lambda aid, tag: fps.get(aid) == tag)


def _keep_event_pairs(ctx: Context, idx: Any, known: Any, fps: dict[str, str]) -> None:
    """Queue this run's pair graph for the commit, unless it is exactly the stored one."""
    reused = set() if known is None else {a for a in known.ids if a is not None}
    ctx.cache.count(_PAIRS_STAGE, len(reused), len(fps.keys() - reused))
    if known is not None and None not in known.ids and reused == fps.keys():
        return  # the same articles, the same pairs: the stored graph stays (its key is marked used)
    graph = idx.pair_graph()
    ctx.cache.add_bytes(_PAIRS_STAGE, _pairs_key(), graph.to_bytes([fps[a] for a in graph.ids]))


def _meaning_vectors(ctx: Context) -> dict[str, Any]:
    """{article id: headline vector} with the model, kept per article in the store (on the
    driver: the model is loaded once here); {} with a stage note when no model is installed."""
    from storytrace.stories import meaning

    emb = meaning.load()
    if emb is None:
        ctx.notes.append({"stage": "stories", "status": "degraded",
                          "detail": "--embeddings: no sentence-embedding model installed (extra 'models'); "
                                    "events use words and time only"})
        return {}
    if ctx.cache is None:
        return meaning.article_vectors(ctx.articles, emb)

    def one(a: Article) -> str | None:
        v = meaning.article_vector(a, emb)
        return None if v is None else meaning.to_text(v)

    texts = ctx.cache.per_article("stories_meaning", f"{meaning.SIGNATURE}:{code_version('stories')}",
                                  ctx.articles, one)
    return {k: meaning.from_text(t) for k, t in texts.items() if t}


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

    find = find_derivations
    if ctx.options.engine == "spark":  # candidates and alignment as Spark jobs, same result
        from functools import partial

        from storytrace.engines.spark_reuse import find_derivations as spark_find

        find = partial(spark_find, master=ctx.options.spark_master)

    # A rewrite can share no word 5-gram with its source: with the paraphrase model on, the
    # articles of one event are aligned too.
    extra = _same_event_pairs(ctx) if ctx.options.embeddings else None
    kw: dict[str, Any] = {}
    if ctx.cache is not None:
        # Pair results of earlier runs are reused where both articles and the code are unchanged
        # (re-checked against the grown corpus' furniture statistics): an incremental run aligns
        # only the pairs that involve new or changed articles (both engines).
        from storytrace.store.cache import ArticleBlobs, PairCache

        kw["pair_cache"] = PairCache(ctx.cache)
    if ctx.cache is not None and ctx.options.engine != "spark":
        # Each article's candidate inputs (signature, sampled 5-grams, rare-term vector) likewise.
        kw["prep_cache"] = ArticleBlobs(ctx.cache, "reuse_prep", code_version("reuse"))
    res = find(ctx.articles, paraphrase=ctx.options.embeddings, extra_pairs=extra, **kw)
    ctx.out["derivations"] = [d.to_dict() for d in res.derivations]
    ctx.out["undirected_reuse"] = [d.to_dict() for d in res.undirected]
    ctx.out["wire_origins"] = list(res.wire_origins)
    ctx.out["reuse_skipped"] = list(res.skipped)


def _sources(ctx: Context) -> None:
    from storytrace.sources import build_registry, extract_attributions, resolve_origins

    if ctx.cache is None and ctx.options.engine != "spark":
        atts = [a for art in ctx.articles for a in extract_attributions(art)]
    else:
        from storytrace.sources.model import Attribution

        cached = _per_article(ctx)("sources", code_version("sources"), ctx.articles,
                                       lambda art: [_attribution_dict(x) for x in extract_attributions(art)])
        # Rebuilt one article at a time, its plain-data copy dropped as it goes: at 37k articles
        # (572k attributions) holding both forms next to the registry's output cost ~1 GB.
        last = {art.id: i for i, art in enumerate(ctx.articles)}  # an id listed twice keeps its data to the end
        atts = []
        for i, art in enumerate(ctx.articles):
            atts += [_attribution(Attribution, d) for d in
                     (cached.pop(art.id, ()) if last[art.id] == i else cached.get(art.id, ()))]
        del cached, last
    reg = build_registry(ctx.articles, atts)
    # Outlets that articles cite get their in-corpus report (source.article_id) and `cites` edges.
    resolve_origins(reg, ctx.out.get("derivations", []))
    ctx.out["sources"] = [s.to_dict() for s in reg.sources]
    ctx.out["attributions"] = list(reg.attributions)
    ctx.out["derivations"] = ctx.out.get("derivations", []) + list(reg.cites)
    del reg, atts
    share_values([ctx.out["sources"], ctx.out["attributions"]])


def _per_article(ctx: Context) -> Callable[..., dict[str, Any]]:
    """`ctx.cache.per_article`; with --engine spark, the misses are computed in Spark executors
    (also when there is no cache)."""
    if ctx.options.engine != "spark":
        return ctx.cache.per_article
    from functools import partial

    from storytrace.engines.spark import per_article

    return partial(per_article, ctx.cache, master=ctx.options.spark_master)


def _attribution_dict(a: Any) -> dict[str, Any]:
    """An Attribution as plain data (its dataclass fields, affiliations as their own fields)."""
    from dataclasses import fields

    d = {f.name: getattr(a, f.name) for f in fields(a)}
    d["affiliations"] = [{f.name: getattr(x, f.name) for f in fields(x)} for x in a.affiliations]
    return d


def _attribution(cls: Any, d: dict[str, Any]) -> Any:
    """Rebuild an Attribution from `_attribution_dict` (spans back to tuples)."""
    from storytrace.sources.affiliation import Affiliation

    d = dict(d)
    for k in ("span", "source_span", "via_span"):
        if isinstance(d.get(k), list):
            d[k] = tuple(d[k])
    d["affiliations"] = [Affiliation(**{**x, "span": tuple(x["span"])}) for x in d.get("affiliations") or []]
    return cls(**d)


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


def _claims_inputs(ctx: Context) -> Iterator[tuple[str | None, list[Article], list[dict], list[dict], Any]]:
    """(storyline id, articles, derivations, attributions, sources) for each storyline: the full
    inputs of its claims sections, made one storyline at a time (at 37k articles all of them at
    once held ~0.5 GB of edge copies and keys next to the results)."""
    derivations = ctx.out.get("derivations", [])
    attributions = ctx.out.get("attributions", [])
    sources = {s["id"]: s for s in ctx.out.get("sources", [])}
    try:  # the registry's alias map, made once (the claims stage accepts it in place of the registry)
        from storytrace.claims.align import source_aliases

        aliases: dict[str, str] | None = source_aliases(list(sources.values()))
    except ImportError:
        aliases = None
    derivs_to: dict[str, list[dict]] = {}
    for d in derivations:
        derivs_to.setdefault(d["to"], []).append(d)
    atts_of: dict[str, list[dict]] = {}
    for x in attributions:
        atts_of.setdefault(x["article_id"], []).append(x)
    for storyline_id, arts in _storyline_groups(ctx):
        # Each storyline gets exactly the inputs that concern it: edges into its articles, their
        # attributions and the sources those name (in registry order). So its result depends on
        # nothing outside it, and a storyline that gained nothing is a cache hit.
        s_derivs = [_edge_for_claims(d) for a in arts for d in derivs_to.get(a.id, [])]
        s_atts = [x for a in arts for x in atts_of.get(a.id, [])]
        named = {x.get(k) for x in s_atts for k in ("source_id", "via_source_id")}
        if aliases is not None:
            # Only the aliases of the nodes this storyline's graph looks up (sources it names, edge
            # ends, and what they alias to): a source's display name or aliases growing elsewhere
            # in the corpus does not retire this storyline's result.
            todo = [*named, *(x for d in s_derivs for x in (d.get("from"), d.get("to")))]
            s_sources: Any = {}
            while todo:
                x = todo.pop()
                if x in aliases and x not in s_sources:
                    s_sources[x] = aliases[x]
                    todo.append(aliases[x])
        else:
            # Claims read a source's id, kind, name and in-corpus report only.
            s_sources = [{k: s.get(k) for k in _SOURCE_FIELDS} for sid, s in sources.items() if sid in named]
        yield storyline_id, arts, s_derivs, s_atts, s_sources


def _claims_key(arts: list[Article], s_derivs: list[dict], s_atts: list[dict], s_sources: Any) -> dict[str, Any]:
    """What a storyline's cached claims are keyed by (an article's id and fingerprint stand for it)."""
    return {"articles": [[a.id, _fp(a)] for a in arts], "derivations": s_derivs, "attributions": s_atts,
            "sources": s_sources}


def _claims(ctx: Context) -> None:
    """Claims per storyline: alignment, conflicts and the timeline belong to one story."""
    from storytrace.claims.stage import claims_sections

    version = code_version("claims")
    cache = ctx.cache
    results: Iterable[tuple[str | None, dict[str, list]]]
    if ctx.options.engine == "spark":  # the storylines without a stored result run in executors
        from storytrace.engines.spark_stages import claims_per_storyline

        groups = list(_claims_inputs(ctx))
        secs = claims_per_storyline(cache, version, [(*g[1:], _claims_key(*g[1:])) for g in groups],
                                    master=ctx.options.spark_master)
        results = zip((g[0] for g in groups), secs)
    elif cache is None:
        results = ((g[0], claims_sections(*g[1:])) for g in _claims_inputs(ctx))
    else:
        mentions = _stored_mentions(cache, version)
        results = ((g[0], cache.per_group("claims", version, _claims_key(*g[1:]),
                                          lambda g=g: claims_sections(*g[1:], mentions=mentions(g[1]))))
                   for g in _claims_inputs(ctx))
    out: dict[str, list] = {"claims": [], "conflicts": [], "timeline": [], "novelty": []}
    # Equal values are shared storyline by storyline (one memo for the stage), so each storyline's
    # duplicate strings are freed before the next is computed: shared once at the end, all of them
    # were alive together (the stage's peak at 37k articles).
    memo: tuple[dict, dict] = ({}, {})
    for storyline_id, sec in results:
        # Claim ids hash their first evidence span, so they stay unique across storylines.
        for t in sec["timeline"]:
            t["storyline_id"] = storyline_id
        share_values([sec[k] for k in out], memo)  # in place: ctx.by_storyline holds the same dicts
        ctx.by_storyline[storyline_id] = sec
        for k in out:
            out[k].extend(sec[k])
    del results, memo
    ctx.out.update(out)


def _stored_mentions(cache: StageCache, version: str) -> Callable[[list[Article]], list]:
    """articles -> their claim mentions in article order, each article's read from the store where an
    earlier run extracted them (stage `claims_mentions`, keyed like every per-article result).
    Asked for only by a storyline without a stored result: a storyline that a new article joined
    re-aligns its claims without extracting its old articles' again. Misses go through the same JSON
    form as hits, so a first run and a later one align identical mentions."""
    from storytrace.claims.extract import extract_claims, mentions_from_json, mentions_to_json

    def of(arts: list[Article]) -> list:
        kept = cache.per_article("claims_mentions", version, arts, lambda a: mentions_to_json(extract_claims(a)))
        return [m for a in arts for m in mentions_from_json(a, kept[a.id])]
    return of


# Strings up to this length are shared between equal values by `share_values` (ids, kinds, cue
# verbs, dates); longer ones (quotes, claim texts) are mostly unique and not worth a lookup.
SHARE_MAX_LEN = 40


def share_values(items: Any, memo: tuple[dict, dict] | None = None) -> None:
    """Make equal short strings and equal ints inside `items` (nested dicts and lists) one object,
    in place. The stage results are rebuilt from JSON (the stage cache's round trip), which makes a
    new string for every occurrence: at 37k articles the 572k attributions and 683k claims repeat
    the same article ids, source ids, kinds and dates millions of times (~20% of their memory).
    Values are only replaced by equal values of the same type, so the JSON is unchanged.
    `memo`: (strings, ints) seen so far, to share across several calls."""
    strs, ints = memo if memo is not None else ({}, {})
    stack = [items]
    while stack:
        x = stack.pop()
        kv = x.items() if isinstance(x, dict) else enumerate(x)
        for k, v in kv:
            t = type(v)
            if t is str:
                if len(v) <= SHARE_MAX_LEN:
                    x[k] = strs.setdefault(v, v)
            elif t is int:  # exact type: never a bool, so True and 1 are never swapped
                x[k] = ints.setdefault(v, v)
            elif t is dict or t is list:
                stack.append(v)


_SOURCE_FIELDS = ("id", "name", "kind", "article_id")
# What claims and summaries read of a derivation edge: its ends, its kind and its aligned passages.
# Its score and evidence lines carry corpus-wide statistics (rare-term cosines) that move a little
# with every article added; handing them on would make every storyline's result depend on the
# whole corpus. Extend this tuple if those stages start reading another field.
_EDGE_FIELDS = ("from", "to", "kind", "passages")


def _edge_for_claims(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in _EDGE_FIELDS if k in d}


def _fp(a: Article) -> str:
    from storytrace.store.cache import article_fingerprint

    return article_fingerprint(a)


def _summary(ctx: Context) -> None:
    from storytrace.summary import summarize

    # One storyline at a time, from a document holding only what concerns it (its articles,
    # events, the edges among them, its claims): a summary never reads another storyline, so a
    # storyline that gained nothing is a cache hit.
    by_id = {a.id: a for a in ctx.articles}
    pos = {a.id: i for i, a in enumerate(ctx.articles)}
    events = {e["id"]: e for e in ctx.out.get("events", [])}
    order = {e["id"]: i for i, e in enumerate(ctx.out.get("events", []))}
    derivs_of: dict[str, list[dict]] = {}
    for d in ctx.out.get("derivations", []):
        derivs_of.setdefault(d["to"], []).append(d)
    version = code_version("summary", "report")
    out = []
    for sl in ctx.out.get("storylines", []):
        # Events in document order and articles in corpus order, as the whole document has them
        # (ties in time keep the corpus order).
        evs = sorted((events[e] for e in sl.get("event_ids", []) if e in events), key=lambda e: order[e["id"]])
        aids = list(dict.fromkeys(i for e in evs for i in e.get("article_ids", []) if i in by_id))
        if not aids:
            continue
        aset = set(aids)
        sec = ctx.by_storyline.get(sl["id"], {})
        arts = [by_id[i] for i in sorted(aids, key=pos.__getitem__)]
        sub = {"events": evs, "storylines": [sl],
               "derivations": [_edge_for_claims(d) for i in aids for d in derivs_of.get(i, []) if d["from"] in aset],
               "claims": sec.get("claims", []), "novelty": sec.get("novelty", [])}

        def compute(arts=arts, sub=sub) -> list[dict]:
            return summarize({"articles": [a.to_dict() for a in arts], **sub})

        if ctx.cache is None:
            res = compute()
        else:  # an article's id and fingerprint stand for its text and fields in the key
            res = ctx.cache.per_group("summary", version, {"articles": [[a.id, _fp(a)] for a in arts], **sub},
                                      compute)
        out.extend(res)
    ctx.out["summary"] = out


def release_memory() -> None:
    """Hand memory a stage freed back to the OS: empty the per-word memos (`text.word_cache`: a
    stage's vocabulary, recounted if a later stage asks), collect reference cycles, then ask glibc
    to return the free pages of its heap (`malloc_trim`). Without the trim, what a stage held at
    its peak (pair arrays, per-article features) stays resident to the end of the run: the process
    size only ever grows. No-op where glibc is not the allocator."""
    import gc

    from storytrace.text import clear_word_caches

    clear_word_caches()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once; None where glibc is not the C library."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _then_release(fn: Callable[[Context], None]) -> Callable[[Context], None]:
    """The stage `fn`, then `release_memory()` (also when it raises): each stage starts from what
    the analysis really holds, not from the previous stage's high-water mark."""
    @functools.wraps(fn)
    def stage(ctx: Context) -> None:
        try:
            fn(ctx)
        finally:
            release_memory()

    return stage


STAGES: list[tuple[str, Callable[[Context], None]]] = [
    (name, _then_release(fn)) for name, fn in
    [("stories", _stories), ("reuse", _reuse), ("sources", _sources), ("claims", _claims), ("summary", _summary)]
]


def run_stages(articles: list[Article], options: Options, cache: StageCache | None = None) -> Context:
    """Every stage over `articles`. With a `cache`, per-article and per-storyline results come
    from the store where their inputs are unchanged (the result is the same either way)."""
    ctx = Context(articles=articles, options=options, cache=cache)
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
    if ctx.cache is not None:
        # How much an incremental run reused: results read from the store vs computed.
        doc["cached_results"] = ctx.cache.stats
    return doc


def analyze_store(store: Store, options: Options, rejected: list[Rejection] | None = None, *,
                  incremental: bool = True) -> dict[str, Any]:
    """Run every stage over all stored articles and save the result in the store.

    Incremental by default: per-article results (event features, attributions) and per-storyline
    results (claims, summary) computed by an earlier run are reused where their inputs did not
    change, so adding 100 articles recomputes those for about 100 articles and the storylines
    they join. The result equals a run from scratch (`incremental=False`, which also keeps no
    results). The analysis, inferred dates and new results are committed in one transaction."""
    articles = store.articles()
    cache = StageCache(store) if incremental else None
    ctx = run_stages(articles, options, cache)
    if options.engine == "spark":  # a Spark job that failed midway: keep the stored analysis as it was
        from storytrace.engines.spark import raise_if_failed

        raise_if_failed(ctx.notes)
    doc = assemble(ctx, rejected if rejected is not None else store.rejections())
    store.commit_analysis(doc, inferred_dates=ctx.out.get("inferred_dates") if "inferred_dates" in ctx.out else None,
                          cache=cache)
    return doc
