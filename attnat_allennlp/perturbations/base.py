from dataclasses import replace
from typing import Dict, Optional

import torch
from allennlp.common import Registrable

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.util import Fields, Masks


class Perturbation(Registrable):
    """
    One training technique of Kitada & Iyatomi (or a baseline): builds a perturbation of the
    attention scores or the word embeddings for a batch and returns the extra loss it gives.
    The `adversarial_training` callback adds `weight * loss(model, state, ...)` to the clean loss.

    A perturbation is computed per example, masked to the real tokens (padding gets exactly 0),
    and detached once built. It is a dict of tensors: `{"scores": r}` `(batch, seq_len)` for the
    attention-level techniques (`target = "scores"`), one `(batch, seq_len, dim)` tensor per text
    field of the state for the word-level ones (`target = "embeddings"`), the norm running over
    every field of an example together.

    Attention-level techniques re-run only the attention head (`model.logits_from_scores`);
    word-level ones re-run the encoder (`model.rerun_from_embeddings`).

    To write a new technique, subclass this class, implement `perturb` (and `extra_loss` when
    the loss is not the task loss of the perturbed input), register it with
    `@Perturbation.register("name")`, and name it in the callback's `perturbations`.

    # Parameters

    eps : `float`
        The L2 norm of the perturbation of one example.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    """

    # True for techniques that need gold labels (RP, AT, iAT); the VAT family sets it to False
    # and can then also learn from batches of unlabeled text.
    requires_labels: bool = True
    # What is perturbed: "scores" (pre-softmax attention scores) or "embeddings" (word embeddings).
    target: str = "scores"
    # True when `perturb` needs the gradient of the clean task loss with respect to the target;
    # the callback then hands it over (it has it for free, or cheaper than the perturbation).
    uses_clean_gradient: bool = False

    def __init__(self, eps: float, weight: float = 1.0) -> None:
        if eps < 0:
            raise ValueError(f"eps must be non-negative, got {eps}")
        self.eps = eps
        self.weight = weight

    # ---- to implement -------------------------------------------------------------------------
    def perturb(
        self,
        model: AttentionModel,
        state: AttentionState,
        clean_gradient: Optional[Fields] = None,
        clean_logits: Optional[torch.Tensor] = None,
    ) -> Fields:
        """
        The perturbation (detached), keyed like `target_fields(state)`. `clean_gradient` is the
        gradient of the clean task loss with respect to the target (any positive scale), computed
        here when not given; `clean_logits` are the logits of the unperturbed pass.
        """
        raise NotImplementedError

    def extra_loss(
        self,
        model: AttentionModel,
        state: AttentionState,
        perturbation: Fields,
        clean_logits: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """The extra loss for a given perturbation: by default the task loss of the perturbed input."""
        return model.task_loss(self.perturbed_logits(model, state, perturbation), state)

    # ---- shared -------------------------------------------------------------------------------
    def loss(
        self,
        model: AttentionModel,
        state: AttentionState,
        clean_gradient: Optional[Fields] = None,
        clean_logits: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """
        The extra loss (not yet multiplied by `weight`), a scalar that is differentiable with respect
        to the model's parameters. `clean_gradient` and `clean_logits` as in `perturb`: the callback
        passes what it already has so that nothing is recomputed.
        """
        perturbation = self.perturb(model, state, clean_gradient, clean_logits)
        return self.extra_loss(model, state, perturbation, clean_logits)

    def target_fields(self, state: AttentionState):
        """`(fields, masks)`: the tensors this technique perturbs and their padding masks."""
        if self.target == "scores":
            return {"scores": state.scores}, {"scores": state.mask}
        return dict(state.embeddings), dict(state.masks)

    def target_masks(self, state: AttentionState) -> Masks:
        return self.target_fields(state)[1]

    def perturbed_logits(
        self, model: AttentionModel, state: AttentionState, perturbation: Fields
    ) -> torch.Tensor:
        """The logits for the target plus `perturbation`: re-runs the head only, or the encoder."""
        if self.target == "scores":
            return model.logits_from_scores(state, perturbation["scores"])[0]
        return model.logits_from_scores(model.rerun_from_embeddings(state, perturbation))[0]

    def clean_gradient(self, model: AttentionModel, state: AttentionState) -> Fields:
        """The gradient of the clean task loss with respect to the target (keeps the graph)."""
        fields, _ = self.target_fields(state)
        loss = model.task_loss(model.logits_from_scores(state)[0], state)
        grads = torch.autograd.grad(loss, list(fields.values()), retain_graph=True, allow_unused=True)
        return {
            name: torch.zeros_like(value) if grad is None else grad
            for (name, value), grad in zip(fields.items(), grads)
        }

    @staticmethod
    def clean_logits_of(model: AttentionModel, state: AttentionState) -> torch.Tensor:
        return model.logits_from_scores(state)[0]

    @staticmethod
    def detached(state: AttentionState) -> AttentionState:
        """The state cut from the graph below the scores and embeddings (for inner gradient loops)."""
        return replace(
            state,
            embeddings={name: value.detach() for name, value in state.embeddings.items()},
            states=state.states.detach(),
            scores=state.scores.detach(),
            query=None if state.query is None else state.query.detach(),
        )

    @classmethod
    def registered_name(cls) -> str:
        """The name this class is registered under (its class name when it is not registered)."""
        for name, (subclass, _) in Registrable._registry[Perturbation].items():
            if subclass is cls:
                return name
        return cls.__name__


def detach_fields(fields: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return {name: value.detach() for name, value in fields.items()}
