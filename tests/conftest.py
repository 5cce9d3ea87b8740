import logging
from pathlib import Path

import pytest

import attnat_allennlp  # noqa: F401  (registers every component)

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
CONFIGS = REPO_ROOT / "training_config"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _quiet_allennlp_logs():
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    yield


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    """Configs name data relative to the repository root, as users run them."""
    monkeypatch.chdir(REPO_ROOT)
