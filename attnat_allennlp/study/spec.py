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

The dataclasses and the parse are here; the defaults and the check of each key in `spec_keys.py`.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.study import spec_keys
from attnat_allennlp.study.configs import technique_config
from attnat_allennlp.study.spec_keys import (
    DEFAULT_PRIMARY,
    DEFAULT_SEEDS,
    check_attention,  # noqa: F401 (study/command.py reads it here)
)


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a study: its name (in tables), where its configs are, extra overrides."""

    name: str
    config: str
    overrides: Dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def technique_config(self, technique: str) -> str:
        return technique_config(self.config, technique)


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


def _check_configs(study: StudySpec, where: str) -> None:
    """Every technique's config of every dataset exists (before anything trains)."""
    for dataset in study.datasets:
        for technique in study.techniques:
            try:
                dataset.technique_config(technique)
            except ConfigurationError as error:
                raise ConfigurationError(f"{where}: dataset {dataset.name}: {error}") from None


def parse_study(raw: Dict[str, Any], path: Optional[str] = None) -> StudySpec:
    """A `StudySpec` from the dict of a study file; errors name the file and the bad key."""
    where = path or "study"
    unknown = sorted(set(raw) - spec_keys.KNOWN_KEYS)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {unknown}; expected some of {sorted(spec_keys.KNOWN_KEYS)}"
        )
    raw = {"seeds": list(DEFAULT_SEEDS), **raw}
    for key in ("datasets", "techniques", "seeds"):
        if not raw.get(key):
            raise ConfigurationError(f"{where}: '{key}' is missing or empty")
    datasets = [DatasetSpec(*entry) for entry in spec_keys.datasets(raw, where)]
    techniques = spec_keys.techniques(raw, where)
    seeds = spec_keys.seeds(raw, where)
    grids = spec_keys.eps_grids(raw, techniques, where)
    selection_seeds = spec_keys.selection_seeds(raw, seeds, where)
    epochs = spec_keys.positive(raw, "epochs", where)
    patience = spec_keys.positive(raw, "patience", where)
    primary = spec_keys.primary(raw, where)
    matched_eps, matched_techniques = spec_keys.matched(raw, techniques, where)
    study = StudySpec(
        datasets=datasets,
        techniques=techniques,
        seeds=seeds,
        eps=grids,
        epochs=epochs,
        overrides=dict(raw.get("overrides") or {}),
        selection_seeds=selection_seeds,
        measures=spec_keys.measures(raw, where),
        path=path,
        primary=primary,
        matched_eps=matched_eps,
        matched_techniques=matched_techniques,
        patience=patience,
        scope=spec_keys.scope(raw, where),
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
