"""The `attention-study` command: study files, eps choice on dev, resuming, summary statistics,
worker processes, multi-class and pair data."""

import argparse
import csv
import json
import logging
from pathlib import Path

import numpy
import pytest
from allennlp.common.checks import ConfigurationError
from scipy import stats

from attnat_allennlp.commands.attention_study import study_from_args
from attnat_allennlp.study import runner
from attnat_allennlp.study.results import read_runs
from attnat_allennlp.study.scheduler import run_study
from attnat_allennlp.study.spec import parse_study
from attnat_allennlp.study.summary import choose_eps, paired_test, summarize
from tests.helpers import FIXTURE_DATA

_EMBEDDING = "model.text_field_embedder.token_embedders.tokens.pretrained_file"


def _fixture_dataset(name: str, config: str, data: Path, **overrides) -> dict:
    paths = {k: str(data) for k in ("train_data_path", "validation_data_path", "test_data_path")}
    return {"name": name, "config": config, "overrides": {**paths, _EMBEDDING: None, **overrides}}


TINY = _fixture_dataset("tiny", "rt_polarity", FIXTURE_DATA / "text_classification.jsonl")


def _study(**changes) -> dict:
    raw = {
        "datasets": [TINY],
        "techniques": ["vanilla", "attention_at"],
        "seeds": [1, 2],
        "eps": {"attention_at": [0.5, 2.0]},
        "epochs": 1,
        "selection_seeds": 1,  # the protocol's default is 3 (tests/study/test_protocol.py)
    }
    raw.update(changes)
    return raw


def _fake_measure(directory, config, run, options):
    """Deterministic stand-in measures: the study's bookkeeping is tested without the model."""
    base = {"vanilla": 0.5, "attention_at": 0.6}[run.technique]
    return {"accuracy": base + 0.01 * run.seed, "gradient_kendall": base / 2 + 0.02 * run.seed}


class TestStudyFile:
    def test_runs_of_a_study(self):
        study = parse_study(_study(seeds=[1, 2, 3]))
        first = study.first_runs()
        # vanilla at every seed, then the eps grid at the first seed only
        assert [(r.technique, r.eps, r.seed, r.phase) for r in first] == [
            ("vanilla", None, 1, "seed"),
            ("vanilla", None, 2, "seed"),
            ("vanilla", None, 3, "seed"),
            ("attention_at", 0.5, 1, "grid"),
            ("attention_at", 2.0, 1, "grid"),
        ]
        assert [(r.eps, r.seed) for r in study.seed_runs("tiny", "attention_at", 2.0)] == [
            (2.0, 2),
            (2.0, 3),
        ]
        assert study.num_runs() == 3 + 2 + 2

    @pytest.mark.parametrize(
        "change, message",
        [
            ({"colour": 1}, "unknown keys"),
            ({"seeds": []}, "'seeds' is missing"),
            ({"seeds": [1, 1]}, "distinct integers"),
            ({"eps": {"word_at": [1]}}, "not among the techniques"),
            ({"eps": {"attention_at": [-1]}}, "must be a finite number between 0 and 1e"),
            ({"eps": {"attention_at": [float("nan")]}}, "must be a finite number between 0"),
            ({"eps": {"attention_at": [1e30]}}, r"eps.attention_at: eps must be .* and 1e\+06"),
            ({"eps": {"attention_at": []}}, "eps.attention_at is empty"),
            ({"seeds": [-5000]}, "seeds must be distinct integers between 0 and"),
            (
                {"datasets": [{**TINY, "name": "../../../escaped"}]},
                r"the dataset name '../../../escaped' becomes a folder of the study's runs",
            ),
            ({"datasets": [{**TINY, "name": "a/b"}]}, "the dataset name 'a/b'"),
            (
                {"techniques": ["vanilla", "no_such"], "eps": {}},
                "my_study.jsonnet: dataset tiny: no config training_config/rt_polarity_no_such",
            ),
            ({"selection_seeds": 3}, "selection_seeds"),
            ({"measures": {"leave_one_out": "no"}}, "measures.leave_one_out must be true or false"),
            ({"measures": {"attack": "off"}}, "measures.attack must be true or false, got 'off'"),
            ({"measures": {"stability": 0}}, "measures.stability must be true or false, got 0"),
            ({"measures": {"loo": False}}, r"unknown measures options \['loo'\]"),
            (
                {"measures": {"attributions": ["integrated_gradients", "lime"]}},
                r"measures.attributions: unknown attribution method\(s\) \['lime'\]",
            ),
            ({"measures": {"attributions": "occlusion"}}, "measures.attributions must be a list"),
        ],
    )
    def test_bad_study_files_name_the_problem(self, change, message):
        with pytest.raises(ConfigurationError, match=message):
            parse_study(_study(**change), "my_study.jsonnet")


