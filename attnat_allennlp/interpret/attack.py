"""
A discrete word-substitution attack that none of the package's techniques trains against: the
search of TextFooler (Jin et al. 2020, "Is BERT Really Robust?"), as TextAttack implements it
(Morris et al. 2020, `GreedyWordSwapWIR` with `wir_method="unk"`), with candidates from the
model's own word embeddings.

For each example the model predicts correctly (the others are not attacked):

1. **Word importance**: the drop in the gold class's probability when the word is replaced by the
   OOV token (TextAttack's "unk" ranking), one forward pass per eligible word, batched.
2. **Candidates** for a word: its `max_candidates` nearest neighbours (cosine) in the model's own
   embedding table, those with cosine similarity >= `min_cos_sim` only (TextFooler's N = 50 and
   delta = 0.7; TextAttack's `WordSwapEmbedding(max_candidates=50)`), never the padding or OOV
   token or a word without a letter or digit.
3. **Greedy search**: the eligible words in order of importance (ties by position); at each word
   every candidate is tried on the current text; the one giving the lowest gold probability is kept
   if it lowers it. When a candidate flips the prediction, the flipping candidate most similar to
   the original word (cosine) is kept and the attack has succeeded.
4. **Limits**: at most `ceil(max_words_changed * words)` words changed (TextAttack's
   `MaxWordsPerturbed`, whose share 0.2 is the one of its Alzantot et al. 2018 recipe; words are
   the tokens with a letter or digit), and at most `query_budget` forward passes of one example
   (the first prediction, the importance and the candidates each count one).

Eligible words: tokens of the attacked text with a letter or digit, not in `stop_words` (default
scikit-learn's `ENGLISH_STOP_WORDS`, lower-cased comparison), not OOV, and for a pair model not
occurring (lower-cased) in the other text. Only one text of a pair is changed: the hypothesis (the
question of QA), as TextFooler and TextAttack's `InputColumnModification(["premise",
"hypothesis"], {"premise"})` do; the premise, which attention pools over, stays as it is (its
exact-match flags are recomputed against the attacked hypothesis, as the reader computes them).

The neighbours are those of the model's own vectors (not counter-fitted ones, as TextFooler's):
GloVe places antonyms near each other ("good"/"bad"), so a substitution may change the meaning.
The attack measures how easily the prediction moves under small discrete changes the model was not
trained against, not whether the changes preserve the meaning. Models over wordpieces (pretrained
Transformers) are not attacked: a word is several pieces and its neighbours are not in one table.
Deterministic: no randomness anywhere.

The candidates are found in `attack_candidates.py`, a pair's texts handled in `attack_pairs.py`;
this file holds the greedy search and the measures.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from attnat_allennlp.interpret.attack_candidates import WORD, Neighbours
from attnat_allennlp.interpret.attack_pairs import (
    attacked_field,
    other_field,
    substituted_instance,
    swapped_flags,
)
from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.models.base import AttentionModel
from attnat_allennlp.perturbations.word_iat import word_embedding

# TextFooler's defaults (Jin et al. 2020, section 3.2: N = 50, delta = 0.7); TextAttack's
# MaxWordsPerturbed share of its alzantot_2018 recipe (0.2).
DEFAULT_MIN_COS_SIM = 0.7
DEFAULT_MAX_CANDIDATES = 50
DEFAULT_MAX_WORDS_CHANGED = 0.2
DEFAULT_QUERY_BUDGET = 1000

ATTACK_MEASURES = (
    "attack_accuracy",
    "attack_success_rate",
    "attack_words_changed",
    "attack_queries",
)


@dataclass
class AttackResult:
    """
    The attack on one example.

    attacked : whether it was attacked (labelled and predicted correctly).
    success : whether the prediction was flipped.
    text_field : the name of the text field changed (`tokens`, or `hypothesis` of a pair).
    original_tokens, tokens : that field's token texts before and after.
    changes : `(position, old word, new word)` of each substitution kept.
    words : the number of words of the attacked text (tokens with a letter or digit).
    queries : forward passes spent on the example.
    gold_probability : the gold class's probability before and after, `(before, after)`.
    instance : the attacked instance (the original when nothing was changed), for the stability
        measures.
    """

    attacked: bool
    success: bool = False
    text_field: str = "tokens"
    original_tokens: List[str] = field(default_factory=list)
    tokens: List[str] = field(default_factory=list)
    changes: List[Tuple[int, str, str]] = field(default_factory=list)
    words: int = 0
    queries: int = 0
    gold_probability: Tuple[Optional[float], Optional[float]] = (None, None)
    instance: Optional[Instance] = None

    @property
    def words_changed(self) -> Optional[float]:
        """The share of the attacked text's words changed (`None` for a text without words)."""
        return len(self.changes) / self.words if self.words else None

    def as_dict(self) -> Dict[str, Any]:
        """The JSON-ready per-example values (no instance)."""
        return {
            "attacked": self.attacked,
            "success": self.success,
            "text_field": self.text_field,
            "original_tokens": self.original_tokens,
            "tokens": self.tokens,
            "changes": [list(change) for change in self.changes],
            "words_changed": self.words_changed,
            "queries": self.queries,
            "gold_probability": list(self.gold_probability),
        }


