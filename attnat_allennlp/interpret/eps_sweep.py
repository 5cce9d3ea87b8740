"""
Robustness of a technique to its perturbation size: train one model per (technique, eps), evaluate
it on the test set, and collect the test metrics (and the attention-gradient agreement) in rows for
a CSV and a plot (docs/methods.md, "Robustness to eps").

The eps of a technique's config lives at `trainer.callbacks[-1].perturbations[0].eps` (the
`adversarial_training` callback of `training_config/lib/techniques.libsonnet`); this is the only
place the sweep touches. A config without a perturbation there (vanilla) is trained once, with
eps `None`: the baseline.
"""

import copy
import csv
import json
import logging
import os
import random
from typing import Any, Dict, List, Optional, Sequence

from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import CONFIG_NAME, load_archive

from attnat_allennlp.interpret.agreement import AgreementAccumulator
from attnat_allennlp.interpret.report import explain_instances, load_instances
from attnat_allennlp.training.train_loop import archive_atomically, archive_problem

logger = logging.getLogger(__name__)


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


def set_eps(config: Dict[str, Any], eps: float) -> Dict[str, Any]:
    """A copy of a config dict with `trainer.callbacks[-1].perturbations[0].eps = eps`."""
    config = copy.deepcopy(config)
    if not has_perturbation(config):
        raise ConfigurationError(
            "the config has no trainer.callbacks[-1].perturbations[0] to set eps on"
        )
    config["trainer"]["callbacks"][-1]["perturbations"][0]["eps"] = float(eps)
    return config


def has_perturbation(config: Dict[str, Any]) -> bool:
    callbacks = config.get("trainer", {}).get("callbacks") or []
    return bool(callbacks and callbacks[-1].get("perturbations"))


def random_eps(count: int, low: float, high: float, seed: Optional[int] = None) -> List[float]:
    """`count` values drawn uniformly from [low, high] (the paper: 100 runs in [0, 30])."""
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(count)]


def _test_agreement(serialization_dir: str, test_path: str, max_instances: Optional[int]):
    """
    Mean agreement of attention with gradient importance (attention detached, as Jain & Wallace
    compute it) on the test set: Pearson, Kendall, Spearman, the share of Kendall p <= 0.05 and the
    top-k Kendall distance.
    """
    archive = load_archive(os.path.join(serialization_dir, "model.tar.gz"))
    instances = load_instances(archive.validation_dataset_reader, test_path, max_instances)
    rows = explain_instances(archive.model, instances, gradient="gradient")
    accumulator = AgreementAccumulator()
    accumulator.add_batch([row["attention"] for row in rows], [row["gradient"] for row in rows])
    summary = accumulator.summary()
    return {
        **{
            f"gradient_{name}": summary[name]["mean"]  # type: ignore
            for name in ("pearson", "kendall", "spearman", "topk_kendall")
        },
        "gradient_kendall_significant": summary["kendall_significant"],
    }


