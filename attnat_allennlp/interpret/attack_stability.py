"""
The attack and the explanation stability as the report and the study measure them: the
word-substitution attack (`attack.py`) on every labelled instance, then SEAT's stability of the
attention under that attack and under embedding noise (`stability.py`). One call gives the flat
measures of the catalogue's `attack` and `stability` groups.
"""

import logging
from typing import Dict, List, Optional, Sequence, Tuple

from allennlp.data import Instance

from attnat_allennlp.interpret.attack import (
    ATTACK_MEASURES,
    AttackResult,
    word_substitution_attack,
)
from attnat_allennlp.interpret.stability import STABILITY_MEASURES, explanation_stability
from attnat_allennlp.models.base import AttentionModel

logger = logging.getLogger(__name__)


def attack_and_stability(
    model: AttentionModel,
    instances: Sequence[Instance],
    attack: bool = True,
    stability: bool = True,
    seed: int = 0,
    batch_size: int = 32,
) -> Tuple[Dict[str, Optional[float]], Optional[List[AttackResult]], Optional[str]]:
    """
    The measures of the attack (`ATTACK_MEASURES`) and of the stability (`STABILITY_MEASURES`),
    all keys present (`None` where not measured), the attack's per-instance results, and why a
    measure was not taken (or `None`).

    # Parameters

    model : `AttentionModel`
    instances : `Sequence[Instance]`
        Labelled instances for the attack (the unlabelled are not attacked).
    attack : `bool`, optional (default = `True`)
        Run the attack (about 100 forward passes per attacked instance: the costliest measure).
    stability : `bool`, optional (default = `True`)
        SEAT's stability: under embedding noise always, under the attack when `attack`.
    seed : `int`, optional (default = `0`)
        Seeds the embedding noise (the attack is deterministic).
    batch_size : `int`, optional (default = `32`)

    # Returns

    `(measures, attack_results, skipped)`.
    """
    measures: Dict[str, Optional[float]] = {name: None for name in ATTACK_MEASURES}
    measures.update({name: None for name in STABILITY_MEASURES})
    results: Optional[List[AttackResult]] = None
    skipped: Optional[str] = None
    if attack:
        if model.uses_wordpieces:
            skipped = (
                "no word-substitution attack: the model reads the wordpieces of a pretrained "
                "Transformer (docs/interpretability.md)"
            )
            logger.info(skipped)
        else:
            results, attacked = word_substitution_attack(model, instances, batch_size=batch_size)
            measures.update(attacked)
    if stability:
        _, stable = explanation_stability(
            model, instances, attack_results=results, seed=seed, batch_size=batch_size
        )
        measures.update(stable)
    return measures, results, skipped
