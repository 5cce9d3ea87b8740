from typing import Dict, Optional

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

    The neighbours are found from the current embedding matrix (the model's `Embedding` in the
    namespace `model._namespace`) for the batch's token ids only, and remembered: which words are
    a word's neighbours is recomputed for the whole vocabulary every `neighbour_refresh_steps`
    batches (and at once for a word seen for the first time), while the directions d_tk always use
    the current embeddings. The embeddings move little between refreshes, and searching the whole
    vocabulary on every batch costs about half a vanilla step on CPU. A projection in the embedder
    is applied to the neighbours as to the words.

    Registered as a `Perturbation` with name "word_iat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r per example (Miyato's text default; Sato et al. tune it per dataset).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    num_neighbours : `int`, optional (default = `10`)
        K, the number of nearest neighbours of each word.
    neighbour_refresh_steps : `int`, optional (default = `50`)
        Recompute the neighbours of every word after this many batches; 1 searches on every batch.
    """

    target = "embeddings"

    def __init__(
        self,
        eps: float = 5.0,
        weight: float = 1.0,
        num_neighbours: int = 10,
        neighbour_refresh_steps: int = 50,
    ) -> None:
        super().__init__(eps, weight)
        if num_neighbours < 1:
            raise ConfigurationError(f"num_neighbours must be at least 1, got {num_neighbours}")
        if neighbour_refresh_steps < 1:
            raise ConfigurationError(
                f"neighbour_refresh_steps must be at least 1, got {neighbour_refresh_steps}"
            )
        self.num_neighbours = num_neighbours
        self.neighbour_refresh_steps = neighbour_refresh_steps
        self._neighbours: Optional[torch.Tensor] = None  # (vocab, K), -1 where not yet searched
        self._batches = 0

    def neighbours(self, weight: torch.Tensor, ids: torch.Tensor, excluded) -> torch.Tensor:
        """The neighbour ids `ids.shape + (K,)`, searched for the ids not remembered yet."""
        remembered = self._neighbours
        if (
            self._batches % self.neighbour_refresh_steps == 0
            or remembered is None
            or remembered.size(0) != weight.size(0)
            or remembered.device != weight.device
        ):
            k = min(self.num_neighbours, weight.size(0) - 1 - len(excluded))
            remembered = torch.full((weight.size(0), k), -1, dtype=torch.long, device=weight.device)
            self._neighbours = remembered
        self._batches += 1
        unique = ids.unique()
        missing = unique[remembered[unique, 0] < 0]
        if missing.numel():
            remembered[missing] = nearest_neighbours(
                weight, missing, self.num_neighbours, excluded_ids=excluded
            )
        return self._neighbours[ids]

    def directions(self, model: AttentionModel, state: AttentionState) -> Dict[str, torch.Tensor]:
        """`d` of each text field, `(batch, seq_len, K, dim)`, 0 on padding. Detached."""
        embedding = word_embedding(model)
        vocab = model.vocab
        index = vocab.get_token_to_index_vocabulary(model._namespace)
        excluded = [index[t] for t in (vocab._padding_token, vocab._oov_token) if t in index]
        result = {}
        with torch.no_grad():
            all_ids = torch.cat([ids.flatten() for ids in state.token_ids.values()])
            self.neighbours(embedding.weight, all_ids, excluded)  # one search for every field
            for name, ids in state.token_ids.items():
                neighbours = self._neighbours[ids]  # (batch, seq_len, K)
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
