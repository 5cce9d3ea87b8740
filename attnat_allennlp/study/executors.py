"""
Where a grid's runs execute: the small interface the scheduler (`study/scheduler.py`) drives, and
the local executors behind it: in this process (`SerialExecutor`) and in worker processes started
by a fork server (`PoolExecutor`). The cluster one is `study/dask_executor.py`.

An executor takes a run and its task (a picklable callable without arguments that returns the
run's row, e.g. a `functools.partial` of `runner.execute`), runs it, and hands back `Outcome`s as
runs finish; it never records anything: the scheduler alone handles rows and failures.
"""

import concurrent.futures
import multiprocessing
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from attnat_allennlp.study.spec import RunSpec

Task = Callable[[], Dict[str, Any]]


@dataclass
class Outcome:
    """A finished run: its row, or the error it failed with (and that error's traceback)."""

    run: RunSpec
    row: Optional[Dict[str, Any]] = None
    error: Optional[str] = None
    details: str = ""


def failed(run: RunSpec, error: BaseException) -> Outcome:
    return Outcome(run, error=repr(error), details="".join(traceback.format_exception(error)))


class Executor:
    """
    Runs tasks; `slots()` of them at once. `submit` starts one, `wait` blocks until at least one
    submitted run has finished and returns the finished ones, `close` stops what still runs.
    """

    def slots(self) -> int:
        raise NotImplementedError

    def submit(self, run: RunSpec, task: Task) -> None:
        raise NotImplementedError

    def wait(self) -> List[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SerialExecutor(Executor):
    """One run at a time, in this process (`--jobs 1`): a test's monkeypatches apply."""

    def __init__(self) -> None:
        self.submitted: List[tuple] = []

    def slots(self) -> int:
        return 1

    def submit(self, run: RunSpec, task: Task) -> None:
        self.submitted.append((run, task))

    def wait(self) -> List[Outcome]:
        run, task = self.submitted.pop(0)
        try:
            return [Outcome(run, row=task())]
        except Exception as error:  # keep going: one failed run must not stop the grid
            return [failed(run, error)]


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


class PoolExecutor(Executor):
    """
    `jobs` worker processes on this machine, started once by a fork server that has imported this
    package, each with `threads` torch threads (`--jobs N`).
    """

    def __init__(self, jobs: int, threads: int = 1) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["attnat_allennlp"])
        self.jobs = jobs
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(threads,)
        )
        self.running: Dict[concurrent.futures.Future, RunSpec] = {}

    def slots(self) -> int:
        return self.jobs

    def submit(self, run: RunSpec, task: Task) -> None:
        self.running[self.pool.submit(task)] = run

    def wait(self) -> List[Outcome]:
        finished, _ = concurrent.futures.wait(
            list(self.running), return_when=concurrent.futures.FIRST_COMPLETED
        )
        outcomes = []
        for future in finished:
            run = self.running.pop(future)
            error = future.exception()
            outcomes.append(failed(run, error) if error else Outcome(run, row=future.result()))
        return outcomes

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
