"""`attention-study --executor dask`: a tiny study on a local Dask cluster of two worker processes
(loopback only) gives the runs.csv of `--jobs 2`, and a worker killed mid-run leaves its run to be
trained again, neither lost nor recorded twice."""

import argparse
import json
import os
import signal
import threading
import time

import pytest

from attnat_allennlp.commands.attention_study import study_from_args
from attnat_allennlp.study.dask_executor import local_cluster
from attnat_allennlp.study.results import read_runs
from tests.study.test_study import TINY, _study

distributed = pytest.importorskip(
    "distributed",
    reason="the cluster executor needs Dask's distributed scheduler: "
    "pip install attnat_allennlp[cluster]",
)
psutil = pytest.importorskip("psutil", reason="distributed installs psutil; without it, no Dask")

# Columns that differ between two trainings of the same run (times) or say where it ran.
NOT_DETERMINISTIC = {"training_seconds", "measure_seconds", "finished"}
# Light measures: the test is about where the runs train, not what they measure.
MEASURES = {"leave_one_out": False, "attributions": [], "max_instances": 16}


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(workers=2) as local:
        yield local


def _args(study_file, out, **changes):
    values = dict(
        study_file=str(study_file),
        serialization_dir=str(out),
        jobs=1,
        threads=1,
        overrides="",
        no_progress=True,
        executor="local",
        address=None,
        cuda_devices=None,
        runs_per_device=1,
    )
    values.update(changes)
    return argparse.Namespace(**values)


def test_two_dask_workers_give_the_runs_csv_of_two_jobs(tmp_path, cluster):
    study_file = tmp_path / "study.json"
    raw = _study(seeds=[1, 2], eps={"attention_at": [1.0]}, measures=MEASURES)
    study_file.write_text(json.dumps(raw))
    study_from_args(_args(study_file, tmp_path / "pool", jobs=2))
    study_from_args(
        _args(study_file, tmp_path / "dask", executor="dask", address=cluster.scheduler_address)
    )
    pool = read_runs(str(tmp_path / "pool" / "runs.csv"))
    dask = read_runs(str(tmp_path / "dask" / "runs.csv"))
    assert len(pool) == 4 and [r.keys() for r in dask] == [r.keys() for r in pool]
    for ours, theirs in zip(dask, pool):
        for column, value in theirs.items():
            if column in NOT_DETERMINISTIC:
                continue
            if isinstance(value, float):
                assert ours[column] == pytest.approx(value, abs=1e-6), column
            else:
                assert ours[column] == value, column
    # the driver alone wrote the summary (and the workers the run folders, on the shared disk)
    assert (tmp_path / "dask" / "summary.md").is_file()
    assert (tmp_path / "dask" / "runs" / "tiny" / "vanilla" / "eps_config" / "seed_2").is_dir()


def test_a_worker_killed_mid_run_leaves_the_run_to_be_trained_again(tmp_path, cluster):
    study_file = tmp_path / "study.json"
    dataset = {**TINY, "overrides": {**TINY["overrides"], "trainer.patience": None}}
    raw = _study(
        datasets=[dataset], techniques=["vanilla"], eps={}, seeds=[1], epochs=40, measures=MEASURES
    )
    study_file.write_text(json.dumps(raw))
    out = tmp_path / "out"
    run_dir = out / "runs" / "tiny" / "vanilla" / "eps_config" / "seed_1"
    errors = []

    def drive():
        try:
            study_from_args(
                _args(study_file, out, executor="dask", address=cluster.scheduler_address)
            )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    driver = threading.Thread(target=drive)
    driver.start()
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        deadline = time.time() + 300
        worker = None
        while time.time() < deadline and worker is None:
            busy = [w for w, keys in client.processing().items() if keys]
            # training has begun: allennlp wrote the run's config (an epoch is a fraction of a s)
            if busy and (run_dir / "config.json").is_file():
                worker = busy[0]
            time.sleep(0.05)
        assert worker is not None, "the run never started on a worker"
        assert not (run_dir / "metrics.json").exists()  # still training
        pid = client.run(os.getpid, workers=[worker])[worker]
        # the run trains in a process of the worker's own (a fork server's child)
        below = psutil.Process(pid).children(recursive=True)
        os.kill(pid, signal.SIGKILL)
        killed_at = time.time()
    driver.join(timeout=600)
    assert not driver.is_alive() and errors == []
    # nothing the killed worker started goes on training beside the retried run
    gone, alive = psutil.wait_procs(below, timeout=10)
    assert alive == [] and len(gone) >= 2
    (row,) = read_runs(str(out / "runs.csv"))
    assert (row["technique"], row["seed"], row["epochs_trained"]) == ("vanilla", 1, 40)
    # the run finished after the kill: trained again elsewhere, from scratch
    assert os.path.getmtime(run_dir / "metrics.json") > killed_at
