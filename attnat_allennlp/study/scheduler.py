"""
The order of a grid's runs, and the one scheduler that hands them to an executor.

The runs that need no choice (vanilla, every technique's eps grid at the selection seeds) come
first, in study order; as soon as a technique's grid is complete, its eps is chosen on the
validation set (`summary.choose_eps`) and its other seeds are queued ahead of later techniques, so
that an interrupted study leaves whole techniques behind; the `matched_eps` runs come last in each
technique, and a run asked for twice (a matched eps that the grid also trains) is trained once.
The scheduler alone records rows and failures (one handler, whatever the executor: in this
process, a local pool of worker processes, or a Dask cluster: `study/executors.py`), and it alone
writes the grid's CSV (`runs.csv` of a study, `sweep.csv` of an eps sweep) after every run.
"""

import functools
import json
import logging
import os
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from tqdm import tqdm

from attnat_allennlp.study import runner
from attnat_allennlp.study.devices import DeviceSlots
from attnat_allennlp.study.executors import Executor, Outcome, PoolExecutor, SerialExecutor, Task
from attnat_allennlp.study.results import read_runs, row_key, run_key, write_runs
from attnat_allennlp.study.spec import RunSpec, StudySpec, to_dict
from attnat_allennlp.study.summary import choose_eps, write_summary

logger = logging.getLogger(__name__)

Row = Dict[str, Any]


class StudyError(RuntimeError):
    """Some runs of a study failed; the others are recorded."""


def _priority(study: StudySpec, run: RunSpec) -> Tuple:
    datasets = [d.name for d in study.datasets]
    return (
        datasets.index(run.dataset),
        study.techniques.index(run.technique),
        {"grid": 0, "seed": 1}.get(run.phase, 2),
        run.seed,
        -1.0 if run.eps is None else run.eps,
    )


def describe(run: RunSpec, row: Row) -> str:
    """The log line of a finished study run."""
    eps = "" if row.get("eps") is None else f" eps {row['eps']:g}"
    test = row.get("accuracy", row.get("test_accuracy"))
    test_text = "" if test is None else f", test accuracy {test:.3f}"
    seconds = row.get("training_seconds")
    time_text = "" if seconds is None else f", trained in {seconds:.0f} s"
    message = (
        f"{row['dataset']} {row['technique']}{eps} seed {row['seed']}: "
        f"{row['validation_metric']} {row['best_validation']:.4f} (dev){test_text}{time_text}"
    )
    return message if row.get("measured") else message + " (not measured yet)"


class Scheduler:
    """
    Runs (or resumes) the runs of `study` through an executor.

    # Parameters

    study : `StudySpec`
        The grid: its runs, their order and the eps choice after each technique's grid.
    results : `Dict[Tuple, Row]`
        The rows already recorded, by `run_key` (their runs are not run again).
    write : `Callable[[List[Row]], None]`
        Writes the grid's CSV (and whatever goes with it) from every recorded row; called after
        each finished run.
    describe : `Callable[[RunSpec, Row], str]`, optional
        The log line of a finished run.
    """

    def __init__(
        self,
        study: StudySpec,
        results: Dict[Tuple, Row],
        write: Callable[[List[Row]], None],
        describe: Callable[[RunSpec, Row], str] = describe,
    ) -> None:
        self.study = study
        self.results = results
        self.write = write
        self.describe = describe
        self.queued: List[RunSpec] = list(study.first_runs()) + study.matched_runs()
        self.expanded: set = set()
        self.running: Dict[Tuple, Tuple[RunSpec, Optional[int]]] = {}
        self.failures: List[Tuple[RunSpec, str]] = []

    def expand(self) -> None:
        """Queues the other seeds of each technique whose grid is complete, at its chosen eps."""
        if not self.study.seeds[self.study.selection_seeds :]:
            return  # every seed trains the grid: nothing to choose eps for
        for dataset in self.study.datasets:
            for technique in self.study.techniques:
                if (
                    len(self.study.grid(technique)) < 2
                    or (dataset.name, technique) in self.expanded
                ):
                    continue
                rows = list(self.results.values())
                chosen = choose_eps(self.study, rows, dataset.name, technique)
                if chosen is not None:
                    self.expanded.add((dataset.name, technique))
                    self.queued.extend(self.study.seed_runs(dataset.name, technique, chosen))

    def pending(self) -> List[RunSpec]:
        """The runs to start, in order; a run asked for twice is run once."""
        unique: Dict[Tuple, RunSpec] = {}
        for run in sorted(self.queued, key=lambda r: _priority(self.study, r)):
            key = run_key(run)
            if key not in self.results and key not in self.running:
                unique.setdefault(key, run)
        return list(unique.values())

    def finish(self, outcome: Outcome, bar: tqdm) -> None:
        """The one handler of a finished run, whichever executor ran it: record, or fail."""
        run = outcome.run
        key = run_key(run)
        self.running.pop(key, None)
        if outcome.row is None:
            logger.error("run %s failed: %s\n%s", run.key, outcome.error, outcome.details)
            self.failures.append((run, outcome.error or "failed"))
            self.queued[:] = [r for r in self.queued if run_key(r) != key]
            return
        self.results[key] = outcome.row
        self.write(list(self.results.values()))
        bar.update(1)
        message = self.describe(run, outcome.row)
        logger.info(message)
        bar.write(message)

    def run(
        self,
        executor: Executor,
        task: Callable[[RunSpec, Optional[int]], Task],
        devices: Optional[DeviceSlots] = None,
        progress: bool = True,
        recorded: int = 0,
    ) -> List[Tuple[RunSpec, str]]:
        """
        Hands every pending run to `executor` (`task(run, device)` makes its task; `devices`
        gives each run its GPU, at most `per_device` runs on one) until none is left; returns the
        failures.
        """
        devices = devices or DeviceSlots()
        self.expand()
        total = self.study.num_runs()
        bar = tqdm(
            total=total, initial=min(recorded, total), disable=not progress, desc="grid", unit="run"
        )
        try:
            while True:
                todo = self.pending()
                room = executor.slots()
                if devices.capacity:
                    room = min(room, devices.capacity)
                while todo and len(self.running) < room:
                    run = todo.pop(0)
                    device = devices.acquire()
                    self.running[run_key(run)] = (run, device)
                    executor.submit(run, task(run, device))
                if not self.running:
                    break
                bar.set_postfix_str(", ".join(r.key for r, _ in self.running.values()))
                for outcome in executor.wait():
                    devices.release(self.running.get(run_key(outcome.run), (None, None))[1])
                    self.finish(outcome, bar)
                self.expand()
        finally:
            bar.close()
            executor.close()
        return self.failures


