"""
Word importance per token of the attended text, the references that attention is compared with
(docs/methods.md, "Evaluation"):

- gradient (the default, `"gradient"`): |(d y_hat / d x_t) . x_t| normalised to sum 1 over the
  real tokens, where y_hat is the probability of the predicted class and x_t the word embedding of
  token t, with the attention weights **detached** (constants for autograd: the gradient flows only
  through the attended states h_t of c = sum_t a_t h_t, never through the scores), as in Jain &
  Wallace's released code (`gradient_mem` sets `batch_data.detach = True`), on which Kitada &
  Iyatomi build.
- gradient through attention (`"gradient_through_attention"`): the same with the gradient also
  flowing through the attention weights (the full derivative of the model). allennlp's
  `Predictor.get_gradients` (the gradient of the loss of the predicted label, -log y_hat, whose
  gradient is the gradient of y_hat times -1/y_hat, a factor the L1 normalisation of the absolute
  values cancels) gives the same numbers once multiplied by the embeddings and normalised
  (`tests/interpret/test_importance.py` checks it). Its `SimpleGradient` interpreter does not:
  in allennlp 2.10.1 it squeezes the batch dimension of the captured embeddings and then indexes
  `[0]` again, so every token's gradient is multiplied by the *first* token's embedding
  (simple_gradient.py:52 and :67). Here the measure is computed for a whole batch in one backward
  pass (the examples of a batch do not interact), which a report over a test set needs.
- leave-one-out: |y_hat(x) - y_hat(x without token t)|, the change of the predicted class's
  probability when token t is dropped from the text (not normalised). For two classes it equals
  Jain & Wallace's total variation distance between the two output distributions. A text of one
  token has no leave-one-out importance (`None`). For the pair model with exact-match flags, the
  hypothesis's flags are recomputed without the dropped premise word, as the reader would compute
  them for the shorter premise.

For a model over wordpieces (a pretrained Transformer), `words=True` gives both at the level of
words, grouped as the predictor groups them (`wordpiece_words`: `##x` continues a word, special
tokens belong to none): a word's gradient importance is the sum of its pieces' (special tokens
dropped, so a row sums to 1 minus theirs), and its leave-one-out importance drops the whole word,
all its pieces at once (the special tokens stay).
"""

import logging
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance

from attnat_allennlp.data.dataset_readers.pair import exact_match_flags
from attnat_allennlp.data.pretrained_transformer import sum_by_word, wordpiece_words
from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.models.base import AttentionModel, AttentionState

IMPORTANCE_METHODS = ("gradient", "gradient_through_attention", "leave_one_out")

# The words of each instance of a batch as the positions of their wordpieces (`wordpiece_words`),
# or `None` for models whose tokens are words.
WordPieces = Optional[List[List[List[int]]]]

logger = logging.getLogger(__name__)


def word_pieces(model: AttentionModel, instances: List[Instance]) -> WordPieces:
    """
    `None` unless the model reads wordpieces (`model.uses_wordpieces`); then, per instance, the
    words of its attended text as the positions of their pieces, grouped as the predictor's
    `word_attention` is (`wordpiece_words`).
    """
    if not model.uses_wordpieces:
        return None
    field = model.attended_field
    return [
        wordpiece_words([token.text for token in instance[field].tokens])  # type: ignore
        for instance in instances
    ]


def predicted_probabilities(model: AttentionModel, state: AttentionState) -> torch.Tensor:
    """The class probabilities `(batch, num_labels)` of the model for a state."""
    logits, _ = model.logits_from_scores(state)
    return torch.softmax(logits, dim=-1)


def gradient_importance_for_state(
    model: AttentionModel, state: AttentionState, detach_attention: bool = True
) -> torch.Tensor:
    """
    Gradient importance `(batch, seq_len)` of the attended field's tokens: 0 on padding, each row
    summing to 1 over the real tokens (a row of zero gradients stays 0). `detach_attention`:
    Jain & Wallace's measure (the default); `False`: the gradient through attention too.
    """
    field = attended_field(state)
    embeddings = {name: value.detach() for name, value in state.embeddings.items()}
    embedded = embeddings[field].requires_grad_(True)
    # `cudnn` refuses an RNN backward pass in eval mode; allennlp's get_gradients does the same.
    with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        rerun = model.rerun_from_embeddings(replace(state, embeddings=embeddings), {})
        logits, _ = model.logits_from_scores(rerun, detach_attention=detach_attention)
        probs = torch.softmax(logits, dim=-1)
        predicted = probs.argmax(dim=-1, keepdim=True)
        (gradient,) = torch.autograd.grad(probs.gather(1, predicted).sum(), embedded)
    saliency = (gradient * embedded.detach()).sum(-1).abs().masked_fill(~state.mask, 0.0)
    total = saliency.sum(-1, keepdim=True)
    return torch.where(total > 0, saliency / total.clamp_min(1e-30), saliency)


