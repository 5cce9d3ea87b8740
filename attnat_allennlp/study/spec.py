"""
The study file and the runs it asks for.

A study file is Jsonnet (or JSON):

```jsonnet
{
  datasets: ['sst'],                  // or [{name: 'sst', config: 'my/sst_vanilla.jsonnet', overrides: {...}}]
  techniques: ['vanilla', 'attention_at', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],             // the default
  eps: { attention_at: [0.5, 1, 2], attention_iat: [0.5, 1, 2] },   // grids; a technique without
                                      // one keeps its config's eps
  epochs: 4,                          // optional: trainer.num_epochs of every run (with
                                      // patience: the cap)
  patience: 3,                        // optional: early stopping on the validation metric
  overrides: {},                      // optional: dotted overrides of every run
  selection_seeds: 3,                 // how many of the seeds train the whole eps grid (first N;
                                      // default 3, or every seed when there are fewer)
  primary: ['accuracy', 'comprehensiveness_aopc_attention'],   // the measures whose p-values are
                                      // Holm-adjusted (the default); the others are exploratory
  matched_eps: [1, 5],                // optional: also train these techniques at these eps
  matched_techniques: ['attention_rp', 'attention_at', 'attention_iat'],   // (default: the
                                      // attention-level techniques of the study)
  measures: { robustness_eps: { scores: [1, 5], embeddings: [1, 5] }, max_instances: null,
              leave_one_out: true,    // false: no leave-one-out agreement (long texts: it re-runs
                                      // the model once per token)
              attributions: ['integrated_gradients', 'input_x_gradient', 'occlusion'],
                                      // the standard attributions (Captum) beside attention; []:
                                      // none (integrated gradients: ~20 backward passes a batch)
              attention: null,        // the attention that explains a prediction: 'pooling',
                                      // 'first_token', 'rollout' or 'rollout_first_token'; null:
                                      // pooling, or first_token for a first-token-pooling model
              attack: true,           // false: no word-substitution attack (~100 forward passes
                                      // per attacked text; wordpiece models are never attacked)
              stability: true },      // false: no stability of the attention (SEAT)
  scope: 'what was left out and why', // optional: printed beside the study's table in
                                      // docs/results.md (a grid cut for CPU time, say)
}
```

A dataset's `config` is a dataset name (`training_config/<name>_<technique>.jsonnet`) or a config
file whose siblings `<dataset>_<technique>.jsonnet` are the techniques' configs (as for
`attention-eps-sweep`).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.attributions import check_attributions
from attnat_allennlp.perturbations.base import check_eps
from attnat_allennlp.study.configs import technique_config


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a study: its name (in tables), where its configs are, extra overrides."""

    name: str
    config: str
    overrides: Dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def technique_config(self, technique: str) -> str:
        return technique_config(self.config, technique)


# The defaults of the protocol (docs/study.md): 5 seeds, eps chosen at 3 of them, and the measures
# whose p-values are corrected for multiple comparisons.
DEFAULT_SEEDS = [1, 2, 3, 4, 5]
DEFAULT_SELECTION_SEEDS = 3
DEFAULT_PRIMARY = ["accuracy", "comprehensiveness_aopc_attention"]
# The techniques a study trains at `matched_eps` unless `matched_techniques` names them: the
# attention-level ones, whose eps are norms of the same perturbed scores.
MATCHED_TECHNIQUES = [
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_iat_released",
    "attention_vat",
    "attention_ivat",
]


@dataclass(frozen=True)
class RunSpec:
    """
    One training run of a study. `eps` is `None` for vanilla and for a technique trained at its
    config's eps; `phase` is `"grid"` for the runs that choose eps on the validation set,
    `"seed"` for the other seeds at the chosen eps and `"matched"` for the runs at `matched_eps`.
    """

    dataset: str
    technique: str
    eps: Optional[float]
    seed: int
    phase: str = "seed"

    @property
    def key(self) -> str:
        eps = "config" if self.eps is None else f"{self.eps:g}"
        return f"{self.dataset}/{self.technique}/eps_{eps}/seed_{self.seed}"


