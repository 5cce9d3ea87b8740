import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union

import torch
from allennlp.common import Registrable
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations import self_attention as sa
from attnat_allennlp.perturbations.util import Fields, Masks, normalize_fields


class Target(NamedTuple):
    """
    A part of an `AttentionState` that perturbations can perturb.

    fields : `(state) -> (fields, masks)`, the tensors and their padding masks.
    below_encoder : whether the gradient with respect to the fields runs the encoder's backward pass
        (then the callback backpropagates the clean loss into the parameters in the same pass).
    """

    fields: Callable[[AttentionState], Tuple[Fields, Masks]]
    below_encoder: bool


# What a perturbation's `target` may name. A new kind of target (another attention, say) is one
# more entry here.
TARGETS: Dict[str, Target] = {
    # the pre-softmax attention scores `(batch, seq_len)`
    "scores": Target(lambda state: ({"scores": state.scores}, {"scores": state.mask}), False),
    # the word embeddings of each text field `(batch, seq_len, dim)`
    "embeddings": Target(lambda state: (dict(state.embeddings), dict(state.masks)), True),
    # the pre-softmax self-attention scores of every layer of a Transformer encoder,
    # `{"layer_<l>": (batch, heads, seq_len, seq_len)}`; a perturbation of chosen `layers` adds its
    # own entry (`self_attention_target`), so that the clean gradient covers those layers only.
    sa.SELF_ATTENTION: Target(lambda state: sa.self_attention_fields(state, "all"), False),
}


def self_attention_target(layers: Union[str, List[int]]) -> str:
    """
    The target of the self-attention scores of `layers` (`"self_attention"` for all of them), added
    to `TARGETS` on first use. Its gradient does not run the encoder's whole backward pass: only the
    layers from the lowest chosen one up.
    """
    if layers == "all":
        return sa.SELF_ATTENTION
    name = f"{sa.SELF_ATTENTION}{sorted(set(layers))}"
    if name not in TARGETS:
        TARGETS[name] = Target(lambda state: sa.self_attention_fields(state, layers), False)
    return name


def target_fields(state: AttentionState, target: str) -> Tuple[Fields, Masks]:
    """`(fields, masks)`: the tensors of `state` that `target` names, and their padding masks."""
    if target not in TARGETS:
        raise ConfigurationError(
            f"unknown perturbation target {target!r}; known: {sorted(TARGETS)}"
        )
    return TARGETS[target].fields(state)


@dataclass
class CleanPass:
    """
    What the clean (unperturbed) pass over a batch gives the perturbations. The
    `adversarial_training` callback builds it once per batch and hands it to every perturbation,
    which reads what it needs; a perturbation called without one computes the same values itself.

    logits : `torch.Tensor`
        The logits of the clean pass `(batch, num_labels)`.
    gradients : `Dict[str, Fields]`, optional (default = `{}`)
        The gradient of the clean task loss (at any positive scale, detached) with respect to each
        target that a perturbation with `uses_clean_gradient` asked for, keyed by target
        (`"scores"`, `"embeddings"`), each keyed like `target_fields(state, target)`.
    parameters_hold_gradient : `bool`, optional (default = `False`)
        Whether the clean loss has already been backpropagated into the `.grad` of the parameters
        above the word embeddings (the callback does so when a gradient needs the encoder's
        backward anyway); the extra losses are then backpropagated with the clean loss's gradient
        with respect to the embeddings (`gradients["embeddings"]`), which carries it into the
        embedder.
    """

    logits: torch.Tensor
    gradients: Dict[str, Fields] = field(default_factory=dict)
    parameters_hold_gradient: bool = False


# The largest eps that makes sense: the L2 norm of one example's perturbation, against scores and
# embeddings of norm ~1-100 (the papers use 0.5 to 30). Larger values overflow in training.
MAX_EPS = 1e6


def check_eps(eps: Any, where: str = "eps") -> float:
    """
    `eps` as a float, if it is a finite number between 0 and `MAX_EPS`; else a
    `ConfigurationError` naming `where` (the knob) and the range.
    """
    if (
        isinstance(eps, bool)
        or not isinstance(eps, (int, float))
        or not math.isfinite(eps)
        or not 0 <= eps <= MAX_EPS
    ):
        raise ConfigurationError(
            f"{where} must be a finite number between 0 and {MAX_EPS:g} (the L2 norm of one "
            f"example's perturbation; the papers use 0.5 to 30), got {eps!r}"
        )
    return float(eps)