def gradient_importance(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    detach_attention: bool = True,
    words: bool = False,
) -> List[List[float]]:
    """
    Gradient importance of each instance's attended tokens (one list per instance), with the
    attention detached (Jain & Wallace's) unless `detach_attention=False`; with `words`, of each
    word of a wordpiece model (the sum of its pieces').
    """
    results: List[List[float]] = []
    for chunk in chunks(instances, batch_size):
        state = build_state(model, tensorize(model, chunk))
        importance = gradient_importance_for_state(model, state, detach_attention)
        rows = [row[:n].tolist() for row, n in zip(importance.cpu(), real_lengths(state))]
        groups = word_pieces(model, chunk) if words else None
        if groups is not None:
            rows = [sum_by_word(row, group) for row, group in zip(rows, groups)]
        results.extend(rows)
    return results


def _seq_len(text: Dict[str, Dict[str, torch.Tensor]]) -> int:
    return next(t for indexed in text.values() for t in indexed.values()).size(1)


def _pad_one(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` with one more position of zeros at the end of dimension 1."""
    return torch.cat([tensor, tensor.new_zeros(tensor.shape[:1] + (1,) + tensor.shape[2:])], dim=1)


def shortened_features(model: AttentionModel, field: str) -> Tuple[Tuple[str, ...], Dict[str, str]]:
    """
    The token features that change when the attended `field` is shortened: `(own, matched)`, the
    features of `field` itself (shortened with it), and `{argument: its text}` for the features of
    the other texts that are matched against `field` (the hypothesis's exact-match flags when the
    premise is shortened), which are recomputed (`_select_rows`).
    """
    own = tuple(a for a, text in model.token_feature_fields.items() if text == field)
    matched = {
        argument: model.token_feature_fields[argument]
        for argument, against in model.token_feature_matches.items()
        if against == field and argument in model.token_feature_fields
    }
    return own, matched


def _rematched_flags(
    flags: torch.Tensor,
    rows: torch.Tensor,
    keep: torch.Tensor,
    metadata: Optional[List[Dict[str, Any]]],
    field: str,
    text: str,
    argument: str,
) -> torch.Tensor:
    """
    The exact-match flags of `text` (`argument`, `(batch, len)`) of the instances `rows`, matched
    against the tokens of `field` that `keep` keeps (1.0 where a token's lower-cased text occurs
    among them: the pair readers' `exact_match_flags`), from the token texts of `metadata`
    (`{field}_tokens`, `{text}_tokens`). Without those texts the flags stay as they are, with a
    warning.
    """
    flags = flags[rows]
    keys = (f"{field}_tokens", f"{text}_tokens")
    if metadata is None or any(key not in metadata[0] for key in keys):
        logger.warning_once(
            f"{argument} cannot be recomputed without the token texts ({keys[0]} and {keys[1]} in "
            f"the instances' metadata): when {field} is shortened it keeps the flags of the whole "
            f"{field}"
        )
        return flags
    fresh = torch.zeros_like(flags)
    for i, (row, kept) in enumerate(zip(rows.tolist(), keep.tolist())):
        tokens = metadata[row][keys[0]]
        own = metadata[row][keys[1]][: flags.size(1)]
        remaining = (tokens[position] for position in kept if position < len(tokens))
        fresh[i, : len(own)] = torch.tensor(exact_match_flags(own, remaining))
    return fresh


def _select_rows(
    tensors: Dict[str, Any],
    rows: torch.Tensor,
    field: str,
    keep: torch.Tensor,
    field_features: Tuple[str, ...] = (),
    matched_features: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]:
    """
    A tensor dict of the instances `rows` (one index per new row), where the attended `field` (and
    its token features, the tensors named in `field_features`) keeps only the positions `keep`
    `(num_rows, new_len)` of each row, in that order. A position equal to `seq_len` is padding
    (all zeros: the padding id, no features), so rows may keep different numbers of tokens: the
    kept positions first, then `seq_len`. The features of the other texts that are matched against
    `field` (`matched_features`, `{argument: its text}`: the hypothesis's exact-match flags) are
    recomputed against the kept tokens, as the reader would compute them for the shortened text, so
    that a dropped premise word no longer shows in the hypothesis's flags; the other features stay.
    """
    pad = bool((keep == _seq_len(tensors[field])).any())
    selected: Dict[str, Any] = {}
    for name, value in tensors.items():
        if isinstance(value, dict):
            selected[name] = {}
            for indexer, indexed in value.items():
                selected[name][indexer] = {}
                for key, tensor in indexed.items():
                    tensor = tensor[rows]
                    if name == field:
                        tensor = _pad_one(tensor) if pad else tensor
                        index = keep.view(keep.shape + (1,) * (tensor.dim() - 2))
                        tensor = tensor.gather(1, index.expand((-1, -1) + tensor.shape[2:]))
                    selected[name][indexer][key] = tensor
        elif isinstance(value, torch.Tensor):
            if matched_features and name in matched_features:
                selected[name] = _rematched_flags(
                    value,
                    rows,
                    keep,
                    tensors.get("metadata"),
                    field,
                    matched_features[name],
                    name,
                )
                continue
            value = value[rows]
            if name in field_features:
                value = _pad_one(value) if pad else value
                index = keep.view(keep.shape + (1,) * (value.dim() - 2))
                value = value.gather(1, index.expand((-1, -1) + value.shape[2:]))
            selected[name] = value
    return selected


def leave_one_out_importance_for_tensors(
    model: AttentionModel, tensors: Dict[str, Any], batch_size: int = 256, words: WordPieces = None
) -> List[Optional[List[float]]]:
    """
    Leave-one-out importance for a padded tensor dict. The texts without one token are built by
    dropping that position from every tensor of the attended field (positions on dimension 1, as
    single-id, character and this package's wordpiece indexers give; allennlp's mismatched
    indexers' offsets are not supported) and run `batch_size` at a time. With `words` (one list of
    word pieces per instance, `word_pieces`), each word is dropped instead, all its pieces at once,
    and the result has one value per word (`None` for a text of fewer than two words).
    """
    with torch.no_grad():
        state = build_state(model, tensors)
        field = attended_field(state)
        if any("offsets" in indexed for indexed in tensors[field].values()):
            raise ConfigurationError("leave-one-out importance does not support wordpiece offsets")
        probs = predicted_probabilities(model, state)
        predicted = probs.argmax(dim=-1)
        features, matched = shortened_features(model, field)
        lengths = real_lengths(state)
        seq_len = state.mask.size(1)
        units = (
            [[[t] for t in range(n)] for n in lengths]
            if words is None
            else [list(group) for group in words]
        )
        if len(units) != len(lengths):
            raise ValueError(f"words cover {len(units)} instances; the batch has {len(lengths)}")
        # (row, the positions dropped) of every shorter text
        dropped = [(i, unit) for i, row in enumerate(units) if len(row) >= 2 for unit in row]
        changes = torch.zeros(len(dropped), device=state.mask.device)
        for start in range(0, len(dropped), batch_size):
            chunk = dropped[start : start + batch_size]
            width = seq_len - min(len(unit) for _, unit in chunk)
            keep = torch.full((len(chunk), width), seq_len, dtype=torch.long)
            for j, (_, unit) in enumerate(chunk):
                gone = set(unit)
                kept = [t for t in range(seq_len) if t not in gone]
                keep[j, : len(kept)] = torch.tensor(kept, dtype=torch.long)
            rows = torch.tensor([i for i, _ in chunk], device=state.mask.device)
            reduced = predicted_probabilities(
                model,
                build_state(
                    model,
                    _select_rows(
                        tensors, rows, field, keep.to(state.mask.device), features, matched
                    ),
                ),
            )
            row_predicted = predicted[rows].unsqueeze(1)
            changes[start : start + len(chunk)] = (
                (probs[rows].gather(1, row_predicted) - reduced.gather(1, row_predicted))
                .abs()
                .squeeze(1)
            )
    results: List[Optional[List[float]]] = []
    offset = 0
    for row in units:
        if len(row) < 2:
            results.append(None)
            continue
        results.append(changes[offset : offset + len(row)].tolist())
        offset += len(row)
    return results


def leave_one_out_importance(
    model: AttentionModel, instances: List[Instance], batch_size: int = 32, words: bool = False
) -> List[Optional[List[float]]]:
    """
    Leave-one-out importance of each instance's attended tokens (with `words`, of each word of a
    wordpiece model, dropped whole), `None` for one-token (one-word) texts.
    """
    results: List[Optional[List[float]]] = []
    for chunk in chunks(instances, batch_size):
        groups = word_pieces(model, chunk) if words else None
        results.extend(
            leave_one_out_importance_for_tensors(model, tensorize(model, chunk), words=groups)
        )
    return results


def token_importance(
    model: AttentionModel,
    instances: List[Instance],
    method: str,
    batch_size: int = 32,
    words: bool = False,
) -> List[Optional[List[float]]]:
    """
    `gradient_importance` (`"gradient"`: attention detached, Jain & Wallace's;
    `"gradient_through_attention"`: not detached) or `leave_one_out_importance`, by name
    (`IMPORTANCE_METHODS`); with `words`, per word of a wordpiece model.
    """
    if method in ("gradient", "gradient_through_attention"):
        detach = method == "gradient"
        return gradient_importance(model, instances, batch_size, detach, words)  # type: ignore
    if method == "leave_one_out":
        return leave_one_out_importance(model, instances, batch_size, words)
    raise ConfigurationError(
        f"unknown importance {method!r}; expected one of {', '.join(IMPORTANCE_METHODS)}"
    )
