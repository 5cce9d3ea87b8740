"""
Training and measuring the runs of a study, resumably.

Each run lives in `<study dir>/runs/<dataset>/<technique>/eps_<eps>/seed_<seed>`. It is trained
in-process with allennlp's `train_model`, its archive is measured on the test set
(`attnat_allennlp.interpret.report.study_measures`), and its row (the training metrics and the
measures, and its provenance: `study.provenance`) is written to `row.json` there and to the study's
`runs.csv`. A run that `runs.csv`
already holds is not trained again, even when its folder is gone (a study committed with its CSV
goes on elsewhere); a folder with a `metrics.json` and an archive that reads but no row is only
measured; a folder without `metrics.json`, or whose `model.tar.gz` does not read, is an interrupted
run and is trained again from scratch, with a log line that says so. (Archives are written under a
temporary name and renamed when complete: `archive_atomically`.)
"""

import copy
import datetime
import json
import logging
import os
import shutil
import time
from collections import Counter
from typing import Any, Dict, Optional

from allennlp.common import Params
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.study import provenance
from attnat_allennlp.study.configs import has_perturbation, set_eps
from attnat_allennlp.study.spec import DatasetSpec, RunSpec, StudySpec
from attnat_allennlp.study.spec_keys import RANDOM_SEED_OFFSET
from attnat_allennlp.training.train_loop import archive_problem

logger = logging.getLogger(__name__)

# The files of a finished run that are kept (the rest, e.g. checkpoints and logs, is removed).
_KEEP = {"model.tar.gz", "metrics.json", "config.json", "row.json", "out.log", "provenance.json"}


def run_dir(study_dir: str, run: RunSpec) -> str:
    return os.path.join(study_dir, "runs", run.key)


