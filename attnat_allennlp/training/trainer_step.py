"""
The one place that reads allennlp's trainer from the outside: what the `adversarial_training`
callback needs to know about the trainer at a batch.
"""

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ContextManager, Optional

import torch

from attnat_allennlp.models.base import AttentionModel

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer


@dataclass
class TrainerStep:
    """
    The trainer as the `adversarial_training` callback sees it at one batch: the model, how the
    trainer scales the loss of this batch (the size of its gradient-accumulation group and its AMP
    `GradScaler`), and whether it runs under autocast.

    `from_trainer` reads these from allennlp 2.10.1's `GradientDescentTrainer`, which keeps most of
    them in private attributes (`_num_gradient_accumulation_steps`, `_batches_in_epoch_completed`,
    `_scaler`, `_use_amp`): it is the only code of this package that touches them, the place to
    change when allennlp does. The bench and the tests build a `TrainerStep` directly.

    # Parameters

    model : `AttentionModel`
    accumulation_group_size : `int`, optional (default = `1`)
        The number of batches in the current gradient-accumulation group: the trainer divides each
        batch's loss by it, and so must every loss added to it.
    grad_scaler : `Optional[torch.cuda.amp.GradScaler]`, optional (default = `None`)
        The trainer's loss scaler under mixed precision.
    use_amp : `bool`, optional (default = `False`)
        Whether the trainer runs the forward pass under CUDA autocast.
    """

    model: AttentionModel
    accumulation_group_size: int = 1
    grad_scaler: Optional[Any] = None
    use_amp: bool = False

    @classmethod
    def from_trainer(cls, trainer: "GradientDescentTrainer") -> "TrainerStep":
        """The step that `trainer` is at, read from its (private) state."""
        steps = trainer._num_gradient_accumulation_steps
        group = 1
        if steps > 1:
            try:
                num_batches = len(trainer.data_loader)
            except TypeError:  # a loader without a length: the trainer divides by `steps`
                group = steps
            else:
                start = trainer._batches_in_epoch_completed * steps
                group = max(1, min(steps, num_batches - start))
        return cls(
            model=trainer.model,
            accumulation_group_size=group,
            grad_scaler=getattr(trainer, "_scaler", None),
            use_amp=bool(getattr(trainer, "_use_amp", False)),
        )

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        """`loss` as the trainer would backpropagate it: divided by the accumulation group, AMP-scaled."""
        loss = loss / self.accumulation_group_size
        return self.grad_scaler.scale(loss) if self.grad_scaler is not None else loss

    def autocast(self) -> ContextManager:
        """The trainer's autocast context for the extra forward passes."""
        return torch.autocast("cuda") if self.use_amp else contextlib.nullcontext()
