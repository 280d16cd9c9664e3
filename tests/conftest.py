import os
from pathlib import Path

import pytest


def missing_optional(reason: str) -> None:
    """An optional extra (a model, a browser) is absent. The README's test command installs every extra,
    so this is a broken install: fail, never skip (a skip would let a broken install pass)."""
    pytest.fail(f"the test command installs every extra, yet: {reason}")

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("STORYTRACE_CORPORA", REPO.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.fail(f"corpora not found at {CORPORA}; set STORYTRACE_CORPORA")
    return CORPORA


@pytest.fixture(scope="session")
def seeds(corpora) -> Path:
    return corpora / "seeds"


@pytest.fixture(scope="session")
def basil_quotes(corpora):
    """BASIL articles by id (as Articles) and its quotes with a named speaker (generic "other ..." dropped)."""
    import json

    from storytrace.model import Article
    arts = {}
    for line in open(corpora / "basil" / "articles.jsonl", encoding="utf-8"):
        d = json.loads(line)
        arts[d["id"]] = Article(text=d["text"], external_id=d["id"])
    quotes = [json.loads(line) for line in open(corpora / "basil" / "quotes.jsonl", encoding="utf-8")]
    return arts, [q for q in quotes if not q["speaker"].lower().startswith("other ")]


@pytest.fixture(scope="session")
def basil_attributions(basil_quotes):
    """Attributions of every BASIL article by id (extracted once per test session)."""
    from storytrace.sources import extract_attributions
    arts, _ = basil_quotes
    return {k: extract_attributions(a) for k, a in arts.items()}


def basil_article(basil_quotes, suffix: str):
    """(id, Article) of the one BASIL article whose id ends with `suffix`."""
    arts, _ = basil_quotes
    [k] = [k for k in arts if k.endswith(suffix)]
    return k, arts[k]


def covering(atts, art, key: str, phrase: str) -> list:
    """The attributions of article `key` whose span covers the start of `phrase` (at least one)."""
    i = art.text.index(phrase)
    found = [a for a in atts[key] if a.span[0] <= i < a.span[1]]
    assert found, f"no attribution covers {phrase!r}"
    return found


def allsides_sample(corpora, n: int, seed: int = 0) -> list:
    """A reproducible sample of `n` allsides articles from the first 4n of its first shard (about
    one in eight has no date), in sample order."""
    import gzip
    import json
    import random

    from storytrace.dates import parse_published
    from storytrace.model import Article
    rows = []
    with gzip.open(corpora / "allsides" / "articles-00.jsonl.gz", "rt", encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            if k >= 4 * n:
                break
            rows.append(line)
    out = []
    for line in random.Random(seed).sample(rows, n):
        r = json.loads(line)
        out.append(Article(text=r.get("text") or "", title=r.get("title"), outlet=r.get("outlet"),
                           published=parse_published(r.get("published")), external_id=r.get("id")))
    return out


@pytest.fixture(scope="session")
def embedder():
    """The optional sentence-embedding model (MiniLM, offline); a missing one fails the test."""
    from storytrace.reuse.embed import load_embedder
    e = load_embedder()
    if e is None:
        missing_optional("sentence-embedding model not installed (storytrace[models])")
    return e
