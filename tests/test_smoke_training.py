import json

import pytest

from helpers import fixture_overrides, train_config


@pytest.mark.parametrize(
    "config,dataset", [("rt_polarity_vanilla", "rt_polarity"), ("vitaminc_vanilla", "vitaminc")]
)
def test_vanilla_config_trains_one_epoch(tmp_path, config, dataset):
    train_config(config, tmp_path, fixture_overrides(dataset))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epoch"] == 0
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert (tmp_path / "model.tar.gz").exists()
