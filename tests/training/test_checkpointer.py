"""
Checkpoints are written atomically, and `--recover` survives a truncated one: it names the file
and recovers from the checkpoint before it (`attnat_allennlp/training/checkpointer.py`).
"""

import errno
import logging
import os

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.training.trainer import TrainerCheckpoint

from attnat_allennlp.training import checkpointer as module
from attnat_allennlp.training.checkpointer import AtomicCheckpointer
from helpers import load_config


class FakeTrainer:
    def __init__(self, epoch):
        self.epoch = epoch

    def get_checkpoint_state(self):
        return TrainerCheckpoint(
            {"weight": torch.full((3,), float(self.epoch))},
            {"epochs_completed": self.epoch, "batches_in_epoch_completed": 0},
        )


def test_every_config_uses_the_atomic_checkpointer():
    config = load_config("rt_polarity_attention_iat")
    assert config["trainer"]["checkpointer"]["type"] == "attnat"


def test_a_full_disk_while_saving_leaves_the_previous_checkpoint_and_no_truncated_file(
    tmp_path, monkeypatch
):
    checkpointer = AtomicCheckpointer(str(tmp_path), keep_most_recent_by_count=1)
    checkpointer.save_checkpoint(FakeTrainer(1))
    real_save = torch.save

    def disk_full(state, path):
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04 the first bytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module.torch, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        checkpointer.save_checkpoint(FakeTrainer(2))
    monkeypatch.setattr(module.torch, "save", real_save)
    assert sorted(os.listdir(tmp_path)) == ["model_state_e1_b0.th", "training_state_e1_b0.th"]
    assert checkpointer.load_checkpoint().trainer_state["epochs_completed"] == 1


def test_recover_names_a_truncated_checkpoint_and_falls_back(tmp_path, caplog):
    checkpointer = AtomicCheckpointer(str(tmp_path), keep_most_recent_by_count=None)
    checkpointer.save_checkpoint(FakeTrainer(1))
    checkpointer.save_checkpoint(FakeTrainer(2))
    # Epoch 2's training state truncated, as a full disk left it with allennlp's checkpointer.
    broken = tmp_path / "training_state_e2_b0.th"
    broken.write_bytes(broken.read_bytes()[:20])
    with caplog.at_level(logging.WARNING):
        state = checkpointer.load_checkpoint()
    assert state.trainer_state["epochs_completed"] == 1
    assert f"the checkpoint file {broken} does not read" in caplog.text
    # Nothing to fall back to: the error names the file.
    os.remove(tmp_path / "model_state_e1_b0.th")
    with pytest.raises(
        ConfigurationError,
        match=rf"cannot recover the run in {tmp_path}: no checkpoint reads: {broken} \(",
    ):
        checkpointer.load_checkpoint()
