import os
from pathlib import Path

import pytest


def missing_optional(reason: str) -> None:
    """An optional extra (a model, a browser) is absent: skip on a developer's machine, but fail in CI,
    whose .ci/run installs every extra, so a broken install can never pass as a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI installs every extra, yet: {reason}")
    pytest.skip(reason)

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
