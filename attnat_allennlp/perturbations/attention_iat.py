import logging

import torch

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations import self_attention as sa
from attnat_allennlp.perturbations.base import (
    AttentionTargetConstructor,
    Perturbation,
    detach_fields,
)
from attnat_allennlp.perturbations.gradient import GradientPerturbation
from attnat_allennlp.perturbations.util import Fields, combine, iat_directions, normalize

logger = logging.getLogger(__name__)


@Perturbation.register("attention_iat")
class AttentionInterpretableAdversarialPerturbation(
    AttentionTargetConstructor, GradientPerturbation
):
    """
    Attention iAT (Kitada & Iyatomi 2021): the perturbation of example i's attention scores is
    restricted to the directions towards the scores of the other examples of the batch,
    d_ij = (s_j - s_i) / ||s_j - s_i||_2 (masked to i's tokens, j != i). With r_i(alpha) =
    sum_j alpha_ij d_ij, grad_alpha_ij = <grad_s l, d_ij>, alpha_hat_i = grad_alpha_i / ||grad_alpha_i||,
    r_iAT,i = eps * normalize(sum_j alpha_hat_ij d_ij); L = l(s) + lambda * l(s + r_iAT).

    On the self-attention of a Transformer (`target: "self_attention"`), the same per layer and
    head: the directions of example i's head h go towards the other examples' scores of that layer
    and head, and grad_alpha, alpha_hat and the norm eps are per example and head.

    As the paper describes it, not as the authors' released code computes it (there d is normalised
    along the wrong axis, which ends up applying exactly -r_AT). A batch of one example has no
    direction: no perturbation (logged once).

    Registered as a `Perturbation` with name "attention_iat".

    # Parameters

    eps : `float`, optional (default = `1.0`)
        The L2 norm of r_iAT per example (no published value; 1.0, as for Attention AT).
    weight, target, layers : optional
        lambda (1 in the paper) and the attention the perturbation is added to, as in
        `AttentionTargetConstructor` (`perturbations/base.py`).
    """

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        if state.batch_size < 2:
            logger.warning_once(
                "attention_iat: a batch of one example has no iAT direction; no perturbation",
            )
        if self.on_self_attention:
            fields, masks = self.target_fields(state)
            return sa.iat_direction(detach_fields(fields), masks, gradient)
        directions = iat_directions(state.scores, state.mask)  # (batch, batch, seq_len)
        grad_alpha = (directions * gradient["scores"].unsqueeze(1)).sum(-1)  # (batch, batch)
        others = ~torch.eye(state.batch_size, dtype=torch.bool, device=grad_alpha.device)
        alpha_hat = normalize(grad_alpha, others)
        return {"scores": combine(alpha_hat, directions)}
