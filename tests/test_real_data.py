"""Real-data checks on ../shared/data (marked slow: minutes each; `make test-all` runs them)."""

import json

import pytest

from helpers import SHARED_DATA, train_config

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SHARED_DATA / "rt-polarity").exists(), reason="needs ../shared/data"),
]


def test_vanilla_classifier_reaches_the_reference_accuracy_on_rt_polarity(tmp_path):
    # A plain BiLSTM with tanh attention and GloVe 50d reached 0.79 in a quick run; the issue asks 0.77.
    train_config("rt_polarity_vanilla", tmp_path, {"trainer.num_epochs": 4})
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.77
