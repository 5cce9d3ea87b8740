import logging
from typing import Any, Tuple

import torch

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations import self_attention as sa
from attnat_allennlp.perturbations.base import Perturbation, detach_fields
from attnat_allennlp.perturbations.util import Fields, combine, iat_directions, normalize
from attnat_allennlp.perturbations.virtual import AttentionVirtualPerturbation

logger = logging.getLogger(__name__)


@Perturbation.register("attention_ivat")
class AttentionInterpretableVirtualAdversarialPerturbation(AttentionVirtualPerturbation):
    """
    Attention iVAT (Kitada & Iyatomi, arXiv 2104.08763), *reconstructed* after Sato et al.'s iVAT,
    since no public source states it: VAT on the attention scores, restricted to the iAT directions
    d_ij = (s_j - s_i) / ||s_j - s_i|| towards the other examples of the batch. The perturbation is
    r(alpha) = xi * sum_j alpha_ij d_ij with alpha_i initialised to 1/K (K = batch size - 1) and
    scaled to unit norm; each power iteration takes g = grad_alpha KL(p_hat || p(y | s + r(alpha)))
    and sets alpha_i <- g_i / ||g_i||; finally r_ivat,i = eps * normalize(sum_j alpha_ij d_ij), and
    L = KL(p_hat || p(y | s + r_ivat)). On the self-attention of a Transformer (`target:
    "self_attention"`), the same per layer and head (alpha per example and head). Re-runs only the attention head. A batch of one example has
    no direction: no perturbation (logged once).

    The outputs are 2-way softmaxes for binary tasks, so the categorical KL used here equals the
    Bernoulli KL of sigmoid outputs.

    Registered as a `Perturbation` with name "attention_ivat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r_ivat per example (Miyato's VAT default; Kitada's values are not published).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    xi : `float`, optional (default = `0.1`)
        The scale of the probe perturbation of the power iteration.
    num_power_iterations : `int`, optional (default = `1`)
        The number of power iterations (0: the mean of the directions).
    target, layers : optional
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention.
    """

    def initial(self, model: AttentionModel, state: AttentionState) -> Tuple[Fields, Any]:
        batch_size = state.batch_size
        if batch_size < 2:
            logger.warning_once(
                "attention_ivat: a batch of one example has no iVAT direction; no perturbation",
            )
        if self.on_self_attention:
            fields, masks = self.target_fields(state)
            heads = sa.ivat_context(detach_fields(fields), masks)
            alpha = {
                name: others.to(fields[name].dtype) / max(batch_size - 1, 1)
                for name, (_, others) in heads.items()
            }
            context = (heads, masks)
            return self.renormalize(alpha, state, context), context
        directions = iat_directions(state.scores, state.mask)  # (batch, batch, seq_len)
        others = ~torch.eye(batch_size, dtype=torch.bool, device=directions.device)
        alpha = others.to(directions.dtype) / max(batch_size - 1, 1)
        context = (directions, others)
        return self.renormalize({"alpha": alpha}, state, context), context

    def probe(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        if self.on_self_attention:
            heads, _ = context
            return {
                name: self.xi * sa.combine_heads(alpha, heads[name][0])
                for name, alpha in parameters.items()
            }
        directions, _ = context
        return {"scores": self.xi * combine(parameters["alpha"], directions)}

    def renormalize(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        if self.on_self_attention:
            return sa.normalize_alpha(parameters, context[0])
        _, others = context
        return {"alpha": normalize(parameters["alpha"], others)}

    def final(self, parameters: Fields, state: AttentionState, context: Any) -> Fields:
        if self.on_self_attention:
            heads, masks = context
            alpha = self.renormalize(parameters, state, context)
            combined = {
                name: sa.combine_heads(value, heads[name][0]) for name, value in alpha.items()
            }
            return self.normalize(combined, masks, self.eps)
        directions, _ = context
        alpha = self.renormalize(parameters, state, context)["alpha"]
        return {"scores": normalize(combine(alpha, directions), state.mask, self.eps)}