@dataclass
class StudySpec:
    """A parsed study file (see the module docstring)."""

    datasets: List[DatasetSpec]
    techniques: List[str]
    seeds: List[int]
    eps: Dict[str, List[float]]
    epochs: Optional[int] = None
    overrides: Dict[str, Any] = field(default_factory=dict)
    selection_seeds: int = 1
    measures: Dict[str, Any] = field(default_factory=dict)
    path: Optional[str] = None
    primary: List[str] = field(default_factory=lambda: list(DEFAULT_PRIMARY))
    matched_eps: List[float] = field(default_factory=list)
    matched_techniques: List[str] = field(default_factory=list)
    patience: Optional[int] = None
    scope: str = ""

    def dataset(self, name: str) -> DatasetSpec:
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise KeyError(name)

    def grid(self, technique: str) -> List[Optional[float]]:
        """The eps values a technique is trained at (`[None]`: its config's eps)."""
        if technique == "vanilla":
            return [None]
        return list(self.eps.get(technique) or [None])

    def first_runs(self) -> List[RunSpec]:
        """
        The runs that need no choice: vanilla and single-eps techniques at every seed, and the
        eps grid of every other technique at the first `selection_seeds` seeds; in study order.
        """
        runs = []
        for dataset in self.datasets:
            for technique in self.techniques:
                grid = self.grid(technique)
                if len(grid) == 1:
                    runs.extend(RunSpec(dataset.name, technique, grid[0], s) for s in self.seeds)
                else:
                    runs.extend(
                        RunSpec(dataset.name, technique, eps, s, phase="grid")
                        for s in self.seeds[: self.selection_seeds]
                        for eps in grid
                    )
        return runs

    def seed_runs(self, dataset: str, technique: str, eps: float) -> List[RunSpec]:
        """The runs at the chosen eps of the seeds that did not train the grid."""
        return [RunSpec(dataset, technique, eps, s) for s in self.seeds[self.selection_seeds :]]

    def matched(self) -> List[str]:
        """The techniques trained at `matched_eps` (none without `matched_eps`)."""
        if not self.matched_eps:
            return []
        names = self.matched_techniques or MATCHED_TECHNIQUES
        return [t for t in self.techniques if t in names]

    def matched_runs(self) -> List[RunSpec]:
        """
        Every seed of the `matched` techniques at every `matched_eps` (phase `"matched"`); a run
        that the grid or the chosen eps also asks for is the same run, trained once.
        """
        return [
            RunSpec(dataset.name, technique, eps, s, phase="matched")
            for dataset in self.datasets
            for technique in self.matched()
            for eps in self.matched_eps
            for s in self.seeds
        ]

    def num_runs(self) -> int:
        """How many runs the study trains (runs the chosen eps shares with `matched_eps` count twice)."""
        total = 0
        for _ in self.datasets:
            for technique in self.techniques:
                grid = self.grid(technique)
                if len(grid) == 1:
                    total += len(self.seeds)
                else:
                    total += len(grid) * self.selection_seeds + len(
                        self.seeds[self.selection_seeds :]
                    )
        keys = {(r.dataset, r.technique, r.eps, r.seed) for r in self.first_runs()}
        total += len({(r.dataset, r.technique, r.eps, r.seed) for r in self.matched_runs()} - keys)
        return total


def _number_list(value: Any, where: str) -> List[float]:
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
MAX_SEED = 2**32 - 1 - 13370


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