def train_or_resume(config: Dict[str, Any], run_dir: str, name: str = "") -> None:
    """
    Trains `config` in `run_dir` unless that run is complete (`metrics.json` and a `model.tar.gz`
    that reads; one that does not is removed and written again from `best.th`).
    A run that was interrupted (its `config.json` is there) is resumed from its last checkpoint,
    as `allennlp train --recover` does (a run killed before its first checkpoint starts over in the
    same folder; one killed after training, only archives or evaluates). A folder that cannot be
    resumed (no `config.json`, or one that differs from `config`) is moved aside to
    `<run_dir>.interrupted-N`, never deleted, and the run is trained from scratch.
    """
    metrics_path = os.path.join(run_dir, "metrics.json")
    archive_path = os.path.join(run_dir, "model.tar.gz")
    if os.path.isfile(metrics_path) and os.path.isfile(archive_path):
        problem = archive_problem(archive_path)
        if problem is None:
            return
        logger.warning("The archive %s of the run %s %s: removed it", archive_path, name, problem)
        os.remove(archive_path)
    if os.path.isfile(metrics_path) and os.path.isfile(os.path.join(run_dir, "best.th")):
        logger.info("Archiving the trained run %s in %s", name, run_dir)
        archive_atomically(run_dir)
        return
    if os.path.isdir(run_dir) and os.listdir(run_dir):
        if os.path.isfile(os.path.join(run_dir, CONFIG_NAME)):
            logger.warning("Resuming the interrupted run %s in %s", name, run_dir)
            try:
                train_model(Params(copy.deepcopy(config)), run_dir, recover=True)
                return
            except ConfigurationError as error:
                # Only a config that differs from the saved one is a reason to start over.
                if "directory we're recovering from" not in str(error):
                    raise
                reason = str(error)
        else:
            reason = f"it has no {CONFIG_NAME}"
        number = 1
        while os.path.exists(f"{run_dir}.interrupted-{number}"):
            number += 1
        aside = f"{run_dir}.interrupted-{number}"
        os.rename(run_dir, aside)
        logger.warning(
            "The interrupted run %s in %s cannot be resumed (%s): moved it to %s and training "
            "again from scratch",
            name,
            run_dir,
            reason,
            aside,
        )
    logger.info("Training %s in %s", name, run_dir)
    train_model(Params(copy.deepcopy(config)), run_dir)


def run_sweep(
    config: str,
    techniques: Sequence[str],
    eps_values: Sequence[float],
    serialization_dir: str,
    overrides: Optional[Dict[str, Any]] = None,
    agreement: bool = True,
    max_agreement_instances: Optional[int] = None,
) -> List[Dict[str, Any]]:
    """
    Trains `config`'s dataset with each technique at each eps (in-process) under
    `serialization_dir/<technique>/eps_<eps>` (or `.../<technique>/baseline` without eps) and
    returns one row per run: `technique`, `eps`, `serialization_dir`, the `test_*` metrics, and
    `gradient_pearson` / `gradient_kendall` (mean over the test set) with `agreement`. A run whose
    directory already holds a `metrics.json` and `model.tar.gz` is not trained again; an
    interrupted one is resumed (`train_or_resume`), so a sweep killed mid-run goes on where it
    stopped when it is run again with the same arguments.
    """
    rows: List[Dict[str, Any]] = []
    for technique in techniques:
        path = technique_config(config, technique)
        base = Params.from_file(path, params_overrides=json.dumps(overrides or {})).as_dict(
            quiet=True
        )
        perturbed = has_perturbation(base)
        runs = [(eps, set_eps(base, eps)) for eps in eps_values] if perturbed else [(None, base)]
        for eps, run_config in runs:
            name = "baseline" if eps is None else f"eps_{eps:g}"
            run_dir = os.path.join(serialization_dir, technique, name)
            metrics_path = os.path.join(run_dir, "metrics.json")
            train_or_resume(run_config, run_dir, f"{technique} ({name})")
            with open(metrics_path) as handle:
                metrics = json.load(handle)
            row: Dict[str, Any] = {
                "technique": technique,
                "eps": eps,
                "serialization_dir": run_dir,
                **{k: v for k, v in metrics.items() if k.startswith("test_")},
            }
            if agreement and run_config.get("test_data_path"):
                row.update(
                    _test_agreement(run_dir, run_config["test_data_path"], max_agreement_instances)
                )
            rows.append(row)
    return rows


def write_csv(rows: List[Dict[str, Any]], path: str) -> None:
    columns: List[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def read_csv(path: str) -> List[Dict[str, Any]]:
    """The rows of a sweep CSV, numbers as floats and empty cells as `None`."""

    def value(text: str) -> Any:
        if text == "":
            return None
        try:
            return float(text)
        except ValueError:
            return text

    with open(path, newline="") as handle:
        return [{k: value(v) for k, v in row.items()} for row in csv.DictReader(handle)]
