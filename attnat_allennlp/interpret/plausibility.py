"""
Plausibility: how well a token ranking (attention, gradient importance, ...) finds the words that
human annotators marked, per sentence. The annotations are those of the Stanford Sentiment
Treebank: every word of a tree carries the sentiment (0-4) that annotators gave it on its own, and
the `attnat_sst` reader keeps them per token (`word_labels: true`, the `word_sentiment` of the
instance's metadata). The human rationale of a sentence is its polar words (own label not 2), as in
the evaluation of attention against annotations by DeYoung et al. (ERASER, 2020) and Mohankumar et
al. (2020); the graded target is the strength |label - 2| (0, 1 or 2).

Per sentence and ranking:

- `auprc`: average precision of the ranking against the polar-word mask (sklearn's
  `average_precision_score`, the ERASER benchmark's token-level AUPRC);
- `f1`: token F1 of the top-k tokens, k = the number of polar words (ERASER's token F1 with the
  rationale's own length);
- `spearman`: Spearman's rho of the ranking with |label - 2| (the graded agreement).

A sentence without a polar word has no `auprc` or `f1`, and one whose strengths or scores are
constant no `spearman`; they are skipped and counted, never averaged as NaN. Tokens without an
annotation (special tokens of a wordpiece model) are left out of both vectors. For a wordpiece model
each word takes the label of the annotated word its first piece lies in.
"""

from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy
from scipy.stats import spearmanr

from attnat_allennlp.interpret.agreement import summarize
from attnat_allennlp.interpret.rationales import rationale_scores

PLAUSIBILITY_MEASURES = ("auprc", "f1", "spearman")

# The rankings whose plausibility the report and the study always measure (`random` is the chance
# level); the standard attributions (`attributions.ATTRIBUTION_METHODS`) are added when computed.
PLAUSIBILITY_RANKINGS = ("attention", "gradient", "random")

NEUTRAL = 2


def plausibility(
    scores: Sequence[float], word_sentiment: Sequence[Optional[int]]
) -> Dict[str, Optional[float]]:
    """
    The plausibility measures of one sentence: `auprc`, `f1` and `spearman` of `scores` against the
    annotators' per-token sentiment 0-4 (`None` for a token without one); each `None` where it is
    undefined (no polar word; constant strengths or scores).

    # Parameters

    scores : `Sequence[float]`
        One score per token, higher = more important.
    word_sentiment : `Sequence[Optional[int]]`
        The annotators' label of each token's word, as long as `scores`.

    # Returns

    `{"auprc": ..., "f1": ..., "spearman": ...}`.
    """
    if len(scores) != len(word_sentiment):
        raise ValueError(
            f"{len(scores)} scores for {len(word_sentiment)} annotated tokens: they must align"
        )
    kept = [i for i, label in enumerate(word_sentiment) if label is not None]
    values = numpy.asarray([scores[i] for i in kept], dtype=float)
    strength = numpy.asarray([abs(int(word_sentiment[i]) - NEUTRAL) for i in kept], dtype=float)
    result: Dict[str, Optional[float]] = {measure: None for measure in PLAUSIBILITY_MEASURES}
    if strength.any():
        result["auprc"], result["f1"] = rationale_scores(values, strength > 0)
    if values.size > 1 and numpy.ptp(strength) > 0 and numpy.ptp(values) > 0:
        result["spearman"] = float(spearmanr(values, strength)[0])
    return result


class PlausibilityAccumulator:
    """
    The plausibility of several rankings over a data set, sentence by sentence: the per-sentence
    values of each ranking and measure, and the counts of what was skipped.

    # Parameters

    seed : `int`, optional (default = `0`)
        The seed of the `random` ranking (its own generator, apart from the faithfulness measures').
    extra_rankings : `Sequence[str]`, optional (default = `()`)
        Further rankings, read from the rows under their names (the standard attributions).
    """

    def __init__(self, seed: int = 0, extra_rankings: Sequence[str] = ()) -> None:
        self.rankings = tuple(PLAUSIBILITY_RANKINGS) + tuple(extra_rankings)
        self.values: Dict[str, Dict[str, List[float]]] = {
            ranking: {measure: [] for measure in PLAUSIBILITY_MEASURES} for ranking in self.rankings
        }
        self.skipped: Counter = Counter()
        self.annotated = 0
        self._random = numpy.random.default_rng([seed, 18])

    def add_rows(self, rows: List[Dict]) -> None:
        """
        Adds the rows of `report.explained_chunks` that carry `word_sentiment` (rows without it are
        ignored), and writes each row's `plausibility_{measure}_{ranking}` into it.
        """
        for row in rows:
            labels = row.get("word_sentiment")
            if labels is None:
                continue
            self.annotated += 1
            rankings = {
                "attention": row["attention"],
                "gradient": row["gradient"],
                "random": self._random.random(len(row["attention"])).tolist(),
                **{name: row[name] for name in self.rankings[len(PLAUSIBILITY_RANKINGS) :]},
            }
            for ranking, scores in rankings.items():
                result = plausibility(scores, labels)
                for measure, value in result.items():
                    row[f"plausibility_{measure}_{ranking}"] = value
                    if value is not None:
                        self.values[ranking][measure].append(value)
            if not any(label not in (None, NEUTRAL) for label in labels):
                self.skipped["sentences without a polar word (auprc, f1)"] += 1

    def means(self) -> Dict[str, Optional[float]]:
        """`plausibility_{measure}_{ranking}`: the mean over sentences (`None` where none had one)."""
        return {
            f"plausibility_{measure}_{ranking}": (float(numpy.mean(values)) if values else None)
            for ranking, by_measure in self.values.items()
            for measure, values in by_measure.items()
        }

    def summary(self) -> Dict:
        """The report's `plausibility` section: per ranking and measure a `summarize` dict."""
        return {
            "annotated_sentences": self.annotated,
            **{
                ranking: {measure: summarize(values) for measure, values in by_measure.items()}
                for ranking, by_measure in self.values.items()
            },
            "skipped": dict(self.skipped),
        }
