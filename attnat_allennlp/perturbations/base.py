from typing import Optional

import torch
from allennlp.common import Registrable

from attnat_allennlp.models.base import AttentionModel, AttentionState


class Perturbation(Registrable):
    """
    One training technique of Kitada & Iyatomi (or a baseline): builds a perturbation of the
    attention scores or the word embeddings for a batch and returns the extra loss it gives.
    The `AdversarialTrainingCallback` adds `weight * loss(model, state)` to the clean loss.

    A perturbation is computed per example, masked to the real tokens (padding gets exactly 0),
    and detached once built. Subclasses live in this package, one small file each.

    # Parameters

    eps : `float`
        The L2 norm of the perturbation of one example.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    """

    # True for techniques that need gold labels (RP, AT, iAT); the VAT family sets it to False
    # and can then also learn from batches of unlabeled text.
    requires_labels: bool = True

    def __init__(self, eps: float, weight: float = 1.0) -> None:
        self.eps = eps
        self.weight = weight

    def loss(
        self,
        model: AttentionModel,
        state: AttentionState,
        clean_logits: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """
        The extra loss (not yet multiplied by `weight`), a scalar that is differentiable with respect
        to the model's parameters. `clean_logits` are the logits of the unperturbed pass when the
        caller has them (the model's output dict), so that they need not be recomputed.
        """
        raise NotImplementedError
