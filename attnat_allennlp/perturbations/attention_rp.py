from typing import Optional

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import CleanPass, Perturbation, detach_fields
from attnat_allennlp.perturbations.util import Fields, random_fields


@Perturbation.register("attention_rp")
class AttentionRandomPerturbation(Perturbation):
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
    """

    def __init__(self, eps: float = 1.0, weight: float = 1.0) -> None:
        super().__init__(eps, weight)

    def perturb(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        fields, masks = self.target_fields(state)
        return random_fields(detach_fields(fields), masks, self.eps)
