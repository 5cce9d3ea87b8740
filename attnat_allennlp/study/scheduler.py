"""
The order of a study's runs and their execution in worker processes.

The runs that need no choice (vanilla, every technique's eps grid at the selection seeds) come
first, in study order; as soon as a technique's grid is complete, its eps is chosen on the
validation set (`summary.choose_eps`) and its other seeds are queued ahead of later techniques, so
that an interrupted study leaves whole techniques behind; the `matched_eps` runs come last in each
technique, and a run asked for twice (a matched eps that the grid also trains) is trained once. With `jobs > 1` the runs go to worker
processes (started once, by a fork server that has imported this package, each with `threads`
torch threads); with one job they run in this process.
"""

import concurrent.futures
import json
import logging
import multiprocessing
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from tqdm import tqdm

from attnat_allennlp.study import runner
from attnat_allennlp.study.results import read_runs, row_key, run_key, write_runs
from attnat_allennlp.study.spec import RunSpec, StudySpec, to_dict
from attnat_allennlp.study.summary import choose_eps, write_summary

logger = logging.getLogger(__name__)


class StudyError(RuntimeError):
    """Some runs of a study failed; the others are recorded."""


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _priority(study: StudySpec, run: RunSpec) -> Tuple:
    datasets = [d.name for d in study.datasets]
    return (
        datasets.index(run.dataset),
        study.techniques.index(run.technique),
        {"grid": 0, "seed": 1}.get(run.phase, 2),
        run.seed,
        -1.0 if run.eps is None else run.eps,
    )


def _describe(row: Dict[str, Any]) -> str:
    eps = "" if row.get("eps") is None else f" eps {row['eps']:g}"
    test = row.get("accuracy", row.get("test_accuracy"))
    test_text = "" if test is None else f", test accuracy {test:.3f}"
    seconds = row.get("training_seconds")
    time_text = "" if seconds is None else f", trained in {seconds:.0f} s"
    return (
        f"{row['dataset']} {row['technique']}{eps} seed {row['seed']}: "
        f"{row['validation_metric']} {row['best_validation']:.4f} (dev){test_text}{time_text}"
    )


def run_study(
    study: StudySpec,
    study_dir: str,
    jobs: int = 1,
    threads: int = 1,
    progress: bool = True,
    remeasure: bool = False,
) -> List[Dict[str, Any]]:
    """
    Runs (or resumes) a study in `study_dir` and writes `runs.csv`, `summary.csv`, `summary.md` and
    the plots after every run. Returns the rows of `runs.csv`. With `remeasure`, every recorded run
    whose archive is still here is measured again (the others keep their measures, with a warning). Raises a `StudyError` at the end
    when some runs failed (the others are recorded).
    """
    os.makedirs(study_dir, exist_ok=True)
    with open(os.path.join(study_dir, "study.json"), "w") as handle:
        json.dump(to_dict(study), handle, indent=1)
    csv_path = os.path.join(study_dir, "runs.csv")
    results: Dict[Tuple, Dict[str, Any]] = {row_key(row): row for row in read_runs(csv_path)}
    if remeasure:
        names = {d.name for d in study.datasets}
        for key, row in list(results.items()):
            if row["dataset"] not in names or row["technique"] not in study.techniques:
                continue
            spec = RunSpec(
                row["dataset"], row["technique"], key[2], key[3], row.get("phase") or "seed"
            )
            if os.path.isfile(os.path.join(runner.run_dir(study_dir, spec), "model.tar.gz")):
                del results[key]
            else:
                logger.warning("%s has no archive here: its measures stay as recorded", spec.key)
    recorded = len(results)

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

    queued: List[RunSpec] = list(study.first_runs()) + study.matched_runs()
    expanded: set = set()
    failures: List[Tuple[RunSpec, str]] = []

    def expand() -> None:
        for dataset in study.datasets:
            for technique in study.techniques:
                if len(study.grid(technique)) < 2 or (dataset.name, technique) in expanded:
                    continue
                chosen = choose_eps(study, list(results.values()), dataset.name, technique)
                if chosen is not None:
                    expanded.add((dataset.name, technique))
                    queued.extend(study.seed_runs(dataset.name, technique, chosen))

    def pending() -> List[RunSpec]:
        # a run asked for twice (a matched eps that is also the chosen one) is trained once
        busy = {run_key(r) for r in running.values()}
        unique: Dict[Tuple, RunSpec] = {}
        for run in sorted(queued, key=lambda r: _priority(study, r)):
            if run_key(run) not in results and run_key(run) not in busy:
                unique.setdefault(run_key(run), run)
        return list(unique.values())

    def record(run: RunSpec, row: Dict[str, Any]) -> None:
        results[run_key(run)] = row
        write_runs(csv_path, [r for r in results.values() if r.get("measured")], study)
        write_summary(study, list(results.values()), study_dir)

    expand()
    total = study.num_runs()
    bar = tqdm(
        total=total, initial=min(recorded, total), disable=not progress, desc="study", unit="run"
    )
    running: Dict[Any, RunSpec] = {}
    executor: Optional[concurrent.futures.Executor] = None
    if jobs > 1:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["attnat_allennlp"])
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(threads,)
        )
    started = time.time()
    try:
        while True:
            todo = pending()
            if executor is None:
                if not todo:
                    break
                run = todo[0]
                running[None] = run
                bar.set_postfix_str(run.key)
                try:
                    row = runner.execute(
                        study_dir, study, run, adjustments.get(run.dataset), threads, remeasure
                    )
                except Exception as error:  # keep going: one failed run must not stop the study
                    logger.exception("run %s failed", run.key)
                    failures.append((run, repr(error)))
                    queued[:] = [r for r in queued if run_key(r) != run_key(run)]
                    running.clear()
                    continue
                running.clear()
                _finish(run, row, record, bar)
                expand()
                continue
            while todo and len(running) < jobs:
                run = todo.pop(0)
                future = executor.submit(
                    runner.execute,
                    study_dir,
                    study,
                    run,
                    adjustments.get(run.dataset),
                    threads,
                    remeasure,
                )
                running[future] = run
            if not running:
                break
            bar.set_postfix_str(", ".join(r.key for r in running.values()))
            finished, _ = concurrent.futures.wait(
                list(running), return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                run = running.pop(future)
                try:
                    row = future.result()
                except Exception as error:
                    logger.error("run %s failed: %r", run.key, error)
                    failures.append((run, repr(error)))
                    queued[:] = [r for r in queued if run_key(r) != run_key(run)]
                    continue
                _finish(run, row, record, bar)
            expand()
    finally:
        bar.close()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    logger.info("study: %d runs in %.0f s", len(results) - recorded, time.time() - started)
    rows = read_runs(csv_path)
    if failures:
        raise StudyError(
            f"{len(failures)} run(s) failed (the others are recorded in {csv_path}): "
            + "; ".join(f"{run.key}: {error}" for run, error in failures)
        )
    return rows


def _finish(run: RunSpec, row: Dict[str, Any], record, bar) -> None:
    record(run, row)
    bar.update(1)
    message = _describe(row)
    if not row.get("measured"):
        message += " (not measured yet)"
    logger.info(message)
    bar.write(message)