class Perturbation(Registrable):
    """
    One training technique of Kitada & Iyatomi (or a baseline): builds a perturbation of the
    attention scores or the word embeddings for a batch and returns the extra loss it gives.
    The `adversarial_training` callback adds `weight * loss(model, state, clean)` to the clean loss.

    A perturbation is computed per example, masked to the real tokens (padding gets exactly 0),
    and detached once built. It is a dict of tensors: `{"scores": r}` `(batch, seq_len)` for the
    attention-level techniques (`target = "scores"`), one `(batch, seq_len, dim)` tensor per text
    field of the state for the word-level ones (`target = "embeddings"`), the norm running over
    every field of an example together.

    Attention-level techniques re-run only the attention head (`model.logits_from_scores`);
    word-level ones re-run the encoder (`model.rerun_from_embeddings`).

    To write a new technique, subclass this class, implement `perturb` (and `extra_loss` when
    the loss is not the task loss of the perturbed input), register it with
    `@Perturbation.register("name")`, and name it in the callback's `perturbations`. Both read
    what they need of the clean pass from its [`CleanPass`](#cleanpass) through
    `clean_logits(...)` and `clean_gradient(...)`, which compute it when there is none.

    # Parameters

    eps : `float`
        The L2 norm of the perturbation of one example: a finite number between 0 and `MAX_EPS`
        (1e6), or a `ConfigurationError` before training.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss: a finite number >= 0.
    """

    # True for techniques that need gold labels (RP, AT, iAT); the VAT family sets it to False
    # and can then also learn from batches of unlabeled text.
    requires_labels: bool = True
    # What is perturbed: a key of `TARGETS`, "scores" (pre-softmax attention scores) or
    # "embeddings" (word embeddings).
    target: str = "scores"
    # True when `perturb` needs the gradient of the clean task loss with respect to the target;
    # the callback then puts it in the `CleanPass` (it has it for free, or cheaper).
    uses_clean_gradient: bool = False
    # The layers of the "self_attention" target: "all" or indices (negative from the top).
    layers: Union[str, List[int]] = "all"

    def __init__(self, eps: float, weight: float = 1.0) -> None:
        name = f"the perturbation {type(self).registered_name()!r}"
        self.eps = check_eps(eps, f"{name}: eps")
        if (
            isinstance(weight, bool)
            or not isinstance(weight, (int, float))
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ConfigurationError(
                f"{name}: weight (lambda, the weight of the extra loss) must be a finite number "
                f">= 0, got {weight!r}"
            )
        self.weight = weight

    def choose_target(
        self, target: str, layers: Union[str, List[int], None], allowed: Tuple[str, ...]
    ) -> None:
        """Sets `target` (one of `allowed`) and, for `"self_attention"`, the `layers` to perturb."""
        if target not in allowed:
            raise ConfigurationError(
                f"{type(self).registered_name()} perturbs {' or '.join(allowed)}, not {target!r}"
            )
        if layers is not None and target != sa.SELF_ATTENTION:
            raise ConfigurationError(
                f"layers applies to the self_attention target only, not {target!r}"
            )
        if isinstance(layers, str) and layers != "all":
            raise ConfigurationError(
                f'layers must be "all" or a list of layer indices, got {layers!r}'
            )
        self.layers = "all" if layers is None else layers
        self.target = self_attention_target(self.layers) if target == sa.SELF_ATTENTION else target

    @property
    def on_self_attention(self) -> bool:
        """Whether this technique perturbs the self-attention of a Transformer encoder."""
        return self.target.startswith(sa.SELF_ATTENTION)

    # ---- to implement -------------------------------------------------------------------------
    def perturb(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        """The perturbation (detached), keyed like `target_fields(state)`."""
        raise NotImplementedError

    def extra_loss(
        self,
        model: AttentionModel,
        state: AttentionState,
        perturbation: Fields,
        clean: Optional[CleanPass] = None,
    ) -> torch.Tensor:
        """The extra loss for a given perturbation: by default the task loss of the perturbed input."""
        return model.task_loss(self.perturbed_logits(model, state, perturbation), state)

    # ---- shared -------------------------------------------------------------------------------
    def loss(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> torch.Tensor:
        """
        The extra loss (not yet multiplied by `weight`), a scalar that is differentiable with respect
        to the model's parameters.
        """
        return self.extra_loss(model, state, self.perturb(model, state, clean), clean)

    def target_fields(self, state: AttentionState) -> Tuple[Fields, Masks]:
        """`(fields, masks)`: the tensors this technique perturbs and their padding masks."""
        return target_fields(state, self.target)

    def normalize(self, fields: Fields, masks: Masks, scale: float = 1.0) -> Fields:
        """
        `scale * x / ||x||_2` per example, the norm over every field of the example together;
        for the self-attention target, per example, layer and head (see `self_attention`).
        """
        if self.on_self_attention:
            return sa.normalize_per_head(fields, masks, scale)
        return normalize_fields(fields, masks, scale)

    def random(self, like: Fields, masks: Masks, scale: float = 1.0) -> Fields:
        """Gaussian noise shaped like `like`, masked, normalised as `normalize` does."""
        return self.normalize(
            {name: torch.randn_like(value) for name, value in like.items()}, masks, scale
        )

    def target_masks(self, state: AttentionState) -> Masks:
        return self.target_fields(state)[1]

    def perturbed_logits(
        self, model: AttentionModel, state: AttentionState, perturbation: Fields
    ) -> torch.Tensor:
        """The logits for the target plus `perturbation`: re-runs the head only, or the encoder."""
        if self.target == "scores":
            return model.logits_from_scores(state, perturbation["scores"])[0]
        if self.on_self_attention:
            return model.logits_from_scores(
                model.rerun_from_self_attention(state, sa.layers_of(perturbation))
            )[0]
        return model.logits_from_scores(model.rerun_from_embeddings(state, perturbation))[0]

    def clean_gradient(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        """
        The gradient of the clean task loss with respect to the target, detached: the clean pass's
        when it has one, computed otherwise (keeping the graph).
        """
        fields, _ = self.target_fields(state)
        if clean is not None and self.target in clean.gradients:
            return detach_fields({name: clean.gradients[self.target][name] for name in fields})
        loss = model.task_loss(model.logits_from_scores(state)[0], state)
        grads = torch.autograd.grad(
            loss, list(fields.values()), retain_graph=True, allow_unused=True
        )
        return {
            name: torch.zeros_like(value) if grad is None else grad.detach()
            for (name, value), grad in zip(fields.items(), grads)
        }

    @staticmethod
    def clean_logits(
        model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> torch.Tensor:
        """The logits of the unperturbed input, detached: the clean pass's, or computed."""
        logits = clean.logits if clean is not None else model.logits_from_scores(state)[0]
        return logits.detach()

    @classmethod
    def registered_name(cls) -> str:
        """The name this class is registered under (its class name when it is not registered)."""
        for name in Perturbation.list_available():
            if Perturbation.resolve_class_name(name)[0] is cls:
                return name
        return cls.__name__


def detach_fields(fields: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return {name: value.detach() for name, value in fields.items()}


# The targets of the attention-level techniques.
ATTENTION_TARGETS: Tuple[str, ...] = ("scores", sa.SELF_ATTENTION)


class AttentionTargetConstructor:
    """
    The constructor shared by the attention-level techniques whose only knobs are eps, the weight
    and the target (Attention RP, AT, iAT): put it before their `Perturbation` base,
    `class MyPerturbation(AttentionTargetConstructor, GradientPerturbation)`. Its `target` and
    `layers` are those of every attention-level technique (the VAT pair's too): their docstrings
    refer here.

    # Parameters

    eps : `float`, optional (default = `1.0`)
        The L2 norm of the perturbation per example.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    target : `str`, optional (default = `"scores"`)
        `"scores"`: the pre-softmax scores of the pooling attention (re-runs the attention head);
        `"self_attention"`: the pre-softmax self-attention scores of a Transformer encoder, each
        head of each chosen layer (re-runs the layers from the lowest chosen one up). Then eps
        (and the VAT pair's xi) is a norm per example, layer and head.
    layers : `Optional[Union[str, List[int]]]`, optional (default = `None`)
        For `"self_attention"`: `"all"` (the default) or layer indices, negative from the top
        (`[-1]`: the last layer).
    """

    def __init__(
        self,
        eps: float = 1.0,
        weight: float = 1.0,
        target: str = "scores",
        layers: Optional[Union[str, List[int]]] = None,
    ) -> None:
        super().__init__(eps, weight)  # type: ignore[call-arg]
        self.choose_target(target, layers, ATTENTION_TARGETS)  # type: ignore[attr-defined]