class TestSummary:
    def _rows(self):
        rows = []
        for seed, (v, t) in enumerate([(0.70, 0.72), (0.71, 0.74), (0.69, 0.72)], start=1):
            rows.append(
                {
                    "dataset": "tiny",
                    "technique": "vanilla",
                    "eps": None,
                    "seed": seed,
                    "validation_metric": "+auc",
                    "best_validation": 0.8,
                    "accuracy": v,
                    "measured": True,
                }
            )
            rows.append(
                {
                    "dataset": "tiny",
                    "technique": "attention_at",
                    "eps": 2.0,
                    "seed": seed,
                    "validation_metric": "+auc",
                    "best_validation": 0.9,
                    "accuracy": t,
                    "measured": True,
                }
            )
        rows.append(
            {
                "dataset": "tiny",
                "technique": "attention_at",
                "eps": 0.5,
                "seed": 1,
                "validation_metric": "+auc",
                "best_validation": 0.85,
                "accuracy": 0.99,
                "measured": True,
            }
        )
        return rows

    def test_eps_is_chosen_on_the_validation_metric_and_waits_for_the_grid(self):
        study = parse_study(_study(seeds=[1, 2, 3]))
        rows = self._rows()
        assert (
            choose_eps(study, rows, "tiny", "attention_at") == 2.0
        )  # dev 0.9 > 0.85 (test 0.99 ignored)
        assert (
            choose_eps(study, rows[:-1], "tiny", "attention_at") is None
        )  # eps 0.5 not trained yet
        lower = [dict(r, validation_metric="-loss") for r in rows]
        assert choose_eps(study, lower, "tiny", "attention_at") == 0.5  # a loss is minimised

    def test_mean_std_and_seed_paired_test(self):
        study = parse_study(_study(seeds=[1, 2, 3]))
        entries = {(e["technique"], e["measure"]): e for e in summarize(study, self._rows())}
        vanilla, at = entries[("vanilla", "accuracy")], entries[("attention_at", "accuracy")]
        assert vanilla["mean"] == pytest.approx(0.70) and vanilla["std"] == pytest.approx(0.01)
        assert at["eps"] == 2.0 and at["n"] == 3 and at["mean"] == pytest.approx(2.18 / 3)
        # differences 0.02, 0.03, 0.03: t = 0.02667 / (0.005774 / sqrt(3)) = 8.0, two-sided, df 2
        assert at["difference"] == pytest.approx(0.08 / 3)
        assert at["p_value"] == pytest.approx(2 * stats.t.sf(8.0, 2), rel=1e-4)
        assert at["p_value"] == pytest.approx(0.01527, rel=1e-3)
        assert vanilla["p_value"] is None

    def test_paired_test_needs_two_pairs_and_varying_differences(self):
        assert paired_test({1: 0.5}, {1: 0.4})[2] is None
        assert paired_test({1: 0.5, 2: 0.6}, {1: 0.4, 2: 0.5})[2] is None  # constant difference
        pairs, difference, p = paired_test(
            {1: 0.5, 2: 0.7, 3: 0.2}, {1: 0.4, 2: 0.5, 3: 0.3, 4: 0.9}
        )
        assert pairs == 3 and difference == pytest.approx(numpy.mean([0.1, 0.2, -0.1]))


