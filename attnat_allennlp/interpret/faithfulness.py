"""
Faithfulness of a token ranking (ERASER, DeYoung et al. 2020, `rationale_benchmark/metrics.py`),
and the sharpness of attention:

- comprehensiveness at a fraction f: p(y|x) - p(y|x without its top k tokens), sufficiency:
  p(y|x) - p(y|only its top k tokens), with y the predicted class, the tokens ranked by a score
  (attention, gradient importance, a random order), k = max(1, ceil(f * length)) (at least one token
  is removed or kept; ceil so that at least the fraction goes), the kept tokens in their original
  order, and the texts re-run through the model. AOPC (area over the perturbation curve) is the mean
  over the fractions `AOPC_FRACTIONS` = 1, 5, 10, 20 and 50 %. Removing every token (a one-token
  text) leaves the model an empty text, whose output (all padding: zero attention, the output layer
  on a zero context) is what the model says without evidence. High comprehensiveness and low
  sufficiency mean a faithful ranking.
- entropy of the attention distribution over the real tokens (natural log), also divided by
  log(length) (1 for uniform attention, 0 for one-hot; undefined for one token).

Only the attended text is shortened (the premise of the pair model); the other text stays whole,
but its exact-match flags are recomputed against the kept premise tokens, as the reader would
compute them for the shortened premise (otherwise the hypothesis's flags would still show the
removed words).
For a wordpiece model the ranking may be over words (`words`): the top k words are removed or kept
with all their pieces, and the special tokens (`[CLS]`, `[SEP]`) always stay.
"""

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy
import torch
from scipy import stats

from attnat_allennlp.interpret.batching import attended_field, build_state, real_lengths
from attnat_allennlp.interpret.importance import (
    _select_rows,
    predicted_probabilities,
    shortened_features,
)
from attnat_allennlp.models.base import AttentionModel

AOPC_FRACTIONS = (0.01, 0.05, 0.1, 0.2, 0.5)
FAITHFULNESS_MEASURES = ("comprehensiveness", "sufficiency")


def tokens_for_fraction(fraction: float, length: int) -> int:
    """k = max(1, ceil(fraction * length)), at most the length (the float product rounded first)."""
    return min(length, max(1, math.ceil(round(fraction * length, 9))))


def ranking(scores: Sequence[float]) -> numpy.ndarray:
    """The positions by decreasing score, ties broken by position (the earlier token first)."""
    return numpy.argsort(-numpy.asarray(scores, dtype=float), kind="stable")


