"""
The training configs of a grid of runs: which config file a technique of a dataset trains with,
and the one place a run's eps is written into it (the perturbation of the technique, found by its
registered name in the config's `adversarial_training` callbacks, never by list position).
"""

import copy
import os
from typing import Any, Dict, List

from allennlp.common.checks import ConfigurationError


def technique_config(config: str, technique: str) -> str:
    """
    The config file of `technique` for the dataset of `config`. `config` is either a dataset name
    (`rt_polarity`: `training_config/rt_polarity_<technique>.jsonnet`) or a config file
    `<dir>/<dataset>_<anything>.jsonnet`, whose sibling `<dir>/<dataset>_<technique>.jsonnet` is
    taken (the longest `<dataset>` prefix with such a sibling).
    """
    if not config.endswith(".jsonnet"):
        path = os.path.join("training_config", f"{config}_{technique}.jsonnet")
        if not os.path.isfile(path):
            raise ConfigurationError(f"no config {path} for technique {technique!r}")
        return path
    directory, stem = os.path.split(config[: -len(".jsonnet")])
    parts = stem.split("_")
    for end in range(len(parts), 0, -1):
        path = os.path.join(directory, "_".join(parts[:end]) + f"_{technique}.jsonnet")
        if os.path.isfile(path):
            return path
    raise ConfigurationError(f"no config <dataset>_{technique}.jsonnet next to {config}")


def perturbations(config: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The perturbations of every `adversarial_training` callback of a config dict, in order."""
    callbacks = config.get("trainer", {}).get("callbacks") or []
    return [
        perturbation
        for callback in callbacks
        if isinstance(callback, dict) and callback.get("type") == "adversarial_training"
        for perturbation in callback.get("perturbations") or []
    ]


def has_perturbation(config: Dict[str, Any]) -> bool:
    """Whether a config trains with a perturbation (vanilla does not)."""
    return bool(perturbations(config))


def technique_perturbation(
    config: Dict[str, Any], technique: str, where: str = "the config"
) -> Dict[str, Any]:
    """
    The perturbation of `technique` in a config dict: the one registered under the technique's
    name (`attention_iat`), else under the name the technique's begins with (the technique
    `attention_at_all_layers` perturbs with `attention_at`), else the config's only perturbation
    (a technique of one's own, `lib.techniques.custom(...)`). Raises a `ConfigurationError` naming
    `where` (the config file) and the technique when there is none, or several to choose from.
    """
    found = perturbations(config)
    types = [p.get("type") for p in found]
    named = [p for p in found if p.get("type") == technique]
    if not named:
        prefixed = [p for p in found if technique.startswith(f"{p.get('type')}_")]
        longest = max((len(p["type"]) for p in prefixed), default=0)
        named = [p for p in prefixed if len(p["type"]) == longest]
    if not named and len(found) == 1:
        named = found
    if len(named) == 1:
        return named[0]
    if not found:
        raise ConfigurationError(
            f"{where}: the technique {technique!r} has an eps to set, but the config has no "
            "perturbation (no `adversarial_training` callback in trainer.callbacks): give it no "
            "eps grid (vanilla has none)"
        )
    raise ConfigurationError(
        f"{where}: cannot tell which perturbation of {types} is the technique {technique!r} to set "
        f"its eps on: name the technique after its perturbation's registered type (a config "
        f"<dataset>_<type>.jsonnet), or give the config only one perturbation"
    )


def set_eps(
    config: Dict[str, Any], technique: str, eps: float, where: str = "the config"
) -> Dict[str, Any]:
    """A copy of a config dict whose perturbation of `technique` has `eps`."""
    config = copy.deepcopy(config)
    technique_perturbation(config, technique, where)["eps"] = float(eps)
    return config
