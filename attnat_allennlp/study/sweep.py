"""
Robustness of a technique to its perturbation size (`allennlp attention-eps-sweep`): one model per
(technique, eps), evaluated on the test set, with the test metrics (and the attention-gradient
agreement) in the rows of `sweep.csv` (docs/methods.md, "Robustness to eps").

A sweep is a one-seed study run by the study's scheduler (`study/scheduler.py`): each technique
with a perturbation has the sweep's eps as its grid (eps set on the technique's perturbation,
found by its registered name: `study/configs.py`), a technique without one (vanilla) is trained
once with eps `None`, the baseline. What differs from a study is the run itself (`sweep_run`): the
config's own seeds, the folder `<out>/<technique>/eps_<eps>` (or `baseline`), resumed from its
last checkpoint when interrupted, and the row (test metrics and agreement rather than the study's
measures).
"""

import copy
import functools
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
from attnat_allennlp.interpret.csv_rows import write_rows
from attnat_allennlp.interpret.report import explain_instances, load_instances
from attnat_allennlp.study.configs import has_perturbation, set_eps
from attnat_allennlp.study.scheduler import Scheduler, StudyError, local_executor
from attnat_allennlp.study.spec import DatasetSpec, RunSpec, StudySpec
from attnat_allennlp.training.train_loop import archive_atomically, archive_problem

logger = logging.getLogger(__name__)

# The columns of sweep.csv that come first; the test metrics and the agreement follow.
SWEEP_COLUMNS = ("technique", "eps", "serialization_dir")
# The name of a sweep's one "dataset" in its runs' keys (never a folder name).
_DATASET = "sweep"


def random_eps(count: int, low: float, high: float, seed: Optional[int] = None) -> List[float]:
    """`count` values drawn uniformly from [low, high] (the paper: 100 runs in [0, 30])."""
    generator = random.Random(seed)
    return [generator.uniform(low, high) for _ in range(count)]


def _base_config(dataset: DatasetSpec, technique: str) -> Dict[str, Any]:
    path = dataset.technique_config(technique)
    return Params.from_file(path, params_overrides=json.dumps(dataset.overrides)).as_dict(
        quiet=True
    )


def sweep_study(
    config: str,
    techniques: Sequence[str],
    eps_values: Sequence[float],
    overrides: Optional[Dict[str, Any]] = None,
) -> StudySpec:
    """
    The one-seed study of a sweep: `config` (a dataset name or a config file, as a study's
    dataset) with `overrides`, every technique with a perturbation at every eps of `eps_values`.
    """
    dataset = DatasetSpec(_DATASET, config, dict(overrides or {}))
    grids = {
        technique: [float(eps) for eps in eps_values]
        for technique in techniques
        if has_perturbation(_base_config(dataset, technique))
    }
    return StudySpec(
        datasets=[dataset], techniques=list(techniques), seeds=[1], eps=grids, selection_seeds=1
    )


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


def _folder(run: RunSpec) -> str:
    return "baseline" if run.eps is None else f"eps_{run.eps:g}"


def sweep_run(
    serialization_dir: str,
    study: StudySpec,
    run: RunSpec,
    agreement: bool = True,
    max_agreement_instances: Optional[int] = None,
) -> Dict[str, Any]:
    """
    Trains (or resumes: `train_or_resume`) one run of a sweep in
    `serialization_dir/<technique>/eps_<eps>` (`.../baseline` without eps) and returns its row:
    `technique`, `eps`, `serialization_dir`, the `test_*` metrics, and with `agreement` the
    attention-gradient agreement on the test set.
    """
    dataset = study.datasets[0]
    config = _base_config(dataset, run.technique)
    if run.eps is not None:
        config = set_eps(config, run.technique, run.eps, dataset.technique_config(run.technique))
    run_dir = os.path.join(serialization_dir, run.technique, _folder(run))
    train_or_resume(config, run_dir, f"{run.technique} ({_folder(run)})")
    with open(os.path.join(run_dir, "metrics.json")) as handle:
        metrics = json.load(handle)
    row: Dict[str, Any] = {
        "technique": run.technique,
        "eps": run.eps,
        "serialization_dir": run_dir,
        **{k: v for k, v in metrics.items() if k.startswith("test_")},
    }
    if agreement and config.get("test_data_path"):
        row.update(_test_agreement(run_dir, config["test_data_path"], max_agreement_instances))
    return row


def _describe(run: RunSpec, row: Dict[str, Any]) -> str:
    test = row.get("test_accuracy")
    return f"{run.technique} ({_folder(run)})" + (
        "" if test is None else f": test accuracy {test:.3f}"
    )


def run_sweep(
    config: str,
    techniques: Sequence[str],
    eps_values: Sequence[float],
    serialization_dir: str,
    overrides: Optional[Dict[str, Any]] = None,
    agreement: bool = True,
    max_agreement_instances: Optional[int] = None,
    csv_path: Optional[str] = None,
    progress: bool = False,
) -> List[Dict[str, Any]]:
    """
    Trains `config`'s dataset with each technique at each eps (in-process, through the study's
    scheduler) and returns one row per run (`sweep_run`), in the order of `techniques` and
    `eps_values`; with `csv_path`, writes them there after every run. A run whose directory
    already holds a `metrics.json` and `model.tar.gz` is not trained again; an interrupted one is
    resumed (`train_or_resume`), so a sweep killed mid-run goes on where it stopped when it is run
    again with the same arguments. Raises a `StudyError` at the end when some runs failed (the
    others are written).
    """
    study = sweep_study(config, techniques, eps_values, overrides)
    positions = {float(eps): i for i, eps in reversed(list(enumerate(eps_values)))}
    results: Dict[tuple, Dict[str, Any]] = {}

    def key(row: Dict[str, Any]) -> tuple:
        eps = row["eps"]
        return (study.techniques.index(row["technique"]), -1 if eps is None else positions[eps])

    def write(rows: List[Dict[str, Any]]) -> None:
        if csv_path is not None:
            write_rows(csv_path, rows, SWEEP_COLUMNS, key)

    def task(run: RunSpec, device: Optional[int]):
        return functools.partial(
            sweep_run, serialization_dir, study, run, agreement, max_agreement_instances
        )

    scheduler = Scheduler(study, results, write, _describe)
    failures = scheduler.run(local_executor(), task, progress=progress)
    if failures:
        raise StudyError(
            f"{len(failures)} run(s) of the sweep failed (the others are in {csv_path}): "
            + "; ".join(f"{run.technique} eps {run.eps}: {error}" for run, error in failures)
        )
    return sorted(results.values(), key=key)
