from attnat_allennlp.perturbations.base import AttentionTargetConstructor, Perturbation
from attnat_allennlp.perturbations.gradient import AdversarialPerturbation


@Perturbation.register("attention_at")
class AttentionAdversarialPerturbation(AttentionTargetConstructor, AdversarialPerturbation):
    """
    Attention AT (Kitada & Iyatomi 2021): g = grad_s l(s) for the pre-softmax attention scores s,
    r_AT = eps * g / ||g||_2 (the norm over the real tokens of one example),
    L = l(s) + lambda * l(s + r_AT). Re-runs only the attention head.

    Registered as a `Perturbation` with name "attention_at".

    # Parameters

    eps : `float`, optional (default = `1.0`)
        The L2 norm of r_AT per example. The papers publish no value; 1.0 is this package's choice.
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss (1 in the paper).
    target, layers : optional
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention.
    """