def local_executor(jobs: int = 1, threads: int = 1) -> Executor:
    """This process (one job) or a pool of `jobs` worker processes."""
    return PoolExecutor(jobs, threads) if jobs > 1 else SerialExecutor()


def _recorded(study: StudySpec, study_dir: str, csv_path: str, remeasure: bool) -> Dict[Tuple, Row]:
    """The rows of `runs.csv`; with `remeasure`, less those whose archive is here to measure."""
    results: Dict[Tuple, Row] = {row_key(row): row for row in read_runs(csv_path)}
    if not remeasure:
        return results
    names = {d.name for d in study.datasets}
    for key, row in list(results.items()):
        if row["dataset"] not in names or row["technique"] not in study.techniques:
            continue
        spec = RunSpec(row["dataset"], row["technique"], key[2], key[3], row.get("phase") or "seed")
        if os.path.isfile(os.path.join(runner.run_dir(study_dir, spec), "model.tar.gz")):
            del results[key]
        else:
            logger.warning("%s has no archive here: its measures stay as recorded", spec.key)
    return results


def _adjustments(study: StudySpec) -> Dict[str, Dict[str, Any]]:
    """The validation adjustments of each classifier dataset (`runner.validation_adjustments`)."""
    adjustments: Dict[str, Dict[str, Any]] = {}
    for dataset in study.datasets:
        config = runner.run_config(
            study, dataset, RunSpec(dataset.name, "vanilla", None, study.seeds[0])
        )
        if config.get("model", {}).get("type") == "attnat_classifier":
            labels = runner.dataset_labels(config)
            adjustments[dataset.name] = runner.validation_adjustments(
                config, labels, config["train_data_path"]
            )
    return adjustments


def run_study(
    study: StudySpec,
    study_dir: str,
    jobs: int = 1,
    threads: int = 1,
    progress: bool = True,
    remeasure: bool = False,
    executor: Optional[Executor] = None,
    devices: Optional[DeviceSlots] = None,
) -> List[Row]:
    """
    Runs (or resumes) a study in `study_dir` and writes `runs.csv`, `summary.csv`, `summary.md` and
    the plots after every run. Returns the rows of `runs.csv`. With `remeasure`, every recorded run
    whose archive is still here is measured again (the others keep their measures, with a
    warning). The runs go to `executor` (default: this process with one job, else a pool of `jobs`
    worker processes, as many as `devices` hold runs when GPUs are given), each on its GPU of
    `devices` when given. Raises a `StudyError` at the end when some runs failed (the others are
    recorded).
    """
    os.makedirs(study_dir, exist_ok=True)
    with open(os.path.join(study_dir, "study.json"), "w") as handle:
        json.dump(to_dict(study), handle, indent=1)
    csv_path = os.path.join(study_dir, "runs.csv")
    results = _recorded(study, study_dir, csv_path, remeasure)
    recorded = len(results)
    adjustments = _adjustments(study)

    def write(rows: List[Row]) -> None:
        write_runs(csv_path, [r for r in rows if r.get("measured")], study)
        write_summary(study, rows, study_dir)

    def task(run: RunSpec, device: Optional[int]) -> Task:
        return functools.partial(
            runner.execute,
            study_dir,
            study,
            run,
            adjustments.get(run.dataset),
            threads,
            remeasure,
            device,
        )

    if executor is None:
        executor = local_executor(
            devices.capacity if devices and devices.capacity else jobs, threads
        )
    started = time.time()
    scheduler = Scheduler(study, results, write)
    failures = scheduler.run(executor, task, devices, progress, recorded)
    logger.info("study: %d runs in %.0f s", len(results) - recorded, time.time() - started)
    rows = read_runs(csv_path)
    if failures:
        raise StudyError(
            f"{len(failures)} run(s) failed (the others are recorded in {csv_path}): "
            + "; ".join(f"{run.key}: {error}" for run, error in failures)
        )
    return rows
