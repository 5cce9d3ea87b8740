"""
Standard attributions through Captum (Kokhlikyan et al. 2020), the rankings that a reader of the
explanation literature compares attention with, beside Jain & Wallace's detached gradient:

- `integrated_gradients` (Sundararajan et al. 2017): the path integral of the gradient from a zero
  embedding to the word embeddings (Captum's `IntegratedGradients`, Gauss-Legendre, `n_steps`
  points);
- `input_x_gradient` (Shrikumar et al. 2017): gradient times embedding (Captum's `InputXGradient`);
- `occlusion` (Zeiler & Fergus 2014): the change of the output when one token's embedding is
  replaced by zeros (Captum's `Occlusion`, a window of one token). It is not leave-one-out, which
  drops the token from the text (the encoder sees a shorter sequence); the package keeps its own
  leave-one-out for that and the tests compare the two where they must agree (a bag-of-embeddings
  model).

The output explained is the probability of the predicted class, through the whole model (attention
not detached: what these methods explain is the model, not attention's share of it). The attribution
of a token is the sum over its embedding's dimensions, in absolute value, normalised to sum 1 over
the real tokens, as the gradient importance is; 0 on padding. Only the attended text (the premise of
a pair model) is attributed; the other text and the token features stay as they are.
"""

from dataclasses import fields, replace
from typing import Any, Dict, List, Sequence

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance

from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.models.base import AttentionModel, AttentionState

ATTRIBUTION_METHODS = ("integrated_gradients", "input_x_gradient", "occlusion")

# Integration points of integrated gradients (Captum's default is 50; 20 keeps the completeness
# error of these small models below 1% of the output change, see the tests).
DEFAULT_IG_STEPS = 20


def check_attributions(methods: Sequence[str], where: str = "attributions") -> List[str]:
    """The methods as a list, or a `ConfigurationError` naming `where` and the known methods."""
    unknown = [m for m in methods if m not in ATTRIBUTION_METHODS]
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown attribution method(s) {unknown}; "
            f"expected some of {', '.join(ATTRIBUTION_METHODS)}"
        )
    return list(methods)


def _state_rows(state: AttentionState, index: torch.Tensor) -> AttentionState:
    # The rows `index` of every batch tensor of a state (Captum repeats the batch per step).
    changes: Dict[str, Any] = {}
    for item in fields(state):
        value = getattr(state, item.name)
        if isinstance(value, torch.Tensor):
            changes[item.name] = value[index]
        elif isinstance(value, dict):
            changes[item.name] = {k: v[index] for k, v in value.items()}
    changes["self_attention"] = None  # recomputed by `rerun_from_embeddings`
    return replace(state, **changes)


def _output(model: AttentionModel, state: AttentionState, field: str):
    def forward(embedded: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        rows = _state_rows(state, index)
        perturbation = {field: embedded - rows.embeddings[field]}
        rerun = model.rerun_from_embeddings(rows, perturbation)
        logits, _ = model.logits_from_scores(rerun)
        return torch.softmax(logits, dim=-1)

    return forward


def signed_attributions(
    model: AttentionModel, state: AttentionState, method: str, n_steps: int = DEFAULT_IG_STEPS
) -> torch.Tensor:
    """
    Captum's attribution of `method` (`ATTRIBUTION_METHODS`) to each token of the attended field,
    summed over the embedding, signed and not normalised, `(batch, seq_len)`, 0 on padding: for
    integrated gradients the tokens' shares of p(y|x) - p(y|zero embeddings) (completeness), for
    occlusion p(y|x) - p(y|x with the token's embedding zeroed), y the predicted class.
    """
    from captum.attr import InputXGradient, IntegratedGradients, Occlusion

    check_attributions([method])
    field = attended_field(state)
    embedded = state.embeddings[field].detach()
    state = replace(state, embeddings={k: v.detach() for k, v in state.embeddings.items()})
    index = torch.arange(embedded.size(0), device=embedded.device)
    forward = _output(model, state, field)
    with torch.no_grad():
        predicted = forward(embedded, index).argmax(dim=-1)
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        if method == "integrated_gradients":
            attribution = IntegratedGradients(forward).attribute(
                embedded,
                baselines=torch.zeros_like(embedded),
                target=predicted,
                additional_forward_args=(index,),
                n_steps=n_steps,
            )
        elif method == "input_x_gradient":
            attribution = InputXGradient(forward).attribute(
                embedded.clone().requires_grad_(True),
                target=predicted,
                additional_forward_args=(index,),
            )
        else:
            dim = embedded.size(-1)
            # One window per token: every dimension of a token gets that token's output change.
            attribution = Occlusion(forward).attribute(
                embedded,
                sliding_window_shapes=(1, dim),
                strides=(1, dim),
                baselines=0.0,
                target=predicted,
                additional_forward_args=(index,),
            )[..., :1]
    return attribution.detach().sum(-1).masked_fill(~state.mask, 0.0)


def attributions_for_state(
    model: AttentionModel, state: AttentionState, method: str, n_steps: int = DEFAULT_IG_STEPS
) -> torch.Tensor:
    """
    The attribution `(batch, seq_len)` of each token of the attended field by `method`
    (`ATTRIBUTION_METHODS`): the absolute value of `signed_attributions`, each row summing to 1
    over the real tokens (a row of zeros stays 0), 0 on padding: a ranking, as the gradient
    importance is.
    """
    scores = signed_attributions(model, state, method, n_steps).abs()
    total = scores.sum(-1, keepdim=True)
    return torch.where(total > 0, scores / total.clamp_min(1e-30), scores)


def instance_attributions(
    model: AttentionModel,
    instances: List[Instance],
    methods: Sequence[str],
    batch_size: int = 32,
    n_steps: int = DEFAULT_IG_STEPS,
) -> List[Dict[str, List[float]]]:
    """
    Per instance, `{method: the attribution of each real token of the attended field}`
    (`attributions_for_state`), the instances run in batches of `batch_size`.
    """
    methods = check_attributions(methods)
    results: List[Dict[str, List[float]]] = []
    for chunk in chunks(instances, batch_size):
        state = build_state(model, tensorize(model, chunk))
        lengths = real_lengths(state)
        by_method = {
            method: attributions_for_state(model, state, method, n_steps).cpu()
            for method in methods
        }
        results.extend(
            {method: values[i, :n].tolist() for method, values in by_method.items()}
            for i, n in enumerate(lengths)
        )
    return results
