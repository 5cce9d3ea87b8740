"""The grid engine's seams: eps set by the technique's name, which run gets which GPU, and the one
failure handler of the scheduler, whatever the executor."""

import argparse
import json

import pytest
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.attention_study import _executor
from attnat_allennlp.study import runner
from attnat_allennlp.study.configs import set_eps, technique_perturbation
from attnat_allennlp.study.devices import DeviceSlots, parse_devices
from attnat_allennlp.study.executors import Executor, Outcome
from attnat_allennlp.study.results import read_runs
from attnat_allennlp.study.scheduler import Scheduler, StudyError, run_study
from attnat_allennlp.study.spec import RunSpec, parse_study
from tests.study.test_study import _fake_measure, _study


def _config(*types, other_callback=False):
    callbacks = [{"type": "adversarial_training", "perturbations": [{"type": t} for t in types]}]
    if other_callback:
        callbacks.append({"type": "tensorboard"})
    return {"trainer": {"callbacks": callbacks}}


class TestEpsByName:
    def test_the_techniques_perturbation_is_found_by_name_not_position(self):
        config = _config("word_at", "attention_iat", other_callback=True)
        changed = set_eps(config, "attention_iat", 2.5, "x.jsonnet")
        types = changed["trainer"]["callbacks"][0]["perturbations"]
        assert types == [{"type": "word_at"}, {"type": "attention_iat", "eps": 2.5}]
        assert "eps" not in config["trainer"]["callbacks"][0]["perturbations"][1]  # a copy

    def test_a_variant_takes_the_perturbation_it_is_named_after(self):
        config = _config("attention_at")
        assert technique_perturbation(config, "attention_at_all_layers") == {"type": "attention_at"}
        # a technique of one's own with its only perturbation
        assert technique_perturbation(_config("scaled_random"), "mine") == {"type": "scaled_random"}

    def test_no_or_an_ambiguous_perturbation_is_an_error_naming_config_and_technique(self):
        with pytest.raises(ConfigurationError, match=r"x\.jsonnet: the technique 'attention_at'"):
            set_eps({"trainer": {"callbacks": []}}, "attention_at", 1.0, "x.jsonnet")
        with pytest.raises(
            ConfigurationError, match=r"y\.jsonnet: cannot tell which perturbation of \['word_at', "
        ):
            set_eps(_config("word_at", "attention_rp"), "combo", 1.0, "y.jsonnet")

    def test_a_studys_run_config_sets_eps_and_the_device(self):
        study = parse_study(_study())
        run = RunSpec("tiny", "attention_at", 2.0, 1)
        config = runner.run_config(study, study.datasets[0], run, cuda_device=1)
        assert config["trainer"]["cuda_device"] == 1
        (callback,) = config["trainer"]["callbacks"]
        assert callback["perturbations"][0] == {"type": "attention_at", "eps": 2.0}
        cpu = runner.run_config(study, study.datasets[0], run)
        assert cpu["trainer"].get("cuda_device", -1) == -1


class Recording(Executor):
    """Finishes the oldest submitted run at each wait; records how many ran at once per device."""

    def __init__(self, slots, fail=()):
        self.n, self.fail, self.live, self.peak = slots, set(fail), [], 0

    def slots(self):
        return self.n

    def submit(self, run, task):
        self.live.append((run, task))
        self.peak = max(self.peak, len(self.live))

    def wait(self):
        run, task = self.live.pop(0)
        if run.seed in self.fail:
            return [Outcome(run, error="RuntimeError('boom')")]
        return [Outcome(run, row=task())]


def _vanilla_study(seeds):
    return parse_study(_study(techniques=["vanilla"], eps={}, seeds=seeds))