def faithfulness_for_tensors(
    model: AttentionModel,
    tensors: Dict[str, Any],
    scores: Dict[str, List[Sequence[float]]],
    fractions: Sequence[float] = AOPC_FRACTIONS,
    batch_size: int = 256,
    words: Optional[List[List[List[int]]]] = None,
) -> Dict[str, Dict[str, numpy.ndarray]]:
    """
    Comprehensiveness and sufficiency of each ranking of `scores` (`{name: one score per real token
    of each instance}`) for a padded tensor dict. With `words` (per instance, each word as the
    positions of its wordpieces: `importance.word_pieces`), the scores are one per word, k counts
    words, and a word goes (or stays) with all its pieces; the real positions of no word (special
    tokens) always stay.

    # Returns

    `{name: {"comprehensiveness": (batch, len(fractions)), "sufficiency": (batch, len(fractions))}}`,
    numpy arrays; their mean over the last axis is the AOPC of each instance.

    Every distinct shortened text of a row is run once (the rankings often share their top tokens),
    `batch_size` at a time, sorted by length.
    """
    with torch.no_grad():
        state = build_state(model, tensors)
        field = attended_field(state)
        probs = predicted_probabilities(model, state)
        predicted = probs.argmax(dim=-1)
        clean = probs.gather(1, predicted.unsqueeze(1)).squeeze(1).cpu().numpy()
        lengths = real_lengths(state)
        seq_len = state.mask.size(1)
        features, matched = shortened_features(model, field)
        if words is not None and len(words) != len(lengths):
            raise ValueError(f"words cover {len(words)} instances; the batch has {len(lengths)}")
        units = (
            [[[t] for t in range(n)] for n in lengths]
            if words is None
            else [[list(word) for word in row] for row in words]
        )
        always = [
            sorted(set(range(n)) - {t for word in row for t in word})
            for row, n in zip(units, lengths)
        ]

        def positions(row: int, chosen: Sequence[int]) -> Tuple[int, ...]:
            return tuple(sorted(always[row] + [t for u in chosen for t in units[row][u]]))

        variants: Dict[Tuple[int, Tuple[int, ...]], int] = {}
        where: Dict[str, Dict[str, numpy.ndarray]] = {}
        for name, by_instance in scores.items():
            if len(by_instance) != len(lengths):
                raise ValueError(
                    f"the {name} scores cover {len(by_instance)} instances; the batch has {len(lengths)}"
                )
            comprehensiveness = numpy.zeros((len(lengths), len(fractions)), dtype=int)
            sufficiency = numpy.zeros_like(comprehensiveness)
            for row, values in enumerate(by_instance):
                n = len(units[row])
                if len(values) != n:
                    raise ValueError(
                        f"the {name} scores of instance {row} have {len(values)} values for {n} "
                        + ("tokens" if words is None else "words")
                    )
                order = ranking(values)
                for column, fraction in enumerate(fractions):
                    k = tokens_for_fraction(fraction, n)
                    removed = positions(row, order[k:].tolist())  # kept without the top k
                    kept = positions(row, order[:k].tolist())  # only the top k
                    comprehensiveness[row, column] = variants.setdefault(
                        (row, removed), len(variants)
                    )
                    sufficiency[row, column] = variants.setdefault((row, kept), len(variants))
            where[name] = {"comprehensiveness": comprehensiveness, "sufficiency": sufficiency}
        reduced = _run_variants(
            model, tensors, field, features, matched, list(variants), seq_len, predicted, batch_size
        )
    return {
        name: {measure: clean[:, None] - reduced[index] for measure, index in by_measure.items()}
        for name, by_measure in where.items()
    }


def _run_variants(
    model: AttentionModel,
    tensors: Dict[str, Any],
    field: str,
    features: Tuple[str, ...],
    matched: Dict[str, str],
    variants: List[Tuple[int, Tuple[int, ...]]],
    seq_len: int,
    predicted: torch.Tensor,
    batch_size: int,
) -> numpy.ndarray:
    """p(predicted class of the row | the row keeping only the given positions), per variant."""
    device = predicted.device
    result = numpy.zeros(len(variants))
    by_length = sorted(range(len(variants)), key=lambda i: len(variants[i][1]))
    for start in range(0, len(by_length), batch_size):
        chunk = [variants[i] for i in by_length[start : start + batch_size]]
        width = max(1, max(len(kept) for _, kept in chunk))
        keep = torch.full((len(chunk), width), seq_len, dtype=torch.long)
        for i, (_, kept) in enumerate(chunk):
            keep[i, : len(kept)] = torch.tensor(kept, dtype=torch.long)
        rows = torch.tensor([row for row, _ in chunk], device=device)
        selected = _select_rows(tensors, rows, field, keep.to(device), features, matched)
        probs = predicted_probabilities(model, build_state(model, selected))
        values = probs.gather(1, predicted[rows].unsqueeze(1)).squeeze(1)
        result[by_length[start : start + batch_size]] = values.cpu().numpy()
    return result


def attention_entropy(weights: Sequence[float]) -> Tuple[float, Optional[float]]:
    """
    `(entropy, entropy / log(length))` of one attention distribution over its real tokens
    (natural log); the normalised one is `None` for a single token.
    """
    weights = numpy.asarray(weights, dtype=float)
    entropy = float(stats.entropy(weights))
    return entropy, (entropy / math.log(weights.size) if weights.size > 1 else None)


def attention_entropies(
    weights: torch.Tensor, lengths: Sequence[int]
) -> List[Tuple[float, Optional[float]]]:
    """`attention_entropy` of each row of a padded batch of weights `(batch, seq_len)` (0 on padding)."""
    entropies = numpy.atleast_1d(stats.entropy(weights.detach().cpu().double().numpy(), axis=1))
    return [
        (float(h), float(h / math.log(n)) if n > 1 else None) for h, n in zip(entropies, lengths)
    ]