def _check_model(model: AttentionModel) -> None:
    if model.uses_wordpieces:
        raise ConfigurationError(
            "the word-substitution attack works on models over words (an 'embedding' token "
            "embedder): this model reads the wordpieces of a pretrained Transformer, whose words "
            "are several pieces without one embedding each; leave the attack off for it"
        )
    try:
        word_embedding(model)
    except ConfigurationError as error:
        raise ConfigurationError(
            "the word-substitution attack takes its candidates from the model's word embedding "
            f"table: {str(error).replace('word_iat needs', 'it needs')}"
        ) from None


def _check_options(max_words_changed: float, min_cos_sim: float, max_candidates: int, budget: int):
    if not 0.0 < max_words_changed <= 1.0:
        raise ConfigurationError(
            f"max_words_changed must be a share in (0, 1], got {max_words_changed}"
        )
    if not -1.0 <= min_cos_sim <= 1.0:
        raise ConfigurationError(f"min_cos_sim must be a cosine in [-1, 1], got {min_cos_sim}")
    if max_candidates < 1 or budget < 1:
        raise ConfigurationError(
            f"max_candidates and query_budget must be at least 1, got {max_candidates} and {budget}"
        )


def _repeat(value: Any, rows: int) -> Any:
    # A one-example tensor dict repeated `rows` times (metadata lists too).
    if isinstance(value, torch.Tensor):
        return value.expand(rows, *value.shape[1:]).clone()
    if isinstance(value, dict):
        return {key: _repeat(item, rows) for key, item in value.items()}
    if isinstance(value, list):
        return value * rows
    return value


def _token_ids(tensors: Dict[str, Any], text: str) -> torch.Tensor:
    indexed = tensors[text]
    if len(indexed) != 1 or "tokens" not in next(iter(indexed.values())):
        raise ConfigurationError(
            f"the attack needs the text field {text!r} indexed by one single_id indexer, found "
            f"{sorted(indexed)}"
        )
    return next(iter(indexed.values()))["tokens"]