def _set_path(config: Dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target = config
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def dataset_labels(config: Dict[str, Any]) -> Counter:
    """The labels of a config's training data (read with its dataset reader), with their counts."""
    from allennlp.data import DatasetReader

    reader = DatasetReader.from_params(Params(copy.deepcopy(config["dataset_reader"])))
    counts: Counter = Counter()
    for instance in reader.read(config["train_data_path"]):
        if "label" in instance.fields:
            counts[str(instance.fields["label"].label)] += 1  # type: ignore
    return counts


def validation_adjustments(config: Dict[str, Any], labels: Counter, where: str) -> Dict[str, Any]:
    """
    The dotted overrides that make a classifier config fit its labels: with other than two labels,
    or a `positive_label` that is not one of them, F1 and AUC of a positive label do not exist,
    so the validation metric falls back to accuracy (and `positive_label` is dropped), with a log
    line that says so. Other configs need none.
    """
    model = config.get("model", {})
    metric = config.get("trainer", {}).get("validation_metric", "-loss")
    positive = model.get("positive_label")
    if model.get("type") != "attnat_classifier" or positive is None:
        return {}
    if len(labels) == 2 and str(positive) in labels:
        return {}
    reason = (
        f"{len(labels)} labels ({', '.join(sorted(labels))})"
        if len(labels) != 2
        else f"positive_label {positive!r} is not one of the labels {sorted(labels)}"
    )
    logger.warning(
        "%s: %s, so there is no positive class: validating on accuracy instead of %s "
        "(and without F1/AUC)",
        where,
        reason,
        metric,
    )
    return {"model.positive_label": None, "trainer.validation_metric": "+accuracy"}


def run_config(
    study: StudySpec,
    dataset: DatasetSpec,
    run: RunSpec,
    adjustments: Optional[Dict[str, Any]] = None,
    cuda_device: Optional[int] = None,
) -> Dict[str, Any]:
    """The full training config (a dict) of one run (on `cuda_device`, when one is given)."""
    overrides = {**dataset.overrides, **study.overrides}
    path = dataset.technique_config(run.technique)
    config = Params.from_file(path, params_overrides=json.dumps(overrides)).as_dict(quiet=True)
    for dotted, value in (adjustments or {}).items():
        _set_path(config, dotted, value)
    if config.get("model", {}).get("positive_label", "") is None:
        config["model"].pop("positive_label")
    if study.epochs is not None:
        config["trainer"]["num_epochs"] = study.epochs
    if study.patience is not None:  # early stopping on the validation metric
        config["trainer"]["patience"] = study.patience
    if run.eps is not None:
        if not has_perturbation(config):
            raise ConfigurationError(
                f"{path}: an eps grid for {run.technique}, whose config has no perturbation"
            )
        config = set_eps(config, run.technique, run.eps, path)
    config["random_seed"] = RANDOM_SEED_OFFSET + run.seed
    config["numpy_seed"] = 1337 + run.seed
    config["pytorch_seed"] = 133 + run.seed
    trainer = config["trainer"]
    if cuda_device is not None:
        trainer["cuda_device"] = cuda_device
    # A study keeps only the archive and the metrics of a run: no TensorBoard logs.
    trainer["callbacks"] = [
        c for c in trainer.get("callbacks", []) if c.get("type") != "tensorboard"
    ]
    return config


def _seconds(duration: Any) -> Optional[float]:
    if isinstance(duration, (int, float)):
        return float(duration)
    if isinstance(duration, str) and ":" in duration:
        hours, minutes, seconds = duration.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return None


def training_row(run: RunSpec, config: Dict[str, Any], metrics: Dict[str, Any]) -> Dict[str, Any]:
    """The columns of a run that come from its training (`metrics.json`)."""
    metric = config["trainer"].get("validation_metric", "-loss")
    metric = metric[0] if isinstance(metric, list) else metric
    name = metric.lstrip("+-")
    row: Dict[str, Any] = {
        "dataset": run.dataset,
        "technique": run.technique,
        "eps": run.eps,
        "seed": run.seed,
        "phase": run.phase,
        "validation_metric": metric,
        "best_validation": metrics.get(f"best_validation_{name}"),
        "best_epoch": metrics.get("best_epoch"),
        "epochs": config["trainer"].get("num_epochs"),
        # the epochs that ran: fewer than `epochs` when early stopping ended the run
        "epochs_trained": metrics["epoch"] + 1 if isinstance(metrics.get("epoch"), int) else None,
        "training_seconds": _seconds(metrics.get("training_duration")),
    }
    row.update({k: v for k, v in sorted(metrics.items()) if k.startswith("test_")})
    return row


def measure(
    serialization_dir: str, config: Dict[str, Any], run: RunSpec, options: Dict[str, Any]
) -> Dict[str, Any]:
    """
    The study's measures of a trained run on its test set (`study_measures`), with the study's
    `measures` options: `max_instances` (the first N test instances), `sample` (N instances
    spread over the test file for every measure but accuracy, F1 and AUC, which keep the whole
    test set), `leave_one_out`, `robustness_eps`, `attention` (the attention that explains a
    prediction; `None`: the model's default), `attributions` (the standard attributions; default
    all), `attack` and `stability` (default true).
    """
    from allennlp.models.archival import load_archive

    from attnat_allennlp.interpret.explanation import prediction_metrics, spread
    from attnat_allennlp.interpret.report import load_instances, study_measures

    archive = load_archive(os.path.join(serialization_dir, "model.tar.gz"))
    instances = load_instances(
        archive.validation_dataset_reader, config["test_data_path"], options.get("max_instances")
    )
    kwargs: Dict[str, Any] = {
        "seed": run.seed,
        "leave_one_out": options.get("leave_one_out", True),
        "attention": options.get("attention"),
        "attack": options.get("attack", True),
        "stability": options.get("stability", True),
    }
    if options.get("robustness_eps") is not None:
        kwargs["robustness_eps"] = options["robustness_eps"]
    if options.get("attributions") is not None:
        kwargs["attributions"] = tuple(options["attributions"])
    start = time.time()
    measures = study_measures(archive.model, spread(instances, options.get("sample")), **kwargs)
    if options.get("sample") is not None:
        whole = prediction_metrics(archive.model, instances)
        measures.update({name: whole.get(name) for name in ("accuracy", "f1", "auc")})
    return {**measures, "measure_seconds": round(time.time() - start, 1)}


def _trained_by(directory: str, previous: Dict[str, Any]) -> Dict[str, Any]:
    """
    The training provenance of a trained run: its `provenance.json`, else what its earlier row
    recorded, else empty (trained before provenance was recorded: `commit` stays empty).
    """
    path = os.path.join(directory, "provenance.json")
    if os.path.isfile(path):
        with open(path) as handle:
            recorded = json.load(handle)
    else:
        recorded = previous
    return {k: recorded.get(k) for k in provenance.TRAINING_COLUMNS}


def execute(
    study_dir: str,
    study: StudySpec,
    run: RunSpec,
    adjustments: Optional[Dict[str, Any]] = None,
    threads: Optional[int] = 1,
    remeasure: bool = False,
    cuda_device: Optional[int] = None,
) -> Dict[str, Any]:
    """
    Trains (unless already trained; on `cuda_device` when one is given) and measures one run, and
    returns its row (also written to `row.json` in the run's folder). `row["measured"]` is false when the measures could not be
    computed (the training is kept; a later call measures it). With `remeasure`, a trained run is
    measured again (after a change of the measures).
    """
    import torch

    if threads:
        torch.set_num_threads(threads)
    directory = run_dir(study_dir, run)
    row_path = os.path.join(directory, "row.json")
    previous: Dict[str, Any] = {}
    if os.path.isfile(row_path):
        with open(row_path) as handle:
            previous = row = json.load(handle)
        if row.get("measured") and not remeasure:
            return row
    dataset = study.dataset(run.dataset)
    config = run_config(study, dataset, run, adjustments, cuda_device)
    metrics_path = os.path.join(directory, "metrics.json")
    if os.path.isfile(metrics_path):
        problem = archive_problem(os.path.join(directory, "model.tar.gz"))
        if problem is not None:
            # Killed after metrics.json and before its archive was complete (an archive of an
            # older version of this package, or no archive at all): the run is trained again.
            logger.warning(
                "%s has a metrics.json, but its model.tar.gz %s: training it again",
                directory,
                problem,
            )
            os.remove(metrics_path)
    if not os.path.isfile(metrics_path):
        if os.path.isdir(directory):
            logger.info("%s was interrupted: training it again", directory)
            shutil.rmtree(directory)
        from allennlp.commands.train import train_model

        trained_by = provenance.training_provenance(config)
        train_model(Params(copy.deepcopy(config)), directory)
        for name in os.listdir(directory):
            if name not in _KEEP:
                path = os.path.join(directory, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        with open(os.path.join(directory, "provenance.json"), "w") as handle:
            json.dump(trained_by, handle, indent=1)
    with open(metrics_path) as handle:
        metrics = json.load(handle)
    row = training_row(run, config, metrics)
    row.update(_trained_by(directory, previous))
    row.update(provenance.measuring_provenance())
    try:
        row.update(measure(directory, config, run, study.measures))
        row["measured"] = True
    except ImportError as error:  # measures not available in this version of the package
        logger.warning("cannot measure %s: %s", run.key, error)
        row["measured"] = False
    row["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    with open(row_path, "w") as handle:
        json.dump(row, handle, indent=1)
    return row
