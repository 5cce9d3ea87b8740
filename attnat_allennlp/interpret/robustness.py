"""
Robustness at test time (the papers' first claim): accuracy when each example's input is moved by
its worst-case perturbation of L2 norm eps, built by the registered attention AT and word AT
perturbations themselves (`ROBUSTNESS_TECHNIQUES`) from the gradient of one backward pass: one
gradient step,
r = eps g / ||g||_2 per example over the real tokens, g the gradient of the gold-label loss with respect to the pre-softmax
attention scores (`"scores"`: the attention head is re-run) or the word embeddings of every text
field (`"embeddings"`: the encoder is re-run; the norm runs over all the fields of an example, the
token features such as exact-match flags are never perturbed). At eps 0 this is the plain accuracy.
"""

from dataclasses import replace
from typing import Any, Dict, Sequence

import torch

from attnat_allennlp.interpret.batching import build_state
from attnat_allennlp.models.base import AttentionModel
from attnat_allennlp.perturbations import CleanPass, Perturbation

ROBUSTNESS_TARGETS = ("scores", "embeddings")
# The registered perturbation that builds the worst case of each target.
ROBUSTNESS_TECHNIQUES = {"scores": "attention_at", "embeddings": "word_at"}
DEFAULT_ROBUSTNESS_EPS: Dict[str, Sequence[float]] = {
    "scores": (1.0, 5.0, 10.0),
    "embeddings": (1.0, 5.0),
}


def robust_correct_for_tensors(
    model: AttentionModel, tensors: Dict[str, Any], eps: Dict[str, Sequence[float]]
) -> Dict[str, Dict[float, torch.Tensor]]:
    """
    Whether each example of a labelled tensor dict is still classified correctly under its
    worst-case perturbation: `{target: {eps: (batch,) bool}}` for the targets and eps values of
    `eps` (`{"scores": [...], "embeddings": [...]}`). One backward pass gives the gradients of both
    targets; each eps then costs one forward pass of the head (scores) or of the model (embeddings).
    """
    unknown = set(eps) - set(ROBUSTNESS_TARGETS)
    if unknown:
        raise ValueError(
            f"unknown robustness targets {sorted(unknown)}; expected {ROBUSTNESS_TARGETS}"
        )
    if "label" not in tensors:
        raise ValueError("robust accuracy needs gold labels; the instances have none")
    label = tensors["label"].long().view(-1)
    with torch.no_grad():
        clean = build_state(model, tensors)
    embeddings = {
        name: value.detach().requires_grad_(True) for name, value in clean.embeddings.items()
    }
    # `cudnn` refuses an RNN backward pass in eval mode.
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        state = model.rerun_from_embeddings(replace(clean, embeddings=embeddings, label=label), {})
        logits = model.logits_from_scores(state)[0]
        loss = model.task_loss(logits, state)
        # first-token pooling has no attention scores (constant zeros): no gradient to take
        scored = state.scores.requires_grad
        targets = ([state.scores] if scored else []) + list(embeddings.values())
        gradients = list(torch.autograd.grad(loss, targets))
        if not scored:
            gradients.insert(0, torch.zeros_like(state.scores))
    state = state.detached()
    clean_pass = CleanPass(
        logits.detach(),
        gradients={
            "scores": {"scores": gradients[0].detach()},
            "embeddings": {name: g.detach() for name, g in zip(embeddings, gradients[1:])},
        },
    )
    result: Dict[str, Dict[float, torch.Tensor]] = {}
    with torch.no_grad():
        for target, values in eps.items():
            result[target] = {}
            for value in values:
                technique = Perturbation.by_name(ROBUSTNESS_TECHNIQUES[target])(eps=float(value))
                perturbation = technique.perturb(model, state, clean_pass)
                logits = technique.perturbed_logits(model, state, perturbation)
                result[target][float(value)] = (logits.argmax(-1) == label).cpu()
    return result
