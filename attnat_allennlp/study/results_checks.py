"""
The checks beside a study in docs/results.md: runs of the study trained again outside the
protocol (longer, without early stopping), whose folders sit under `<study>/longer_training/`
with the `config.json` and `metrics_epoch_N.json` files `allennlp train` wrote. Rendered from
those files, as the rest of the page is.
"""

import glob
import json
import os
import re
from typing import Any, Dict, List, Optional

from attnat_allennlp.study.configs import perturbations
from attnat_allennlp.study.spec_keys import RANDOM_SEED_OFFSET

EVERY = 10  # the epochs shown: every tenth, and the last


def _technique(config: Dict[str, Any]) -> str:
    """The perturbations of a training config (`type` at `eps`), or "vanilla" without any."""
    names = [
        p["type"] + (f" at eps {p['eps']:g}" if p.get("eps") is not None else "")
        for p in perturbations(config)
    ]
    return ", ".join(names) or "vanilla"


def _epochs(folder: str, metric: str) -> Dict[int, float]:
    """The validation `metric` of every epoch file of a run folder, by epoch (counted from 1)."""
    values = {}
    for path in glob.glob(os.path.join(folder, "metrics_epoch_*.json")):
        epoch = int(re.search(r"metrics_epoch_(\d+)\.json$", path).group(1))
        with open(path) as handle:
            value = json.load(handle).get(f"validation_{metric}")
        if value is not None:
            values[epoch + 1] = float(value)
    return values


def longer_training_lines(directory: str) -> List[str]:
    """The markdown of the runs under `directory/longer_training/`, or [] when there are none."""
    lines = []
    for folder in sorted(glob.glob(os.path.join(directory, "longer_training", "*", ""))):
        with open(os.path.join(folder, "config.json")) as handle:
            config = json.load(handle)
        trainer = config.get("trainer") or {}
        metric = str(trainer.get("validation_metric", "-loss")).lstrip("+-")
        values = _epochs(folder, metric)
        if not values:
            continue
        last = max(values)
        shown = sorted({e for e in values if e % EVERY == 0} | {last})
        best = max(values, key=lambda e: (values[e], -e))
        final: Optional[float] = None
        metrics_path = os.path.join(folder, "metrics.json")
        if os.path.isfile(metrics_path):
            with open(metrics_path) as handle:
                final = json.load(handle).get("test_accuracy")
        end = (
            f"{trainer.get('num_epochs')} epochs"
            if final is not None
            else f"stopped by hand after epoch {last} of {trainer.get('num_epochs')}"
        )
        lines.append(
            f"- `{os.path.basename(os.path.dirname(folder))}` ({_technique(config)}, seed "
            f"{config.get('random_seed', RANDOM_SEED_OFFSET) - RANDOM_SEED_OFFSET}; no early stopping, {end}): validation "
            f"{metric} at epochs "
            + ", ".join(f"{e}: {values[e]:.3f}" for e in shown)
            + f"; best {values[best]:.3f}, first reached at epoch {best}"
            + (f"; test accuracy {final:.3f}" if final is not None else "")
            + "."
        )
    if not lines:
        return []
    return [
        "Runs of this study trained again without early stopping (a check outside the protocol; "
        "epochs counted from 1; "
        f"the files `allennlp train` wrote are in [longer_training/](results/"
        f"{os.path.basename(directory)}/longer_training/)):",
        "",
        *lines,
        "",
    ]
