from attnat_allennlp.perturbations.base import Perturbation
from attnat_allennlp.perturbations.gradient import AdversarialPerturbation


@Perturbation.register("word_at")
class WordAdversarialPerturbation(AdversarialPerturbation):
    """
    Word AT (Miyato et al. 2016): g = grad_x l(x) for the word embeddings x of every text field,
    r = eps * g / ||g||_2 with the norm over the whole example (all its fields),
    L = l(x) + lambda * l(x + r). Re-runs the encoder.

    x are the vectors the model's embedder returns: in the word-level configs Miyato et al.'s
    frequency-normalised embeddings (`attnat_normalized_embedding`), which eps = 5 is sized for;
    on raw GloVe vectors it is a far larger perturbation.

    Registered as a `Perturbation` with name "word_at".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r per example (Miyato's text default).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    """

    target = "embeddings"

    def __init__(self, eps: float = 5.0, weight: float = 1.0) -> None:
        super().__init__(eps, weight)
