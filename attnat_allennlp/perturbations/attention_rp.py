from typing import Optional

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import (
    AttentionTargetConstructor,
    CleanPass,
    Perturbation,
    detach_fields,
)
from attnat_allennlp.perturbations.util import Fields


@Perturbation.register("attention_rp")
class AttentionRandomPerturbation(AttentionTargetConstructor, Perturbation):
    """
    Attention RP (Kitada & Iyatomi): a random perturbation of the pre-softmax attention scores,
    r = eps * n / ||n||_2 with n ~ N(0, I) on the real tokens; L = l(s) + lambda * l(s + r).
    Re-runs only the attention head.

    Registered as a `Perturbation` with name "attention_rp".

    # Parameters

    eps : `float`, optional (default = `1.0`)
        The L2 norm of r per example. The papers publish no value; 1.0 is this package's choice.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    target, layers : optional
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention.
    """

    def perturb(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        fields, masks = self.target_fields(state)
        return self.random(detach_fields(fields), masks, self.eps)
