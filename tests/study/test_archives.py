"""
Archives are written atomically, and a study resumed after a kill between `metrics.json` and a
complete `model.tar.gz` trains that run again, saying so, instead of failing it on every resume.
"""

import json
import logging
import os

import pytest
from allennlp.models import archival

from attnat_allennlp.study import runner
from attnat_allennlp.study.scheduler import run_study
from attnat_allennlp.study.spec import parse_study
from attnat_allennlp.training.train_loop import archive_atomically, archive_problem
from tests.helpers import FIXTURE_DATA

TRAIN = str(FIXTURE_DATA / "bad" / "train.jsonl")


def test_an_archive_killed_while_written_leaves_no_model_tar_gz(tmp_path, monkeypatch):
    def killed(serialization_dir, weights, archive_path, include_in_archive):
        with open(archive_path, "wb") as handle:
            handle.write(b"\x1f\x8b half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(archival, "archive_model", killed)
    (tmp_path / "model.tar.gz").write_bytes(b"the previous archive")
    with pytest.raises(KeyboardInterrupt):
        archive_atomically(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["model.tar.gz"]
    assert (tmp_path / "model.tar.gz").read_bytes() == b"the previous archive"


def test_allennlp_train_archives_atomically():
    from allennlp.commands import train

    assert train.archive_model is archive_atomically


def test_a_study_retrains_a_run_whose_archive_does_not_read(tmp_path, monkeypatch):
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logging.getLogger(runner.__name__).addHandler(handler)
    monkeypatch.setattr(
        runner, "measure", lambda directory, config, run, options: {"accuracy": 0.5}
    )
    dataset = {
        "name": "tiny",
        "config": "rt_polarity",
        "overrides": {
            **{k: TRAIN for k in ("train_data_path", "validation_data_path", "test_data_path")},
            "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
            "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
            "model.seq2vec_encoder.encoder.input_size": 8,
        },
    }
    study = parse_study(
        {"datasets": [dataset], "techniques": ["vanilla"], "seeds": [1], "epochs": 1}
    )
    # The run was killed after its metrics.json, while its archive was written.
    run_dir = tmp_path / "runs" / "tiny" / "vanilla" / "eps_config" / "seed_1"
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps({"best_validation_auc": 0.5}))
    (run_dir / "model.tar.gz").write_bytes(b"\x1f\x8b\x08\x00 truncated")
    try:
        rows = run_study(study, str(tmp_path), progress=False)
    finally:
        logging.getLogger(runner.__name__).removeHandler(handler)
    assert len(rows) == 1 and rows[0]["measured"]
    assert archive_problem(str(run_dir / "model.tar.gz")) is None
    assert any(
        "has a metrics.json, but its model.tar.gz does not read" in m and "training it again" in m
        for m in messages
    ), messages
