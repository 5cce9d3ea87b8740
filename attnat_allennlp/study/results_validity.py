"""
Whether a claim's measure measured what the claim is about, on a dataset. The word-substitution
attack of claim R changes only words of the attacked text (one text, or a pair's hypothesis or
question) that are not stop words and do not appear in the other text of the pair. On bAbI no
word of a question qualifies ("where is mary ?": `mary` is in the story), so the attack stops after
its first prediction on every question, and `attack_accuracy` is the accuracy on the measured
sample: claim R is then not measured there, whatever its interval says.
"""

from typing import Any, Dict, List, Sequence

from attnat_allennlp.study.results_explanations import chosen_values

# The reading of claim R where the attack changed nothing, and the reason the verdict gives.
ATTACK_CHANGED_NOTHING = "the attack found no word it may change"


def attack_changed_nothing(
    runs: List[Dict[str, Any]],
    summary: List[Dict[str, Any]],
    dataset: str,
    techniques: Sequence[str],
) -> bool:
    """
    Whether every run of `techniques` (each at its chosen eps) spent one query per attacked
    example, its first prediction: no example had a word the attack may change. False where no
    run recorded `attack_queries`.
    """
    queries = [
        value
        for technique in techniques
        for value in chosen_values(runs, summary, dataset, technique, "attack_queries").values()
    ]
    return bool(queries) and all(value <= 1.0 for value in queries)