class _Attacker:
    """The attack of one model; `attack(instance)` attacks one example."""

    def __init__(
        self,
        model: AttentionModel,
        max_words_changed: float,
        min_cos_sim: float,
        max_candidates: int,
        query_budget: int,
        stop_words: Iterable[str],
        batch_size: int,
    ) -> None:
        self.model = model
        self.text = attacked_field(model)
        self.other = other_field(model)
        self.namespace = model.namespace
        self.vocab = model.vocab
        self.oov = self.vocab.get_token_index(self.vocab._oov_token, self.namespace)
        self.neighbours = Neighbours(model, min_cos_sim, max_candidates, self.namespace)
        self.max_words_changed = max_words_changed
        self.budget = query_budget
        self.stop_words: FrozenSet[str] = frozenset(word.lower() for word in stop_words)
        self.batch_size = batch_size
        self.features = {
            argument: text
            for argument, text in model.token_feature_fields.items()
            if argument in model.token_feature_matches
        }

    def probabilities(self, tensors: Dict[str, Any], label: int) -> torch.Tensor:
        """The gold class's probability and whether it is still predicted, per row."""
        gold, right = [], []
        rows = _token_ids(tensors, self.text).size(0)
        with torch.no_grad():
            for start in range(0, rows, self.batch_size):
                part = _slice(tensors, start, start + self.batch_size)
                logits, _ = self.model.logits_from_scores(build_state(self.model, part))
                probs = torch.softmax(logits, dim=-1)
                gold.append(probs[:, label])
                right.append(probs.argmax(dim=-1) == label)
        return torch.stack([torch.cat(gold), torch.cat(right).to(torch.float)], dim=-1).cpu()

    def variants(
        self,
        tensors: Dict[str, Any],
        texts: Dict[str, List[str]],
        swaps: List[Tuple[int, int, str]],
    ) -> Dict[str, Any]:
        """`tensors` (one example) repeated, row i with the word at `swaps[i][0]` set to its id."""
        batch = _repeat(tensors, len(swaps))
        ids = _token_ids(batch, self.text)
        positions = torch.tensor([p for p, _, _ in swaps], device=ids.device)
        values = torch.tensor([i for _, i, _ in swaps], device=ids.device, dtype=ids.dtype)
        ids[torch.arange(len(swaps), device=ids.device), positions] = values
        for argument, text in self.features.items():
            batch[argument] = swapped_flags(
                batch[argument], texts, swaps, text, self.text, self.other
            )
        return batch

    def eligible(self, texts: Dict[str, List[str]], ids: List[int]) -> List[int]:
        other = {t.lower() for t in texts[self.other]} if self.other else set()
        return [
            position
            for position, (word, token_id) in enumerate(zip(texts[self.text], ids))
            if WORD.search(word)
            and word.lower() not in self.stop_words
            and word.lower() not in other
            and token_id != self.oov
        ]

    def attack(self, instance: Instance, label: Optional[int]) -> AttackResult:
        """The attack on one example (not attacked: unlabelled, or predicted wrongly)."""
        tensors = tensorize(self.model, [instance])
        texts = {
            name: [t.text for t in instance[name].tokens]  # type: ignore
            for name in (self.text, self.other)
            if name is not None
        }
        original = list(texts[self.text])
        ids = _token_ids(tensors, self.text)[0].tolist()[: len(original)]
        words = sum(1 for word in original if WORD.search(word))
        result = AttackResult(
            attacked=False,
            text_field=self.text,
            original_tokens=original,
            tokens=list(original),
            words=words,
            instance=instance,
        )
        if label is None:
            return result
        start = self.probabilities(tensors, label)[0]
        result.gold_probability = (float(start[0]), float(start[0]))
        if not start[1]:
            return result
        result.attacked, result.queries = True, 1  # the first prediction is a query
        positions = self.eligible(texts, ids)[: max(0, self.budget - result.queries)]
        if not positions:
            return result
        unk = self.variants(
            tensors, texts, [(p, self.oov, self.vocab._oov_token) for p in positions]
        )
        drops = start[0] - self.probabilities(unk, label)[:, 0]
        result.queries += len(positions)
        order = sorted(range(len(positions)), key=lambda i: (-float(drops[i]), positions[i]))
        allowed = math.ceil(self.max_words_changed * words)
        current, probability = tensors, float(start[0])
        for index in order:
            position = positions[index]
            remaining = self.budget - result.queries
            if len(result.changes) >= allowed or remaining <= 0:
                break
            candidates = self.neighbours(ids[position])[:remaining]
            if not candidates:
                continue
            swaps = [
                (position, i, self.vocab.get_token_from_index(i, self.namespace))
                for i, _ in candidates
            ]
            scored = self.probabilities(self.variants(current, texts, swaps), label)
            result.queries += len(swaps)
            flipped = [i for i in range(len(swaps)) if scored[i, 1] == 0]
            if flipped:  # the most similar word that flips (candidates are sorted by cosine)
                best = flipped[0]
            else:
                best = min(range(len(swaps)), key=lambda i: (float(scored[i, 0]), i))
                if float(scored[best, 0]) >= probability:
                    continue
            word = swaps[best][2]
            current = self.variants(current, texts, [swaps[best]])
            texts[self.text][position] = word
            ids[position] = swaps[best][1]
            probability = float(scored[best, 0])
            result.changes.append((position, original[position], word))
            if flipped:
                result.success = True
                break
        result.tokens = list(texts[self.text])
        result.gold_probability = (float(start[0]), probability)
        result.changes.sort()
        if result.changes:
            result.instance = substituted_instance(instance, self.text, result.tokens)
        return result


