from attnat_allennlp.perturbations.base import Perturbation
from attnat_allennlp.perturbations.virtual import VirtualAdversarialPerturbation


@Perturbation.register("word_vat")
class WordVirtualAdversarialPerturbation(VirtualAdversarialPerturbation):
    """
    Word VAT (Miyato et al. 2016): VAT on the word embeddings of every text field, the norms running
    over the whole example. Power iteration (K steps): d ~ N(0, I) on the real tokens,
    d <- xi * d / ||d||, g = grad_d KL(p_hat || p(y | x + d)), d <- g; r_vadv = eps * g / ||g||;
    L_vat = KL(p_hat || p(y | x + r_vadv)), p_hat under a stop-gradient. Every pass re-runs the
    encoder. Works on unlabeled batches (no gold labels needed). The embeddings are those the
    model's embedder returns: in the word-level configs Miyato et al.'s frequency-normalised ones
    (`attnat_normalized_embedding`), which eps = 5 is sized for.

    The outputs are 2-way softmaxes for binary tasks, so the categorical KL used here equals the
    Bernoulli KL of sigmoid outputs.

    Registered as a `Perturbation` with name "word_vat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r_vadv per example (Miyato's text default).
    weight, xi, num_power_iterations : optional
        lambda (the weight of L_vat), the size of the probe and K, as in
        `VirtualAdversarialPerturbation` (`perturbations/virtual.py`).
    """

    target = "embeddings"
