import os
from pathlib import Path

import pytest

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
