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
