from attnat_allennlp.perturbations.base import Perturbation
from attnat_allennlp.perturbations.virtual import AttentionVirtualPerturbation


@Perturbation.register("attention_vat")
class AttentionVirtualAdversarialPerturbation(AttentionVirtualPerturbation):
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
    weight, xi, num_power_iterations : optional
        lambda (the weight of L_vat), the size of the probe and K, as in
        `VirtualAdversarialPerturbation` (`perturbations/virtual.py`).
    target, layers : optional
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention.
    """
