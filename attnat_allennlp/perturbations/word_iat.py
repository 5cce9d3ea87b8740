from typing import Dict

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import Perturbation
from attnat_allennlp.perturbations.gradient import GradientPerturbation
from attnat_allennlp.perturbations.util import Fields, combine, nearest_neighbours, normalize_fields


def word_embedding(model: AttentionModel) -> Embedding:
    """The model's `Embedding` token embedder (the one of the token ids in `state.token_ids`)."""
    embedders = getattr(model._text_field_embedder, "_token_embedders", {})
    found = [e for e in embedders.values() if isinstance(e, Embedding)]
    if len(found) != 1:
        raise ConfigurationError(
            "word_iat needs a text_field_embedder with exactly one 'embedding' token embedder, "
            f"found {len(found)}"
        )
    return found[0]


@Perturbation.register("word_iat")
class WordInterpretableAdversarialPerturbation(GradientPerturbation):
    """
    Word iAT (Sato et al. 2018): the perturbation of each word embedding w_t is restricted to the
    directions towards its K nearest neighbours in the embedding matrix (cosine similarity, the word
    itself, padding and the OOV token skipped), d_tk = (w_k - w_t) / ||w_k - w_t||. With
    grad_alpha_tk = <grad_x l, d_tk> and alpha_hat = grad_alpha / ||grad_alpha|| (the norm over the
    whole example), r = eps * normalize(sum_tk alpha_hat_tk d_tk) over the whole example (all its
    text fields); L = l(x) + lambda * l(x + r). Re-runs the encoder.

    The neighbours are computed for the batch's token ids only, from the current embedding matrix
    (the model's `Embedding` in the namespace `model._namespace`); a projection in the embedder
    is applied to the neighbours as to the words.

    Registered as a `Perturbation` with name "word_iat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r per example (Miyato's text default; Sato et al. tune it per dataset).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    num_neighbours : `int`, optional (default = `10`)
        K, the number of nearest neighbours of each word.
    """

    target = "embeddings"

    def __init__(self, eps: float = 5.0, weight: float = 1.0, num_neighbours: int = 10) -> None:
        super().__init__(eps, weight)
        if num_neighbours < 1:
            raise ConfigurationError(f"num_neighbours must be at least 1, got {num_neighbours}")
        self.num_neighbours = num_neighbours

    def directions(self, model: AttentionModel, state: AttentionState) -> Dict[str, torch.Tensor]:
        """`d` of each text field, `(batch, seq_len, K, dim)`, 0 on padding. Detached."""
        embedding = word_embedding(model)
        vocab = model.vocab
        index = vocab.get_token_to_index_vocabulary(model._namespace)
        excluded = [index[t] for t in (vocab._padding_token, vocab._oov_token) if t in index]
        result = {}
        with torch.no_grad():
            for name, ids in state.token_ids.items():
                unique, inverse = ids.unique(return_inverse=True)
                neighbours = nearest_neighbours(
                    embedding.weight, unique, self.num_neighbours, excluded_ids=excluded
                )[inverse]  # (batch, seq_len, K)
                words = embedding(ids).unsqueeze(-2)
                differences = embedding(neighbours) - words
                norms = differences.norm(dim=-1, keepdim=True)
                directions = torch.where(
                    norms > 1e-12, differences / norms.clamp_min(1e-12), torch.zeros_like(differences)
                )
                result[name] = directions * state.masks[name][..., None, None].to(directions.dtype)
        return result

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        directions = self.directions(model, state)
        grad_alpha = {
            name: (directions[name] * gradient[name].unsqueeze(-2)).sum(-1) for name in directions
        }  # (batch, seq_len, K) each
        alpha_hat = normalize_fields(grad_alpha, state.masks)
        return {name: combine(alpha_hat[name], directions[name]) for name in directions}
