"""`attention-eps-sweep` killed mid-run goes on where it stopped when it is run again."""

import json
import logging
import os

import pytest
from allennlp.training.callbacks import TrainerCallback

from attnat_allennlp.study.sweep import run_sweep
from helpers import FIXTURE_DATA

TRAIN = str(FIXTURE_DATA / "bad" / "train.jsonl")
KILL = {"at_epoch": None}
EPOCHS_RUN = []


@TrainerCallback.register("test_interrupt_once")
class InterruptOnce(TrainerCallback):
    """Interrupts training (as Ctrl-C or a kill does) at the end of `KILL["at_epoch"]`, once."""

    def on_epoch(self, trainer, metrics, epoch, is_primary=True, **kwargs):
        EPOCHS_RUN.append(epoch)
        if KILL["at_epoch"] == epoch:
            KILL["at_epoch"] = None
            raise KeyboardInterrupt


@pytest.fixture
def sweep_log():
    """The messages of the sweep's logger (allennlp's train_model resets the root logger's handlers)."""
    messages = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("attnat_allennlp.study.sweep")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield messages
    logger.removeHandler(handler)
    logger.setLevel(level)


def overrides():
    return {
        "train_data_path": TRAIN,
        "validation_data_path": TRAIN,
        "test_data_path": TRAIN,
        "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
        "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
        "model.seq2vec_encoder.encoder.input_size": 8,
        "trainer.num_epochs": 3,
        "trainer.callbacks": [
            {"type": "test_interrupt_once"},
            {"type": "adversarial_training", "perturbations": [{"type": "attention_iat"}]},
        ],
    }


def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path, sweep_log):
    config = "training_config/rt_polarity_attention_iat.jsonnet"
    KILL["at_epoch"] = 1
    EPOCHS_RUN.clear()
    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            config, ["attention_iat"], [0.5, 2.0], str(tmp_path), overrides(), agreement=False
        )
    run_dir = tmp_path / "attention_iat" / "eps_0.5"
    assert not (run_dir / "metrics.json").exists()
    assert EPOCHS_RUN == [0, 1]
    EPOCHS_RUN.clear()
    rows = run_sweep(
        config, ["attention_iat"], [0.5, 2.0], str(tmp_path), overrides(), agreement=False
    )
    assert any(
        m.startswith("Resuming the interrupted run attention_iat (eps_0.5)") for m in sweep_log
    )
    # eps 0.5 goes on from its checkpoint after epoch 0 (epochs 1, 2), eps 2 trains all three.
    assert EPOCHS_RUN == [1, 2, 0, 1, 2]
    assert [(r["technique"], r["eps"]) for r in rows] == [
        ("attention_iat", 0.5),
        ("attention_iat", 2.0),
    ]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epoch"] == 2 and "test_accuracy" in metrics
    assert (run_dir / "model.tar.gz").exists()
    # A third run trains nothing.
    EPOCHS_RUN.clear()
    assert (
        run_sweep(
            config, ["attention_iat"], [0.5, 2.0], str(tmp_path), overrides(), agreement=False
        )
        == rows
    )
    assert EPOCHS_RUN == []


def test_a_folder_that_cannot_be_resumed_is_moved_aside_not_deleted(tmp_path, sweep_log):
    config = "training_config/rt_polarity_attention_iat.jsonnet"
    run_dir = tmp_path / "attention_iat" / "eps_1"
    run_dir.mkdir(parents=True)
    (run_dir / "out.log").write_text("killed before the config was written\n")
    KILL["at_epoch"] = None
    rows = run_sweep(config, ["attention_iat"], [1.0], str(tmp_path), overrides(), agreement=False)
    assert any("cannot be resumed (it has no config.json)" in m for m in sweep_log)
    assert (tmp_path / "attention_iat" / "eps_1.interrupted-1" / "out.log").exists()
    assert rows[0]["eps"] == 1.0 and (run_dir / "model.tar.gz").exists()


def _sweep_args(tmp_path, *eps):
    import argparse

    from attnat_allennlp.commands.attention_eps_sweep import EpsSweepCommand

    parser = argparse.ArgumentParser()
    EpsSweepCommand().add_subparser(parser.add_subparsers())
    return parser.parse_args(
        ["attention-eps-sweep", "rt_polarity", "--techniques", "attention_at", "--eps", *eps]
        + ["-s", str(tmp_path / "sweep")]
    )


@pytest.mark.parametrize("eps", ["nan", "inf", "1e30", "-1"])
def test_a_non_finite_or_absurd_eps_is_refused_before_anything_trains(tmp_path, eps):
    from allennlp.common.checks import ConfigurationError

    args = _sweep_args(tmp_path, "1", eps)
    with pytest.raises(
        ConfigurationError, match=r"--eps must be a finite number between 0 and 1e\+06"
    ):
        args.func(args)
    assert not (tmp_path / "sweep").exists()


def test_repeated_eps_values_are_trained_once(tmp_path, monkeypatch, caplog):
    from attnat_allennlp.commands import attention_eps_sweep as commands

    trained = []

    def fake_sweep(config, techniques, eps_values, *args, **kwargs):
        trained.extend(eps_values)
        raise RuntimeError("stop here")

    monkeypatch.setattr(commands, "run_sweep", fake_sweep)
    args = _sweep_args(tmp_path, "1", "1", "2")
    with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="stop here"):
        args.func(args)
    assert trained == [1.0, 2.0]
    assert "--eps 1 1 2: repeated values are trained once: 1 2" in caplog.text


def test_a_failed_run_does_not_stop_the_sweep_and_the_rows_keep_the_eps_order(
    tmp_path, monkeypatch
):
    """The sweep is run by the study's scheduler: its failure handling and one CSV writer."""
    from attnat_allennlp.interpret.csv_rows import read_rows
    from attnat_allennlp.study import sweep
    from attnat_allennlp.study.configs import technique_perturbation
    from attnat_allennlp.study.scheduler import StudyError

    def fake_training(config, run_dir, name=""):
        if run_dir.endswith("eps_2"):
            raise RuntimeError("diverged")
        os.makedirs(run_dir)
        eps = technique_perturbation(config, "attention_iat")["eps"] if "eps_" in run_dir else 0
        with open(os.path.join(run_dir, "metrics.json"), "w") as handle:
            json.dump({"test_accuracy": 0.5, "test_eps": eps, "training_loss": 1.0}, handle)

    monkeypatch.setattr(sweep, "train_or_resume", fake_training)
    plain = {k: v for k, v in overrides().items() if k != "trainer.callbacks"}
    csv_path = str(tmp_path / "sweep.csv")
    with pytest.raises(
        StudyError, match=r"1 run\(s\) of the sweep failed .*attention_iat eps 2.0: RuntimeError"
    ):
        run_sweep(
            "rt_polarity",
            ["vanilla", "attention_iat"],
            [5.0, 2.0, 0.5],
            str(tmp_path),
            plain,
            agreement=False,
            csv_path=csv_path,
        )
    rows = read_rows(csv_path)
    # the order of --eps, not sorted; the eps reached the technique's perturbation
    assert [(r["technique"], r["eps"], r["test_eps"]) for r in rows] == [
        ("vanilla", None, 0),
        ("attention_iat", 5.0, 5.0),
        ("attention_iat", 0.5, 0.5),
    ]
    assert list(rows[0]) == ["technique", "eps", "serialization_dir", "test_accuracy", "test_eps"]