_KNOWN_KEYS = {
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
_MEASURES_OPTIONS = [
    "attack",
    "attention",
    "attributions",
    "leave_one_out",
    "max_instances",
    "robustness_eps",
    "stability",
]


def _datasets(raw: Dict[str, Any], where: str) -> List[DatasetSpec]:
    datasets = []
    for item in raw["datasets"]:
        if isinstance(item, str):
            datasets.append(DatasetSpec(item, item))
        elif isinstance(item, dict) and "name" in item:
            datasets.append(
                DatasetSpec(
                    item["name"],
                    item.get("config", item["name"]),
                    dict(item.get("overrides") or {}),
                )
            )
        else:
            raise ConfigurationError(
                f"{where}: a dataset is a name or {{name, config, overrides}}, got {item!r}"
            )
    for dataset in datasets:
        check_path_part(dataset.name, "dataset", where)
    if len({d.name for d in datasets}) != len(datasets):
        raise ConfigurationError(f"{where}: repeated dataset names {[d.name for d in datasets]}")
    return datasets


def _techniques(raw: Dict[str, Any], where: str) -> List[str]:
    techniques = list(raw["techniques"])
    if len(set(techniques)) != len(techniques):
        raise ConfigurationError(f"{where}: repeated techniques {techniques}")
    for technique in techniques:
        check_path_part(technique, "technique", where)
    return techniques


def _seeds(raw: Dict[str, Any], where: str) -> List[int]:
    seeds = raw["seeds"]
    if any(
        isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED for s in seeds
    ) or len(set(seeds)) != len(seeds):
        raise ConfigurationError(
            f"{where}: seeds must be distinct integers between 0 and {MAX_SEED}, got {seeds!r}"
        )
    return list(seeds)


def _grids(raw: Dict[str, Any], techniques: List[str], where: str) -> Dict[str, List[float]]:
    eps = raw.get("eps") or {}
    for technique in eps:
        if technique not in techniques:
            raise ConfigurationError(
                f"{where}: eps grid for {technique!r}, which is not among the techniques {techniques}"
            )
        if technique == "vanilla":
            raise ConfigurationError(f"{where}: vanilla has no eps")
    return {t: _number_list(v, f"{where}: eps.{t}") for t, v in eps.items()}


def _positive(raw: Dict[str, Any], key: str, where: str) -> Optional[int]:
    value = raw.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigurationError(f"{where}: {key} must be a positive integer, got {value!r}")
    return value


def _selection_seeds(raw: Dict[str, Any], seeds: List[int], where: str) -> int:
    selection_seeds = int(raw.get("selection_seeds", min(DEFAULT_SELECTION_SEEDS, len(seeds))))
    if not 1 <= selection_seeds <= len(seeds):
        raise ConfigurationError(
            f"{where}: selection_seeds must be between 1 and the number of seeds ({len(seeds)}), got {selection_seeds}"
        )
    return selection_seeds


def _primary(raw: Dict[str, Any], where: str) -> List[str]:
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


def _matched(raw: Dict[str, Any], techniques: List[str], where: str):
    matched_eps = (
        _number_list(raw["matched_eps"], f"{where}: matched_eps")
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


def _measures(raw: Dict[str, Any], where: str) -> Dict[str, Any]:
    measures = dict(raw.get("measures") or {})
    unknown = sorted(set(measures) - set(_MEASURES_OPTIONS))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown measures options {unknown}; expected some of {_MEASURES_OPTIONS}"
        )
    if "attributions" in measures:
        if not isinstance(measures["attributions"], list):
            raise ConfigurationError(
                f"{where}: measures.attributions must be a list of method names, got "
                f"{measures['attributions']!r}"
            )
        check_attributions(measures["attributions"], f"{where}: measures.attributions")
    check_attention(measures.get("attention"), f"{where}: measures.attention")
    for switch in ("leave_one_out", "attack", "stability"):
        if not isinstance(measures.get(switch, True), bool):
            raise ConfigurationError(
                f"{where}: measures.{switch} must be true or false, got {measures[switch]!r}"
            )
    return measures


def _check_configs(study: StudySpec, where: str) -> None:
    """Every technique's config of every dataset exists (before anything trains)."""
    for dataset in study.datasets:
        for technique in study.techniques:
            try:
                dataset.technique_config(technique)
            except ConfigurationError as error:
                raise ConfigurationError(f"{where}: dataset {dataset.name}: {error}") from None


def _scope(raw: Dict[str, Any], where: str) -> str:
    scope = raw.get("scope", "")
    if not isinstance(scope, str):
        raise ConfigurationError(f"{where}: scope must be a string, got {scope!r}")
    return " ".join(scope.split())


def parse_study(raw: Dict[str, Any], path: Optional[str] = None) -> StudySpec:
    """A `StudySpec` from the dict of a study file; errors name the file and the bad key."""
    where = path or "study"
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {unknown}; expected some of {sorted(_KNOWN_KEYS)}"
        )
    raw = {"seeds": list(DEFAULT_SEEDS), **raw}
    for key in ("datasets", "techniques", "seeds"):
        if not raw.get(key):
            raise ConfigurationError(f"{where}: '{key}' is missing or empty")
    datasets = _datasets(raw, where)
    techniques = _techniques(raw, where)
    seeds = _seeds(raw, where)
    grids = _grids(raw, techniques, where)
    selection_seeds = _selection_seeds(raw, seeds, where)
    epochs = _positive(raw, "epochs", where)
    patience = _positive(raw, "patience", where)
    primary = _primary(raw, where)
    matched_eps, matched_techniques = _matched(raw, techniques, where)
    study = StudySpec(
        datasets=datasets,
        techniques=techniques,
        seeds=seeds,
        eps=grids,
        epochs=epochs,
        overrides=dict(raw.get("overrides") or {}),
        selection_seeds=selection_seeds,
        measures=_measures(raw, where),
        path=path,
        primary=primary,
        matched_eps=matched_eps,
        matched_techniques=matched_techniques,
        patience=patience,
        scope=_scope(raw, where),
    )
    _check_configs(study, where)
    return study


def read_study(path: str, overrides: Optional[Dict[str, Any]] = None) -> StudySpec:
    """Reads and checks a study file (Jsonnet or JSON)."""
    raw = Params.from_file(path, params_overrides=json.dumps(overrides or {})).as_dict(quiet=True)
    return parse_study(raw, path)


def to_dict(study: StudySpec) -> Dict[str, Any]:
    """The study as the dict of a study file (what `attention-study` saves beside its results)."""
    return {
        "datasets": [
            {"name": d.name, "config": d.config, "overrides": d.overrides} for d in study.datasets
        ],
        "techniques": study.techniques,
        "seeds": study.seeds,
        "eps": study.eps,
        "epochs": study.epochs,
        "overrides": study.overrides,
        "selection_seeds": study.selection_seeds,
        "measures": study.measures,
        "primary": study.primary,
        "matched_eps": study.matched_eps,
        "matched_techniques": study.matched_techniques,
        "patience": study.patience,
        "scope": study.scope,
    }