class TestRunningAStudy:
    def test_study_chooses_eps_records_and_resumes(self, tmp_path, monkeypatch):
        monkeypatch.setattr(runner, "measure", _fake_measure)
        study = parse_study(_study())
        rows = run_study(study, str(tmp_path), jobs=1, progress=False)
        # vanilla x 2 seeds, attention_at grid (2 eps) at seed 1, the chosen eps at seed 2
        assert len(rows) == 5
        grid = [r for r in rows if r["technique"] == "attention_at" and r["phase"] == "grid"]
        chosen = max(sorted(grid, key=lambda r: r["eps"]), key=lambda r: r["best_validation"])[
            "eps"
        ]
        seed_2 = [r for r in rows if r["technique"] == "attention_at" and r["seed"] == 2]
        assert [r["eps"] for r in seed_2] == [chosen]
        for row in rows:
            metrics = json.loads((tmp_path / "runs" / _key(row) / "metrics.json").read_text())
            assert row["best_validation"] == pytest.approx(metrics["best_validation_auc"])
            assert row["epochs"] == 1
            # the study keeps the archive and metrics only, not the checkpoints or logs
            assert not (tmp_path / "runs" / _key(row) / "best.th").exists()
        summary = list(csv.DictReader(open(tmp_path / "summary.csv")))
        at = next(
            e for e in summary if e["technique"] == "attention_at" and e["measure"] == "accuracy"
        )
        assert float(at["mean"]) == pytest.approx(0.615) and float(at["eps"]) == chosen
        assert float(at["p_value"] or "nan") != float(at["p_value"] or "nan") or at["p_value"] == ""
        assert "| attention_at |" in (tmp_path / "summary.md").read_text()
        assert (tmp_path / "bars_tiny.png").stat().st_size > 1000

        # Resuming trains nothing: not even when the run folders are gone (the CSV is the record).
        def no_training(*args, **kwargs):
            raise AssertionError("a recorded run was trained again")

        monkeypatch.setattr("allennlp.commands.train.train_model", no_training)
        import shutil

        shutil.rmtree(tmp_path / "runs")
        assert read_runs(str(tmp_path / "runs.csv")) == run_study(
            study, str(tmp_path), progress=False
        )

    def test_trained_but_unmeasured_runs_are_only_measured(self, tmp_path, monkeypatch):
        def unavailable(*args):
            raise ImportError("no measures in this version")

        monkeypatch.setattr(runner, "measure", unavailable)
        study = parse_study(_study(techniques=["vanilla"], eps={}, seeds=[1]))
        assert run_study(study, str(tmp_path), progress=False) == []  # trained, not recorded
        monkeypatch.setattr(runner, "measure", _fake_measure)
        monkeypatch.setattr(
            "allennlp.commands.train.train_model",
            lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained again")),
        )
        rows = run_study(study, str(tmp_path), progress=False)
        assert [(r["technique"], r["accuracy"]) for r in rows] == [("vanilla", 0.51)]

    def test_multi_class_data_validates_on_accuracy(self, tmp_path, monkeypatch, caplog):
        monkeypatch.setattr(runner, "measure", _fake_measure)
        three = _fixture_dataset("three", "rt_polarity", FIXTURE_DATA / "three_labels.jsonl")
        study = parse_study(_study(datasets=[three], techniques=["vanilla"], eps={}, seeds=[1]))
        with caplog.at_level(logging.WARNING):
            rows = run_study(study, str(tmp_path), progress=False)
        assert "3 labels (negative, neutral, positive)" in caplog.text and "accuracy" in caplog.text
        assert rows[0]["validation_metric"] == "+accuracy"
        assert "test_auc" not in rows[0]

    def test_two_jobs_pair_and_classifier_real_measures(self, tmp_path):
        """`--jobs 2` through the command's function, with the real measures, on both models."""
        nli = _fixture_dataset("nli", "vitaminc", FIXTURE_DATA / "nli.jsonl")
        study_file = tmp_path / "study.json"
        study_file.write_text(
            json.dumps(_study(datasets=[TINY, nli], seeds=[1, 2], eps={"attention_at": [1.0]}))
        )
        out = tmp_path / "out"
        args = argparse.Namespace(
            study_file=str(study_file),
            serialization_dir=str(out),
            jobs=2,
            threads=1,
            overrides="",
            no_progress=True,
        )
        study_from_args(args)
        rows = read_runs(str(out / "runs.csv"))
        assert {(r["dataset"], r["technique"], r["seed"]) for r in rows} == {
            (d, t, s) for d in ("tiny", "nli") for t in ("vanilla", "attention_at") for s in (1, 2)
        }
        for row in rows:
            assert 0.0 <= row["accuracy"] <= 1.0
            assert row["accuracy"] == pytest.approx(row["test_accuracy"])
            assert -1.0 <= row["gradient_kendall"] <= 1.0
        nli_rows = [r for r in rows if r["dataset"] == "nli"]
        assert all(r["validation_metric"] == "+accuracy" for r in nli_rows)
        # the same seed trains the same model in a worker process as in this one
        single = tmp_path / "single"
        one = parse_study(_study(datasets=[TINY], techniques=["vanilla"], eps={}, seeds=[1]))
        (row,) = run_study(one, str(single), jobs=1, progress=False)
        twin = next(
            r
            for r in rows
            if r["dataset"] == "tiny" and r["technique"] == "vanilla" and r["seed"] == 1
        )
        assert row["best_validation"] == pytest.approx(twin["best_validation"])
        assert row["gradient_kendall"] == pytest.approx(twin["gradient_kendall"])


