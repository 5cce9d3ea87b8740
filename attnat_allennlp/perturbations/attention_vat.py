from typing import List, Optional, Union

from attnat_allennlp.perturbations.base import ATTENTION_TARGETS, Perturbation
from attnat_allennlp.perturbations.virtual import VirtualAdversarialPerturbation


@Perturbation.register("attention_vat")
class AttentionVirtualAdversarialPerturbation(VirtualAdversarialPerturbation):
    """
    Attention VAT (Kitada & Iyatomi, arXiv 2104.08763): VAT on the pre-softmax attention scores s.
    Power iteration (K steps): d ~ N(0, I) on the real tokens, d <- xi * d / ||d||,
    g = grad_d KL(p_hat || p(y | s + d)), d <- g; r_vadv = eps * g / ||g||;
    L_vat = KL(p_hat || p(y | s + r_vadv)), p_hat under a stop-gradient. Every pass re-runs only
    the attention head. Works on unlabeled batches (no gold labels needed).

    The outputs are 2-way softmaxes for binary tasks, so the categorical KL used here equals the
    Bernoulli KL of sigmoid outputs. QA candidates (`label_mask`) are masked in the logits, so
    excluded answers contribute 0 to the KL.

    Registered as a `Perturbation` with name "attention_vat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r_vadv per example (Miyato's text default; Kitada's values are not published).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of L_vat.
    xi : `float`, optional (default = `0.1`)
        The size of the probe perturbation of the power iteration.
    num_power_iterations : `int`, optional (default = `1`)
        K, the number of power iterations (0: a random direction).
    target : `str`, optional (default = `"scores"`)
        `"scores"`: the pre-softmax scores of the pooling attention (re-runs the attention head);
        `"self_attention"`: the pre-softmax self-attention scores of a Transformer encoder, each
        head of each chosen layer (re-runs the layers from the lowest chosen one up). Then eps and
        xi are norms per example, layer and head.
    layers : `Optional[Union[str, List[int]]]`, optional (default = `None`)
        For `"self_attention"`: `"all"` (the default) or layer indices, negative from the top
        (`[-1]`: the last layer).
    """

    def __init__(
        self,
        eps: float = 5.0,
        weight: float = 1.0,
        xi: float = 0.1,
        num_power_iterations: int = 1,
        target: str = "scores",
        layers: Optional[Union[str, List[int]]] = None,
    ) -> None:
        super().__init__(eps, weight, xi, num_power_iterations)
        self.choose_target(target, layers, ATTENTION_TARGETS)
