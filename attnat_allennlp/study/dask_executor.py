"""
The cluster executor of a study: each run goes to a worker of a Dask distributed cluster
(`attention-study STUDY -s DIR --executor dask --address HOST:PORT`), and its row comes back to the
driver as soon as it is finished; the driver's scheduler alone records it (`study/scheduler.py`).

Dask is an optional extra (`pip install attnat_allennlp[cluster]`): it is imported when the
executor is made, never on import of this module. Workers read the data and write the run folders
at the same paths as the driver: a filesystem every node sees, the workers started in the same
folder (docs/study.md, "On a cluster"). A worker that dies mid-run leaves its run to Dask's
scheduler, which runs it again on another worker (up to `distributed.scheduler.allowed-failures`
times, 3 by default; then the run fails like any other); the run's half-written folder is trained
again from scratch (`runner.execute`).

On the worker, each run trains in a process of its own (a fork server's child, as `--jobs` runs
do), not in the worker's thread: the worker's event loop draws from Python's global `random` (its
heartbeats' jitter) while the run trains, which would change the run's data order and so its
result; in its own process the run gives the row of `--jobs N` for the same seed. That process is
ends within a second of its worker's death, so a run retried elsewhere is not also still training
here.
"""

import concurrent.futures
import functools
import multiprocessing
import os
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.study.executors import Executor, Outcome, Task, failed
from attnat_allennlp.study.spec import RunSpec

INSTALL = "pip install attnat_allennlp[cluster]"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigurationError(
            f"--executor dask needs Dask's distributed scheduler, which is not installed: {INSTALL}"
        ) from None
    return distributed


def local_cluster(workers: int = 2):
    """
    A Dask cluster on this machine, reachable on the loopback only: `workers` worker processes of
    one thread each (one run each at a time, as `DaskExecutor` wants its workers), no dashboard.
    A context manager; what the executor's tests and `bench/executor_overhead.py` run on.
    """
    return _distributed().LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )


# The worker's pool of run processes (one per worker thread), made by the first run it is sent.
_POOL: Optional[concurrent.futures.ProcessPoolExecutor] = None


def _die_with_worker(worker: int) -> None:
    """
    In a run's process: exit as soon as the worker process `worker` is gone (a fork server's child
    outlives the process that asked for it, and the fork server lives while its children do).
    """

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, name="attnat-watch-worker", daemon=True).start()


def _in_own_process(task: Task) -> Dict[str, Any]:
    """Runs `task` on this Dask worker in a process of the worker's run pool; returns its row."""
    global _POOL
    if _POOL is None:
        from distributed import get_worker

        # A nanny's worker process is daemonic, and multiprocessing refuses children to a daemon
        # (they would outlive it); the run's processes die with the worker (`_die_with_worker`).
        multiprocessing.current_process()._config["daemon"] = False  # type: ignore

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["attnat_allennlp"])
        _POOL = concurrent.futures.ProcessPoolExecutor(
            max_workers=get_worker().state.nthreads,
            mp_context=context,
            initializer=_die_with_worker,
            initargs=(os.getpid(),),
        )
    try:
        return _POOL.submit(task).result()
    except concurrent.futures.process.BrokenProcessPool:
        _POOL = None  # a run's process died: the next run gets a new pool
        raise


class DaskExecutor(Executor):
    """
    Sends runs to the workers of the Dask scheduler at `address`, as many at once as the workers
    have threads (start them with `--nthreads 1`: one run each at a time).

    # Parameters

    address : `str`
        The scheduler's address, `HOST:PORT` (or `tcp://HOST:PORT`).
    timeout : `float`, optional (default = `30`)
        Seconds to wait for the scheduler to answer.
    """

    def __init__(self, address: str, timeout: float = 30) -> None:
        distributed = _distributed()
        try:
            self.client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ConfigurationError(
                f"--address {address}: no Dask scheduler answers there ({error}); start one with "
                f"`dask scheduler` and its workers with `dask worker {address} --nthreads 1`"
            ) from None
        self.running: Dict[Any, RunSpec] = {}
        # finished futures as they finish (`distributed.wait` would need a default client)
        self.finished = distributed.as_completed(loop=self.client.loop)

    def slots(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, run: RunSpec, task: Task) -> None:
        key = f"attnat-run-{run.key}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(functools.partial(_in_own_process, task), key=key, pure=False)
        self.running[future] = run
        self.finished.add(future)

    def wait(self) -> List[Outcome]:
        finished = [next(self.finished)] + self.finished.next_batch(block=False)
        outcomes = []
        for future in finished:
            run = self.running.pop(future)
            try:
                outcomes.append(Outcome(run, row=future.result()))
            except Exception as error:  # the run's own error, or KilledWorker after its retries
                outcomes.append(failed(run, error))
        return outcomes

    def close(self) -> None:
        if self.running:
            self.client.cancel(list(self.running))
        self.client.close()
