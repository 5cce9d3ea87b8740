"""A training run's console: progress, per-epoch metrics, warnings; listings and dumps in out.log."""

import logging

from helpers import fixture_overrides, train_config


def test_listings_and_batch_dumps_go_to_the_log_file_only(tmp_path, capsys):
    logging.getLogger("allennlp").setLevel(logging.INFO)  # as `allennlp train` has it
    try:
        train_config("rt_polarity_attention_iat", tmp_path, fixture_overrides("rt_polarity"))
    finally:
        logging.getLogger("allennlp").setLevel(logging.WARNING)
    console = capsys.readouterr().out
    log = (tmp_path / "out.log").read_text()
    for only_in_the_file in (
        "allennlp.common.params - model.type = attnat_classifier",
        "Batch inputs",
        "tensor([[",
        "The following parameters are Tunable",
        "allennlp.nn.initializers",
    ):
        assert only_in_the_file in log
        assert only_in_the_file not in console
    for on_both in ("Training |  Validation", "attention_iat_loss |", "WARNING", "Metrics: {"):
        assert on_both in console and on_both in log
    assert len(console.splitlines()) < len(log.splitlines()) / 3
