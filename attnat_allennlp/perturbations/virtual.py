"""The shared core of the virtual adversarial techniques (VAT and iVAT), and the constructor of
the attention-level pair."""

import inspect
from typing import Any, List, Optional, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import (
    ATTENTION_TARGETS,
    CleanPass,
    Perturbation,
    detach_fields,
)
from attnat_allennlp.perturbations.util import Fields, kl_from_logits


class VirtualAdversarialPerturbation(Perturbation):
    """
    VAT (Miyato et al.): p_hat = p(y | input) under a stop-gradient; a power iteration finds the
    direction in which KL(p_hat || p(y | input + r)) grows fastest, and the extra loss is that KL at
    r_vadv (mean over the batch). Needs no labels, so it also trains on unlabeled text.

    The outputs are softmaxes over the labels, also for binary tasks (two logits): the categorical
    KL of a 2-way softmax equals the Bernoulli KL of docs/methods.md on sigmoid outputs.

    Subclasses say how the power iteration is parametrised (`initial`, `probe`, `renormalize`,
    `final`, sharing a `context` built by `initial`); this base class parametrises by the
    perturbation itself (plain VAT).

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r_vadv per example (Miyato's text default).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    xi : `float`, optional (default = `0.1`)
        The size of the probe perturbation of the power iteration.
    num_power_iterations : `int`, optional (default = `1`)
        K, the number of power iterations (0: a random direction).
    """

    requires_labels = False

    def __init__(
        self,
        eps: float = 5.0,
        weight: float = 1.0,
        xi: float = 0.1,
        num_power_iterations: int = 1,
    ) -> None:
        super().__init__(eps, weight)
        if num_power_iterations < 0:
            raise ConfigurationError("num_power_iterations must be non-negative")
        self.xi = xi
        self.num_power_iterations = num_power_iterations

    # ---- the parametrisation (plain VAT: the perturbation itself) ----------------------------
    def initial(self, model: AttentionModel, state: AttentionState) -> Tuple[Fields, Any]:
        """`(parameters, context)`: the starting point of the power iteration, and what the other
        steps need."""
        fields, masks = self.target_fields(state)
        return self.renormalize(self.random(detach_fields(fields), masks), state, None), None

    def probe(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        """The probe perturbation for the parameters, linear in them."""
        return parameters

    def renormalize(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        """The parameters of the next probe, from the gradient of the last one."""
        return self.normalize(parameters, self.target_masks(state), self.xi)

    def final(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        """The perturbation (norm eps) for the last gradient."""
        return self.normalize(
            self.probe(parameters, state, context), self.target_masks(state), self.eps
        )

    # ---- shared -------------------------------------------------------------------------------
    def perturb(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        clean_logits = self.clean_logits(model, state, clean)
        frozen = state.detached()
        parameters, context = self.initial(model, frozen)
        for iteration in range(self.num_power_iterations):
            if iteration > 0:
                parameters = self.renormalize(parameters, frozen, context)
            parameters = {
                name: value.detach().requires_grad_() for name, value in parameters.items()
            }
            probe = self.probe(parameters, frozen, context)
            kl = kl_from_logits(clean_logits, self.perturbed_logits(model, frozen, probe)).sum()
            grads = torch.autograd.grad(kl, list(parameters.values()), allow_unused=True)
            parameters = {
                name: torch.zeros_like(value) if grad is None else grad
                for (name, value), grad in zip(parameters.items(), grads)
            }
        return detach_fields(self.final(detach_fields(parameters), frozen, context))

    def extra_loss(
        self,
        model: AttentionModel,
        state: AttentionState,
        perturbation: Fields,
        clean: Optional[CleanPass] = None,
    ) -> torch.Tensor:
        clean_logits = self.clean_logits(model, state, clean)
        return kl_from_logits(
            clean_logits, self.perturbed_logits(model, state, perturbation)
        ).mean()


class AttentionVirtualPerturbation(VirtualAdversarialPerturbation):
    """
    The constructor shared by the attention-level virtual adversarial techniques (Attention VAT and
    iVAT): the knobs of `VirtualAdversarialPerturbation` (passed on as they are; allennlp's
    `FromParams` reads them from its constructor through `**kwargs`) and the attention target.

    # Parameters

    target : `str`, optional (default = `"scores"`)
    layers : `Optional[Union[str, List[int]]]`, optional (default = `None`)
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention.
    *args, **kwargs
        `eps`, `weight`, `xi` and `num_power_iterations`, as in `VirtualAdversarialPerturbation`.
    """

    def __init__(
        self,
        *args,
        target: str = "scores",
        layers: Optional[Union[str, List[int]]] = None,
        **kwargs,
    ) -> None:
        knobs = [k for k in inspect.signature(VirtualAdversarialPerturbation).parameters]
        unknown = sorted(set(kwargs) - set(knobs))
        if unknown:
            raise ConfigurationError(
                f"{type(self).registered_name()} has no parameter {', '.join(unknown)}; its "
                f"parameters are {', '.join(knobs)}, target and layers"
            )
        super().__init__(*args, **kwargs)
        self.choose_target(target, layers, ATTENTION_TARGETS)
