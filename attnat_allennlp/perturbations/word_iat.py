from typing import Dict, Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.compat.embedding_projection import embedding_projection
from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.modules.normalized_embedding import word_vectors
from attnat_allennlp.perturbations.base import Perturbation
from attnat_allennlp.perturbations.gradient import GradientPerturbation
from attnat_allennlp.perturbations.util import TINY, Fields, nearest_neighbours


def word_embedding(model: AttentionModel) -> Embedding:
    """The model's `Embedding` token embedder (the one of the token ids in `state.token_ids`)."""
    found = [e for e in model.text_field_embedder.children() if isinstance(e, Embedding)]
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

    Which words are a word's neighbours is remembered in a table over the vocabulary, built from
    the current embedding matrix (the model's `Embedding` in the namespace `model.namespace`; the
    normalised vectors of an `attnat_normalized_embedding`, those that are perturbed): a
    word is searched when a batch first contains it, and on every batch the table is searched again
    for the next `vocab_size / neighbour_refresh_steps` words in turn, so that no word's neighbours
    are older than `neighbour_refresh_steps` batches. The directions d_tk always use the current
    embeddings. The cost per batch is then constant and small (searching the whole vocabulary on
    every batch costs about half a vanilla step on CPU with a 20k vocabulary); the embeddings move
    little over a few hundred batches, and `neighbour_refresh_steps: 1` is the exact search. A
    projection in the embedder is applied to the neighbours as to the words.

    Registered as a `Perturbation` with name "word_iat".

    # Parameters

    eps : `float`, optional (default = `5.0`)
        The L2 norm of r per example (Miyato's text default; Sato et al. tune it per dataset).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss.
    num_neighbours : `int`, optional (default = `10`)
        K, the number of nearest neighbours of each word.
    neighbour_refresh_steps : `int`, optional (default = `500`)
        Every word's neighbours are searched again within this many batches (about two epochs of
        rt-polarity); 1 searches the whole vocabulary on every batch.
    """

    target = "embeddings"

    def __init__(
        self,
        eps: float = 5.0,
        weight: float = 1.0,
        num_neighbours: int = 10,
        neighbour_refresh_steps: int = 500,
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
        self._next_refresh = 0  # the first row of the next slice of the table to search again

    def neighbours(self, weight: torch.Tensor, ids: torch.Tensor, excluded) -> torch.Tensor:
        """
        The neighbour ids `ids.shape + (K,)`. Searches the ids never searched before and the next
        slice of the table (those of its words that were searched before).
        """
        table = self._neighbours
        vocab_size = weight.size(0)
        if table is None or table.size(0) != vocab_size or table.device != weight.device:
            k = min(self.num_neighbours, vocab_size - 1 - len(excluded))
            if k < 1:
                raise ConfigurationError(
                    f"word_iat: the vocabulary has {vocab_size - len(excluded)} word(s) besides "
                    "padding and OOV, so a word has no neighbour to move towards (num_neighbours "
                    f"{self.num_neighbours}); lower the vocabulary's min_count or train on more data"
                )
            table = torch.full((vocab_size, k), -1, dtype=torch.long, device=weight.device)
            self._neighbours, self._next_refresh = table, 0
        unique = ids.unique()
        search = [unique[table[unique, 0] < 0]]
        slice_size = -(-vocab_size // self.neighbour_refresh_steps)
        rows = torch.arange(
            self._next_refresh, self._next_refresh + slice_size, device=weight.device
        )
        rows = rows[rows < vocab_size]
        self._next_refresh += slice_size
        if self._next_refresh >= vocab_size:
            self._next_refresh = 0
        search.append(rows[table[rows, 0] >= 0])
        search_ids = torch.cat(search)
        if search_ids.numel():
            table[search_ids] = nearest_neighbours(
                weight, search_ids, self.num_neighbours, excluded_ids=excluded
            )
        return table[ids]

    def fill_neighbours(self, model: AttentionModel) -> None:
        """
        Searches the neighbours of every word of the vocabulary now; otherwise each word is searched
        when a batch first contains it (the same total cost, spread over the first epoch).
        """
        embedding = word_embedding(model)
        with torch.no_grad():
            vectors = word_vectors(embedding)
            ids = torch.arange(vectors.size(0), device=vectors.device)
            self.neighbours(vectors, ids, self._excluded(model))

    @staticmethod
    def _excluded(model: AttentionModel):
        return model.special_token_ids()

    def directions(self, model: AttentionModel, state: AttentionState) -> Dict[str, torch.Tensor]:
        """
        `d` of the real (not padding) tokens of each text field, `(num_tokens, K, dim)`, the
        tokens in the order of `state.masks[name].nonzero()` (a batch is often half padding).
        Detached.
        """
        embedding = word_embedding(model)
        projection = embedding_projection(embedding)
        result = {}
        with torch.no_grad():
            all_ids = torch.cat([ids[state.masks[name]] for name, ids in state.token_ids.items()])
            table = word_vectors(embedding)  # the matrix normalised once, for search and lookup
            self.neighbours(table, all_ids, self._excluded(model))  # one search
            for name, ids in state.token_ids.items():
                ids = ids[state.masks[name]]  # (num_tokens,)
                # The K neighbours, then the word (what the embedder returns for them).
                vectors = table[torch.cat([self._neighbours[ids], ids.unsqueeze(-1)], dim=-1)]
                if projection is not None:
                    vectors = projection(vectors)
                differences = vectors[:, :-1] - vectors[:, -1:]
                norms = differences.norm(dim=-1, keepdim=True)
                result[name] = torch.where(
                    norms > TINY, differences / norms.clamp_min(TINY), torch.zeros_like(differences)
                )
        return result

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        # On the real tokens only, as batched products.
        directions = self.directions(model, state)
        grad_alpha, examples = {}, {}
        for name, d in directions.items():
            mask = state.masks[name]
            g = gradient[name][mask].to(d.dtype)  # (num_tokens, dim)
            grad_alpha[name] = torch.bmm(d, g.unsqueeze(-1)).squeeze(-1)  # (num_tokens, K)
            examples[name] = mask.nonzero()[:, 0]
        # alpha_hat = grad_alpha / ||grad_alpha||, the norm per example over all its fields.
        batch_size = state.batch_size
        any_alpha = next(iter(grad_alpha.values()))
        squares = any_alpha.new_zeros(batch_size)
        for name, alpha in grad_alpha.items():
            squares.index_add_(0, examples[name], alpha.pow(2).sum(-1))
        norms = squares.sqrt()
        inverse = torch.where(norms > 0, 1.0 / norms.clamp_min(TINY), torch.zeros_like(norms))
        result = {}
        for name, d in directions.items():
            alpha_hat = grad_alpha[name] * inverse[examples[name]].unsqueeze(-1)
            r = torch.bmm(alpha_hat.unsqueeze(1), d).squeeze(1)  # sum_k alpha_hat_tk d_tk
            mask = state.masks[name]
            padded = gradient[name].new_zeros(gradient[name].shape)
            padded[mask] = r.to(padded.dtype)
            result[name] = padded
        return result