def _slice(value: Any, start: int, end: int) -> Any:
    if isinstance(value, torch.Tensor):
        return value[start:end]
    if isinstance(value, dict):
        return {key: _slice(item, start, end) for key, item in value.items()}
    if isinstance(value, list):
        return value[start:end]
    return value


def _gold_labels(model: AttentionModel, instances: Sequence[Instance]) -> List[Optional[int]]:
    labels: List[Optional[int]] = []
    for instance in instances:
        label = instance.fields.get("label")
        if label is None:
            labels.append(None)
            continue
        label.index(model.vocab)  # type: ignore
        labels.append(int(label._label_id))  # type: ignore
    return labels


def word_substitution_attack(
    model: AttentionModel,
    instances: Sequence[Instance],
    max_words_changed: float = DEFAULT_MAX_WORDS_CHANGED,
    min_cos_sim: float = DEFAULT_MIN_COS_SIM,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    query_budget: int = DEFAULT_QUERY_BUDGET,
    stop_words: Iterable[str] = ENGLISH_STOP_WORDS,
    batch_size: int = 64,
) -> Tuple[List[AttackResult], Dict[str, Optional[float]]]:
    """
    Attacks every labelled example the model predicts correctly (see the module docstring).

    # Parameters

    model : `AttentionModel`
        A model over words (not wordpieces), in eval mode.
    instances : `Sequence[Instance]`
        Labelled instances (unlabelled ones are skipped: no gold class to attack).
    max_words_changed : `float`, optional (default = `0.2`)
        The largest share of the attacked text's words changed (rounded up).
    min_cos_sim : `float`, optional (default = `0.7`)
        The least cosine similarity of a candidate to the word it replaces.
    max_candidates : `int`, optional (default = `50`)
        The nearest neighbours considered per word.
    query_budget : `int`, optional (default = `1000`)
        The most forward passes per example (its first prediction included).
    stop_words : `Iterable[str]`, optional (default = scikit-learn's `ENGLISH_STOP_WORDS`)
        Words never replaced.
    batch_size : `int`, optional (default = `64`)

    # Returns

    `(results, measures)`: one `AttackResult` per instance, and `attack_measures(results)`.
    """
    _check_model(model)
    _check_options(max_words_changed, min_cos_sim, max_candidates, query_budget)
    attacker = _Attacker(
        model, max_words_changed, min_cos_sim, max_candidates, query_budget, stop_words, batch_size
    )
    labels = _gold_labels(model, instances)
    results = []
    for instance, label in zip(instances, labels):
        results.append(attacker.attack(instance, label))
    labelled = sum(label is not None for label in labels)
    return results, attack_measures(results, labelled)


def attack_measures(
    results: Sequence[AttackResult], labelled: Optional[int] = None
) -> Dict[str, Optional[float]]:
    """
    The attack's measures over a data set (`None` where undefined):

    - `attack_accuracy` (higher is better): the share of the labelled examples still predicted
      correctly after the attack (the examples predicted wrongly count as wrong);
    - `attack_success_rate` (lower is better): of the examples predicted correctly, the share whose
      prediction the attack flipped (TextAttack's "attack success rate");
    - `attack_words_changed` (higher is better: more words had to change): the mean share of the
      words changed, over the successful attacks (TextAttack's "average perturbed word %");
    - `attack_queries` (higher is better: the model was more costly to attack, within the
      budget): the mean number of forward passes per attacked example.

    `labelled` is the number of labelled examples (default: those attacked or not, all results).
    """
    attacked = [r for r in results if r.attacked]
    succeeded = [r for r in attacked if r.success]
    total = len(results) if labelled is None else labelled
    shares = [r.words_changed for r in succeeded if r.words_changed is not None]
    return {
        "attack_accuracy": (len(attacked) - len(succeeded)) / total if total else None,
        "attack_success_rate": len(succeeded) / len(attacked) if attacked else None,
        "attack_words_changed": sum(shares) / len(shares) if shares else None,
        "attack_queries": sum(r.queries for r in attacked) / len(attacked) if attacked else None,
    }