def _key(row) -> str:
    eps = "config" if row["eps"] is None else f"{row['eps']:g}"
    return f"{row['dataset']}/{row['technique']}/eps_{eps}/seed_{row['seed']}"


def test_remeasure_measures_recorded_runs_again_without_training(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "measure", _fake_measure)
    study = parse_study(_study(techniques=["vanilla"], eps={}, seeds=[1, 2]))
    first = run_study(study, str(tmp_path), progress=False)
    monkeypatch.setattr(
        runner, "measure", lambda d, c, run, o: {**_fake_measure(d, c, run, o), "accuracy": 0.25}
    )
    monkeypatch.setattr(
        "allennlp.commands.train.train_model",
        lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained again")),
    )
    assert run_study(study, str(tmp_path), progress=False) == first  # recorded: nothing to do
    again = run_study(study, str(tmp_path), progress=False, remeasure=True)
    assert [r["accuracy"] for r in again] == [0.25, 0.25]
    assert [r["best_validation"] for r in again] == [r["best_validation"] for r in first]


@pytest.mark.parametrize(
    "options, expected",
    [({}, (True, True)), ({"attack": False}, (False, True)), ({"stability": False}, (True, False))],
)
def test_the_attack_and_stability_options_reach_the_measures(monkeypatch, options, expected):
    import allennlp.models.archival

    from attnat_allennlp.interpret import report

    seen = {}

    class Archive:
        model = validation_dataset_reader = None

    monkeypatch.setattr(allennlp.models.archival, "load_archive", lambda path: Archive())
    monkeypatch.setattr(report, "load_instances", lambda reader, path, limit: [])
    monkeypatch.setattr(
        report, "study_measures", lambda model, instances, **kwargs: seen.update(kwargs) or {}
    )
    from attnat_allennlp.study.spec import RunSpec

    run = RunSpec("tiny", "attention_at", 1.0, 3, "seed")
    runner.measure("unused", {"test_data_path": "unused"}, run, options)
    assert (seen["attack"], seen["stability"]) == expected
