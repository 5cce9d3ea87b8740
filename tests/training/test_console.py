"""A training run's console: progress, per-epoch metrics, warnings; listings and dumps in out.log."""

import logging

from helpers import fixture_overrides, train_config

_LOGGERS = (
    "allennlp",
    "allennlp.common.params",
    "allennlp.common.util",
    "allennlp.nn.initializers",
    "allennlp.training.callbacks.console_logger",
    "allennlp.training.gradient_descent_trainer",
)


def test_listings_and_batch_dumps_go_to_the_log_file_only(tmp_path, capsys):
    # INFO on allennlp's loggers, as `allennlp train` has it (other tests may have changed them)
    saved = {
        name: (logging.getLogger(name).level, logging.getLogger(name).disabled) for name in _LOGGERS
    }
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if name == "allennlp" else logging.NOTSET)
        logging.getLogger(name).disabled = False
    try:
        train_config("rt_polarity_attention_iat", tmp_path, fixture_overrides("rt_polarity"))
    finally:
        for name, (level, disabled) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled
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