class TestDevices:
    def test_parse_and_refuse(self):
        assert parse_devices("0,1") == [0, 1] and parse_devices(None) == []
        with pytest.raises(ConfigurationError, match=r"--cuda-devices .* got 'a,b'"):
            parse_devices("a,b")
        with pytest.raises(ConfigurationError, match="distinct GPUs"):
            parse_devices("0,0")
        with pytest.raises(ConfigurationError, match="--runs-per-device must be at least 1"):
            DeviceSlots([0], 0)

    def test_the_least_busy_device_and_at_most_n_runs_on_one(self):
        slots = DeviceSlots([0, 1], per_device=2)
        assert [slots.acquire() for _ in range(4)] == [0, 1, 0, 1]
        with pytest.raises(RuntimeError, match="already trains 2 run"):
            slots.acquire()
        slots.release(1)
        assert slots.acquire() == 1
        assert DeviceSlots().acquire() is None and DeviceSlots().capacity == 0

    def test_the_scheduler_gives_each_run_its_device(self):
        study = _vanilla_study([1, 2, 3, 4, 5, 6, 7])
        devices = DeviceSlots([0, 1], per_device=2)
        busy_seen = []

        def task(run, device):
            busy_seen.append(dict(devices.busy))
            return lambda: {"seed": run.seed, "device": device}

        rows = {}
        executor = Recording(slots=10)
        Scheduler(study, rows, lambda r: None, lambda run, row: run.key).run(
            executor, task, devices, progress=False
        )
        by_seed = {row["seed"]: row["device"] for row in rows.values()}
        # four at once (2 GPUs x 2), then each finished run's device goes to the next run
        assert executor.peak == 4
        assert by_seed == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0, 6: 1, 7: 0}
        assert all(max(busy.values()) <= 2 for busy in busy_seen)
        assert devices.busy == {0: 0, 1: 0}

    def test_command_options(self):
        def args(**changes):
            values = dict(jobs=1, executor="local", address=None, cuda_devices=None)
            values["runs_per_device"] = 1
            values.update(changes)
            return argparse.Namespace(**values)

        executor, devices = _executor(args(cuda_devices="0,1", runs_per_device=3))
        assert executor is None and devices.capacity == 6
        with pytest.raises(ConfigurationError, match="--jobs 2 with --cuda-devices"):
            _executor(args(cuda_devices="0", jobs=2))
        with pytest.raises(ConfigurationError, match="--executor dask needs --address"):
            _executor(args(executor="dask"))
        with pytest.raises(ConfigurationError, match="is for --executor dask"):
            _executor(args(address="localhost:8786"))
        with pytest.raises(ConfigurationError, match="on a Dask cluster give each worker one GPU"):
            _executor(args(executor="dask", address="localhost:8786", cuda_devices="0"))


def test_a_failed_run_is_reported_once_and_the_others_recorded(tmp_path, monkeypatch):
    """The one failure handler: the serial executor's exception and another executor's outcome."""
    monkeypatch.setattr(runner, "measure", _fake_measure)
    real = runner.execute

    def execute(study_dir, study, run, *args):
        if run.seed == 2:
            raise RuntimeError("no memory left")
        return real(study_dir, study, run, *args)

    monkeypatch.setattr(runner, "execute", execute)
    study = _vanilla_study([1, 2, 3])
    with pytest.raises(StudyError, match=r"1 run\(s\) failed .*seed_2: RuntimeError\('no memory"):
        run_study(study, str(tmp_path), progress=False)
    assert [r["seed"] for r in read_runs(str(tmp_path / "runs.csv"))] == [1, 3]

    failures = Scheduler(study, {}, lambda r: None, lambda run, row: "").run(
        Recording(slots=2, fail={2}), lambda run, device: lambda: {"seed": run.seed}, progress=False
    )
    assert [(run.seed, error) for run, error in failures] == [(2, "RuntimeError('boom')")]


def test_the_study_json_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "measure", _fake_measure)
    run_study(_vanilla_study([1]), str(tmp_path), progress=False)
    assert json.loads((tmp_path / "study.json").read_text())["techniques"] == ["vanilla"]
