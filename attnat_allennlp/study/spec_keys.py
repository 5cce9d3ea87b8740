"""
The keys of a study file (`spec.py`): their defaults, and the check of each value, whose error
names the file and the key.
"""

import re
from typing import Any, Dict, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.attributions import check_attributions
from attnat_allennlp.perturbations.base import check_eps

# The defaults of the protocol (docs/study.md): 5 seeds, eps chosen at 3 of them, and the measures
# whose p-values are corrected for multiple comparisons.
DEFAULT_SEEDS = [1, 2, 3, 4, 5]
DEFAULT_SELECTION_SEEDS = 3
DEFAULT_PRIMARY = ["accuracy", "comprehensiveness_aopc_attention"]


def eps_list(value: Any, where: str) -> List[float]:
    """The eps values of a grid (one value or a list): each checked, none repeated."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise ConfigurationError(
            f"{where} is empty: give the eps values, or leave the technique out of eps to train "
            "it at its config's eps"
        )
    result = [check_eps(item, f"{where}: eps") for item in values]
    if len(set(result)) != len(result):
        raise ConfigurationError(f"{where}: repeated eps values {values}")
    return result


# Names that become folder names of a study's runs (`runs/<dataset>/<technique>/...`).
_PATH_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")

# Seeds become `random_seed` 13370 + seed, `numpy_seed` 1337 + seed and `pytorch_seed` 133 + seed,
# each of which must be between 0 and 2**32 - 1.
RANDOM_SEED_OFFSET = 13370
MAX_SEED = 2**32 - 1 - RANDOM_SEED_OFFSET


def check_path_part(name: Any, what: str, where: str) -> None:
    """`name` (of a dataset or technique) must be usable as one folder name: letters, digits, `_.+-`."""
    if not isinstance(name, str) or not _PATH_PART.match(name):
        raise ConfigurationError(
            f"{where}: the {what} name {name!r} becomes a folder of the study's runs, so it may "
            "hold only letters, digits and _ . + - (and start with a letter or digit)"
        )


def check_attention(attention: Any, where: str) -> None:
    """`attention` must be `None` or one of `transformer_attention.EXPLANATIONS`."""
    from attnat_allennlp.interpret.transformer_attention import EXPLANATIONS

    if attention is not None and attention not in EXPLANATIONS:
        raise ConfigurationError(
            f"{where} must be one of {', '.join(EXPLANATIONS)} (or null: the pooling attention, "
            f"or the first token's for a first-token-pooling model), got {attention!r}"
        )


KNOWN_KEYS = {
    "scope",
    "datasets",
    "techniques",
    "seeds",
    "eps",
    "epochs",
    "overrides",
    "selection_seeds",
    "measures",
    "primary",
    "matched_eps",
    "matched_techniques",
    "patience",
}
MEASURES_OPTIONS = [
    "attack",
    "attention",
    "attributions",
    "leave_one_out",
    "max_instances",
    "robustness_eps",
    "sample",
    "stability",
]


def datasets(raw: Dict[str, Any], where: str) -> List[Tuple[str, str, Dict[str, Any]]]:
    """`(name, config, overrides)` of each dataset (a name, or `{name, config, overrides}`)."""
    entries = []
    for item in raw["datasets"]:
        if isinstance(item, str):
            entries.append((item, item, {}))
        elif isinstance(item, dict) and "name" in item:
            entries.append(
                (item["name"], item.get("config", item["name"]), dict(item.get("overrides") or {}))
            )
        else:
            raise ConfigurationError(
                f"{where}: a dataset is a name or {{name, config, overrides}}, got {item!r}"
            )
    names = [name for name, _, _ in entries]
    for name in names:
        check_path_part(name, "dataset", where)
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{where}: repeated dataset names {names}")
    return entries


def techniques(raw: Dict[str, Any], where: str) -> List[str]:
    """The techniques, distinct, each usable as a folder name."""
    techniques = list(raw["techniques"])
    if len(set(techniques)) != len(techniques):
        raise ConfigurationError(f"{where}: repeated techniques {techniques}")
    for technique in techniques:
        check_path_part(technique, "technique", where)
    return techniques


def seeds(raw: Dict[str, Any], where: str) -> List[int]:
    """The seeds, distinct integers between 0 and `MAX_SEED`."""
    seeds = raw["seeds"]
    if any(
        isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED for s in seeds
    ) or len(set(seeds)) != len(seeds):
        raise ConfigurationError(
            f"{where}: seeds must be distinct integers between 0 and {MAX_SEED}, got {seeds!r}"
        )
    return list(seeds)


def eps_grids(raw: Dict[str, Any], techniques: List[str], where: str) -> Dict[str, List[float]]:
    """The eps grid of each technique that has one (not vanilla; only the study's techniques)."""
    eps = raw.get("eps") or {}
    for technique in eps:
        if technique not in techniques:
            raise ConfigurationError(
                f"{where}: eps grid for {technique!r}, which is not among the techniques {techniques}"
            )
        if technique == "vanilla":
            raise ConfigurationError(f"{where}: vanilla has no eps")
    return {t: eps_list(v, f"{where}: eps.{t}") for t, v in eps.items()}


def positive(raw: Dict[str, Any], key: str, where: str) -> Optional[int]:
    """The positive integer of `key` (`epochs`, `patience`), `None` when it is not given."""
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigurationError(f"{where}: {key} must be a positive integer, got {value!r}")
    return value


def selection_seeds(raw: Dict[str, Any], seeds: List[int], where: str) -> int:
    """How many of the seeds train the whole eps grid (default 3, or every seed when fewer)."""
    selection_seeds = int(raw.get("selection_seeds", min(DEFAULT_SELECTION_SEEDS, len(seeds))))
    if not 1 <= selection_seeds <= len(seeds):
        raise ConfigurationError(
            f"{where}: selection_seeds must be between 1 and the number of seeds ({len(seeds)}), got {selection_seeds}"
        )
    return selection_seeds


def primary(raw: Dict[str, Any], where: str) -> List[str]:
    """The measures whose p-values are Holm-adjusted: distinct names."""
    primary = raw.get("primary", DEFAULT_PRIMARY)
    if (
        not isinstance(primary, (list, tuple))
        or not all(isinstance(m, str) for m in primary)
        or len(set(primary)) != len(primary)
    ):
        raise ConfigurationError(
            f"{where}: primary must be a list of distinct measure names, got {primary!r}"
        )
    return list(primary)


def matched(raw: Dict[str, Any], techniques: List[str], where: str):
    """`(matched_eps, matched_techniques)`: techniques among the study's, not vanilla, with eps."""
    matched_eps = (
        eps_list(raw["matched_eps"], f"{where}: matched_eps")
        if raw.get("matched_eps") not in (None, [])
        else []
    )
    matched_techniques = list(raw.get("matched_techniques") or [])
    unknown = sorted(set(matched_techniques) - set(techniques))
    if unknown:
        raise ConfigurationError(
            f"{where}: matched_techniques {unknown} are not among the techniques {techniques}"
        )
    if "vanilla" in matched_techniques:
        raise ConfigurationError(f"{where}: matched_techniques: vanilla has no eps")
    if matched_techniques and not matched_eps:
        raise ConfigurationError(f"{where}: matched_techniques without matched_eps")
    return matched_eps, matched_techniques


def measures(raw: Dict[str, Any], where: str) -> Dict[str, Any]:
    """The `measures` options: known names, attributions and attention that exist, booleans."""
    measures = dict(raw.get("measures") or {})
    unknown = sorted(set(measures) - set(MEASURES_OPTIONS))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown measures options {unknown}; expected some of {MEASURES_OPTIONS}"
        )
    if "attributions" in measures:
        if not isinstance(measures["attributions"], list):
            raise ConfigurationError(
                f"{where}: measures.attributions must be a list of method names, got "
                f"{measures['attributions']!r}"
            )
        check_attributions(measures["attributions"], f"{where}: measures.attributions")
    check_attention(measures.get("attention"), f"{where}: measures.attention")
    for count in ("max_instances", "sample"):
        value = measures.get(count)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ConfigurationError(
                f"{where}: measures.{count} must be a positive number of test instances (or null), "
                f"got {value!r}"
            )
    if measures.get("max_instances") is not None and measures.get("sample") is not None:
        raise ConfigurationError(
            f"{where}: measures.max_instances (the first N test instances) and measures.sample (N "
            "instances spread over the test file) exclude each other: give one"
        )
    for switch in ("leave_one_out", "attack", "stability"):
        if not isinstance(measures.get(switch, True), bool):
            raise ConfigurationError(
                f"{where}: measures.{switch} must be true or false, got {measures[switch]!r}"
            )
    return measures


def scope(raw: Dict[str, Any], where: str) -> str:
    """The study's scope, a string with its white space folded."""
    scope = raw.get("scope", "")
    if not isinstance(scope, str):
        raise ConfigurationError(f"{where}: scope must be a string, got {scope!r}")
    return " ".join(scope.split())
