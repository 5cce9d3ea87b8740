"""A tiny classifier trained once for all the interpretability tests."""

from typing import Tuple

import pytest
from allennlp.models.archival import Archive, load_archive

from helpers import tiny_overrides, train_config


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Tuple[str, Archive]:
    """`(path of model.tar.gz, its archive)` of rt_polarity_vanilla trained on the fixture."""
    serialization_dir = tmp_path_factory.mktemp("tiny_classifier")
    train_config("rt_polarity_vanilla", serialization_dir, tiny_overrides())
    path = str(serialization_dir / "model.tar.gz")
    return path, load_archive(path)
