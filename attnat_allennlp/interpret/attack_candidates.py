"""
The candidates of the word-substitution attack (`attack.py`): a word's nearest neighbours by cosine
in the model's own embedding table, never the padding or OOV token or a word without a letter or
digit.
"""

import math
import re
from typing import Dict, List, Tuple

import torch

from attnat_allennlp.models.base import AttentionModel
from attnat_allennlp.modules.normalized_embedding import word_vectors
from attnat_allennlp.perturbations.word_iat import word_embedding

# A word the attack counts, changes or proposes: a token with a letter or digit.
WORD = re.compile(r"\w")


class Neighbours:
    """The candidates of each word id: nearest neighbours by cosine in the embedding table."""

    def __init__(
        self, model: AttentionModel, min_cos_sim: float, max_candidates: int, namespace: str
    ) -> None:
        with torch.no_grad():
            weight = word_vectors(word_embedding(model)).detach().float()
        self.unit = weight / weight.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        self.min_cos_sim = min_cos_sim
        self.max_candidates = max_candidates
        vocab = model.vocab.get_index_to_token_vocabulary(namespace)
        self.excluded = torch.tensor(
            [i for i in range(weight.size(0)) if not WORD.search(str(vocab.get(i, "")))]
            + model.special_token_ids(),
            dtype=torch.long,
        )
        self._cache: Dict[int, List[Tuple[int, float]]] = {}

    def __call__(self, token_id: int) -> List[Tuple[int, float]]:
        """`(id, cosine)` of the candidates of `token_id`, most similar first (ties by id)."""
        if token_id not in self._cache:
            with torch.no_grad():
                similarity = self.unit @ self.unit[token_id]
                similarity[token_id] = -math.inf
                similarity[self.excluded] = -math.inf
                k = min(self.max_candidates, similarity.numel())
                values, ids = similarity.double().topk(k)
            self._cache[token_id] = [
                (int(i), float(v))
                for v, i in sorted(zip(values.tolist(), ids.tolist()), key=lambda p: (-p[0], p[1]))
                if v >= self.min_cos_sim
            ]
        return self._cache[token_id]
