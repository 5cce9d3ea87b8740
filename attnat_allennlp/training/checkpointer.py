import logging
import os
import time
from typing import Any, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.nn import util as nn_util
from allennlp.training.checkpointer import Checkpointer
from allennlp.training.trainer import Trainer, TrainerCheckpoint

logger = logging.getLogger(__name__)


def save_atomically(state: Any, path: str) -> None:
    """
    `torch.save(state, path)` under a temporary name in the same folder (`.<name>.partial`), then
    renamed: a full disk or a kill while writing leaves no truncated file under `path`.
    """
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.partial")
    try:
        torch.save(state, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


@Checkpointer.register("attnat")
class AtomicCheckpointer(Checkpointer):
    """
    allennlp's checkpointer (the same parameters and files, `model_state_e*_b*.th` and
    `training_state_e*_b*.th`), made safe against a full disk or a kill while it writes: each file
    is written under a temporary name and renamed when complete (`save_atomically`), the training
    state before the model state (which is what marks a checkpoint as there), and older
    checkpoints are removed only after the new one is complete. On `--recover`, a checkpoint that
    does not read (truncated by an older version, or damaged) is named in a warning and the
    previous one is loaded; when none reads, the error names the broken files. Every config of
    `training_config/` selects it (`trainer.checkpointer.type: "attnat"`).

    Registered as a `Checkpointer` with name "attnat".
    """

    def save_checkpoint(self, trainer: Trainer) -> None:
        if self._serialization_dir is None:
            return
        state = trainer.get_checkpoint_state()
        if state is None:
            # A non-primary node in distributed training with a regular, non-sharded model.
            assert not self._is_primary and not self.state_is_sharded
            return
        point = (
            state.trainer_state["epochs_completed"],
            state.trainer_state["batches_in_epoch_completed"],
        )
        training_state_path = self._training_state_path(*point)
        model_state_path = self._model_state_path(*point)
        if not os.path.isfile(model_state_path):
            save_atomically(state.trainer_state, training_state_path)
            save_atomically(state.model_state, model_state_path)
        self._last_save_time = time.time()
        self._last_save_num_epochs_completed = point[0]
        self._last_save_num_batches_in_epoch_completed = point[1]
        self._remove_old_checkpoints()

    def _remove_old_checkpoints(self) -> None:
        """allennlp's pruning: keep the newest `keep_most_recent_by_count`, and those by age."""
        if not self._is_primary or (
            self._keep_most_recent_by_age is None and self._keep_most_recent_by_count is None
        ):
            return
        checkpoints = sorted(self._find_all_checkpoints(), reverse=True)
        keep = set(checkpoints[: self._keep_most_recent_by_count or 0])
        if self._keep_most_recent_by_age is not None:
            now = time.time()
            for checkpoint in checkpoints:
                paths = [
                    self._model_state_path(*checkpoint),
                    self._training_state_path(*checkpoint),
                ]
                newest = max(os.path.getmtime(p) for p in paths if os.path.exists(p))
                if now - newest <= self._keep_most_recent_by_age:
                    keep.add(checkpoint)
        for checkpoint in checkpoints:
            if checkpoint not in keep:
                self._remove_checkpoint(*checkpoint)

    def load_checkpoint(self) -> Optional[TrainerCheckpoint]:
        broken = []  # "path (error)" of each checkpoint file that does not read
        for checkpoint in sorted(self._find_all_checkpoints(), reverse=True):
            paths = (self._model_state_path(*checkpoint), self._training_state_path(*checkpoint))
            states = []
            for path in paths:
                try:
                    states.append(torch.load(path, map_location=nn_util.device_mapping(-1)))
                except Exception as error:  # truncated, missing or damaged
                    broken.append(f"{path} ({type(error).__name__}: {error})")
                    logger.warning(
                        "the checkpoint file %s does not read (%s: %s): recovering from the "
                        "checkpoint before it, if there is one",
                        path,
                        type(error).__name__,
                        error,
                    )
                    break
            if len(states) == len(paths):
                if broken:
                    logger.warning("recovering from the checkpoint %s", paths[0])
                return TrainerCheckpoint(*states)
        if broken:
            raise ConfigurationError(
                f"cannot recover the run in {self._serialization_dir}: no checkpoint reads: "
                + "; ".join(broken)
                + ". Remove the broken files to train again from the first epoch with --recover, "
                "or train in a new folder"
            )
        return None
