"""The study protocol of issue 17: default seeds, eps chosen by mean with one-standard-error ties,
paired intervals, Holm over the primary measures, matched eps, early stopping, provenance, and
the committed studies still reading."""

import csv
import json
import subprocess

import pytest
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.study import provenance, runner
from attnat_allennlp.study.results import read_runs, write_runs
from attnat_allennlp.study.scheduler import run_study
from attnat_allennlp.study.spec import RunSpec, parse_study
from attnat_allennlp.study.summary import (
    choose_eps,
    format_markdown,
    holm,
    paired_difference,
    peaked_at_last_epoch,
    select_eps,
    summarize,
)
from tests.helpers import FIXTURE_DATA, REPO_ROOT

_DATA = str(FIXTURE_DATA / "text_classification.jsonl")
TINY = {
    "name": "tiny",
    "config": "rt_polarity",
    "overrides": {
        "train_data_path": _DATA,
        "validation_data_path": _DATA,
        "test_data_path": _DATA,
        "model.text_field_embedder.token_embedders.tokens.pretrained_file": None,
    },
}


def _study(**changes):
    raw = {"datasets": [TINY], "techniques": ["vanilla", "attention_at"], "epochs": 1}
    raw.update(changes)
    return parse_study(raw)


def _fake_measure(directory, config, run, options):
    base = {"vanilla": 0.5, "attention_at": 0.6, "attention_rp": 0.55}[run.technique]
    return {"accuracy": base + 0.01 * run.seed, "comprehensiveness_aopc_attention": base / 4}


class TestDefaults:
    def test_five_seeds_three_selection_seeds_and_the_primary_measures(self):
        study = _study()
        assert study.seeds == [1, 2, 3, 4, 5] and study.selection_seeds == 3
        assert study.primary == ["accuracy", "comprehensiveness_aopc_attention"]
        assert _study(seeds=[1, 2]).selection_seeds == 2  # never more than the seeds

    @pytest.mark.parametrize(
        "change, message",
        [
            ({"patience": 0}, "patience must be a positive integer"),
            ({"primary": "accuracy"}, "primary must be a list"),
            ({"matched_eps": [1], "matched_techniques": ["word_at"]}, "matched_techniques"),
            ({"matched_techniques": ["attention_at"]}, "without matched_eps"),
            ({"matched_eps": [-1]}, "matched_eps"),
        ],
    )
    def test_bad_protocol_options_are_named(self, change, message):
        with pytest.raises(ConfigurationError, match=message):
            _study(**change)


class TestEpsChoice:
    def test_best_mean_with_ties_within_one_standard_error_going_to_the_smallest(self):
        # eps 2: mean 0.83, se 0.02 / sqrt(3) = 0.01155; eps 0.5 (0.82) lies within it, eps 1
        # (0.815) does not: 0.5 is chosen although 2 has the best mean
        scores = {0.5: [0.82, 0.82, 0.82], 1.0: [0.815, 0.815, 0.815], 2.0: [0.81, 0.83, 0.85]}
        assert select_eps(scores) == (0.5, [0.5, 2.0])
        # a loss is minimised: eps 1 wins by 0.005 < its se of 0.0115, eps 0.5 ties
        losses = {0.5: [0.82, 0.82, 0.82], 1.0: [0.805, 0.815, 0.825], 2.0: [0.9, 0.9, 0.9]}
        assert select_eps(losses, maximise=False) == (0.5, [0.5, 1.0])
        # one seed: no spread, so only an exact tie ties (the old rule)
        assert select_eps({1.0: [0.8], 2.0: [0.81], 5.0: [0.81]}) == (2.0, [2.0, 5.0])

    def test_choose_eps_waits_for_every_selection_seed(self):
        study = _study(seeds=[1, 2, 3, 4], eps={"attention_at": [1, 2]})
        rows = [
            {
                "dataset": "tiny",
                "technique": "attention_at",
                "eps": eps,
                "seed": seed,
                "validation_metric": "+auc",
                "best_validation": value,
            }
            for eps, values in ((1.0, [0.80, 0.81, 0.82]), (2.0, [0.84, 0.85, 0.86]))
            for seed, value in zip((1, 2, 3), values)
        ]
        assert choose_eps(study, rows, "tiny", "attention_at") == 2.0
        assert choose_eps(study, rows[1:], "tiny", "attention_at") is None


class TestStatistics:
    def test_the_paired_interval_by_hand(self):
        # differences 0.02, 0.03, 0.03: mean 0.026667, sd 0.0057735, se 0.0033333;
        # t(0.975, 2) = 4.302653, half-width 0.0143422
        result = paired_difference({1: 0.72, 2: 0.74, 3: 0.72}, {1: 0.70, 2: 0.71, 3: 0.69})
        assert result["pairs"] == 3
        assert result["difference"] == pytest.approx(0.0266667, abs=1e-6)
        assert result["ci_low"] == pytest.approx(0.0123245, abs=1e-6)
        assert result["ci_high"] == pytest.approx(0.0410089, abs=1e-6)
        assert result["p_value"] == pytest.approx(0.015268, rel=1e-3)
        one = paired_difference({1: 0.5}, {1: 0.4})
        assert one["difference"] == pytest.approx(0.1) and one["ci_low"] is None
        constant = paired_difference({1: 0.5, 2: 0.6}, {1: 0.4, 2: 0.5})
        assert constant["ci_low"] == constant["ci_high"] == pytest.approx(0.1)
        assert constant["p_value"] is None

    def test_holm_by_hand(self):
        # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
        assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
        adjusted = holm([None, 0.5, 0.2, 0.9])
        assert adjusted[0] is None and adjusted[1:] == pytest.approx([1.0, 0.6, 1.0])
        assert holm([]) == []

    def test_summary_adjusts_the_primary_measures_of_a_dataset_only(self):
        study = _study(seeds=[1, 2, 3], techniques=["vanilla", "attention_at", "attention_rp"])
        rows = []
        values = {
            "vanilla": ([0.70, 0.71, 0.69], [0.10, 0.11, 0.12], [0.3, 0.2, 0.1]),
            "attention_at": ([0.72, 0.74, 0.72], [0.13, 0.12, 0.16], [0.5, 0.1, 0.3]),
            "attention_rp": ([0.71, 0.70, 0.73], [0.10, 0.12, 0.11], [0.1, 0.1, 0.4]),
        }
        for technique, (accuracy, comprehensiveness, kendall) in values.items():
            for i, seed in enumerate((1, 2, 3)):
                rows.append(
                    {
                        "dataset": "tiny",
                        "technique": technique,
                        "eps": None,
                        "seed": seed,
                        "accuracy": accuracy[i],
                        "comprehensiveness_aopc_attention": comprehensiveness[i],
                        "gradient_kendall": kendall[i],
                        "best_epoch": 0,
                        "epochs": 1,
                    }
                )
        entries = {(e["technique"], e["measure"]): e for e in summarize(study, rows)}
        family = [
            (t, m)
            for t in ("attention_at", "attention_rp")
            for m in ("accuracy", "comprehensiveness_aopc_attention")
        ]
        raw = [entries[k]["p_value"] for k in family]
        assert all(p is not None for p in raw)
        for key, adjusted in zip(family, holm(raw)):
            assert entries[key]["role"] == "primary"
            assert entries[key]["p_holm"] == pytest.approx(adjusted)
        exploratory = entries[("attention_at", "gradient_kendall")]
        assert exploratory["role"] == "exploratory" and exploratory["p_holm"] is None
        assert exploratory["p_value"] is not None and exploratory["ci_low"] is not None
        assert entries[("vanilla", "accuracy")]["difference"] is None
        assert entries[("attention_at", "accuracy")]["last_epoch_peaks"] == 3
        markdown = format_markdown(study, summarize(study, rows), rows)
        assert "Primary measures (Holm-adjusted)" in markdown and "p_Holm=" in markdown
        assert "unrecorded" in markdown


def test_peaked_at_last_epoch():
    assert peaked_at_last_epoch({"best_epoch": 4, "epochs": 5}) is True
    assert peaked_at_last_epoch({"best_epoch": 2, "epochs": 20, "epochs_trained": 3}) is True
    assert peaked_at_last_epoch({"best_epoch": 2, "epochs": 20, "epochs_trained": 6}) is False
    assert peaked_at_last_epoch({"epochs": 5}) is None


def test_matched_eps_runs_patience_and_provenance(tmp_path, monkeypatch):
    """One study: the matched runs (shared with the grid), early stopping, the commit of each row."""
    from attnat_allennlp.study import summary as summary_module

    monkeypatch.setattr(runner, "measure", _fake_measure)
    for plot in ("plot_bars", "plot_eps"):  # drawn after every run: tested elsewhere
        monkeypatch.setattr(summary_module, plot, lambda *args: None)
    study = _study(
        seeds=[1, 2],
        selection_seeds=1,
        techniques=["vanilla", "attention_at", "attention_rp"],
        eps={"attention_at": [0.5, 1.0]},
        matched_eps=[1.0],
        epochs=2,
        patience=1,
    )
    assert study.matched() == ["attention_at", "attention_rp"]
    config = runner.run_config(study, study.datasets[0], RunSpec("tiny", "vanilla", None, 1))
    assert config["trainer"]["patience"] == 1 and config["trainer"]["num_epochs"] == 2
    rows = run_study(study, str(tmp_path), progress=False)
    keys = {(r["technique"], r["eps"], r["seed"]) for r in rows}
    # vanilla 2; AT grid 0.5 and 1 at seed 1, the chosen eps at seed 2, eps 1 at seed 2 (matched);
    # RP at its config's eps and at eps 1, both seeds
    assert {k for k in keys if k[0] == "attention_at"} >= {
        ("attention_at", 0.5, 1),
        ("attention_at", 1.0, 1),
        ("attention_at", 1.0, 2),
    }
    assert {k for k in keys if k[0] == "attention_rp"} == {
        ("attention_rp", e, s) for e in (None, 1.0) for s in (1, 2)
    }
    assert len(rows) == len(keys)  # a run asked for twice is trained once
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    for row in rows:
        assert row["commit"] == commit and row["measure_commit"] == commit
        assert isinstance(row["dirty"], bool)
        assert row["allennlp_version"] == "2.10.1" and row["torch_version"]
        assert len(row["config_hash"]) == 16
        assert 1 <= row["epochs_trained"] <= 2
    matched = list(csv.DictReader(open(tmp_path / "matched.csv")))
    assert {(m["technique"], m["eps"]) for m in matched if m["measure"] == "accuracy"} == {
        ("attention_at", "1.0"),
        ("attention_rp", "1.0"),
    }
    assert "Matched eps" in (tmp_path / "summary.md").read_text()
    summary = list(csv.DictReader(open(tmp_path / "summary.csv")))
    assert {"ci_low", "ci_high", "p_holm", "role", "commits"} <= set(summary[0])

    # --remeasure by other code keeps the training commit beside the measuring one
    monkeypatch.setattr(provenance, "git_state", lambda: {"commit": "f" * 40, "dirty": False})
    again = run_study(study, str(tmp_path), progress=False, remeasure=True)
    assert all(r["commit"] == commit and r["measure_commit"] == "f" * 40 for r in again)


def test_runs_without_provenance_still_read_and_are_marked(tmp_path):
    """A runs.csv from before this protocol: no provenance, epochs but no epochs_trained."""
    path = tmp_path / "runs.csv"
    old = [
        {
            "dataset": "tiny",
            "technique": t,
            "eps": None,
            "seed": s,
            "phase": "seed",
            "best_epoch": 0,
            "epochs": 1,
            "accuracy": 0.5 + 0.1 * s + (t == "attention_at") * 0.01 * s,
            "measured": True,
        }
        for t in ("vanilla", "attention_at")
        for s in (1, 2)
    ]
    write_runs(str(path), old)
    rows = read_runs(str(path))
    new = dict(rows[0], seed=3, commit="0123456789e1234567", dirty=False)
    rows.append(new)
    write_runs(str(path), rows)
    rows = read_runs(str(path))
    (recorded,) = [r for r in rows if r["seed"] == 3]
    assert recorded["commit"] == "0123456789e1234567"  # a hash that looks like a number stays text
    study = _study(seeds=[1, 2, 3], eps={})
    markdown = format_markdown(study, summarize(study, rows), rows)
    assert "mix runs trained by 2 code versions" in markdown and "unrecorded (4 runs)" in markdown


@pytest.mark.parametrize("name", ["sst", "rt_polarity", "movie_reviews", "vitaminc"])
def test_the_committed_studies_still_summarise_as_committed(name):
    """Their study.json says selection_seeds 1: the same eps are chosen as in their summary.csv."""
    directory = REPO_ROOT / "docs" / "results" / "before_protocol" / name
    raw = json.loads((directory / "study.json").read_text())
    study = parse_study(raw)
    rows = read_runs(str(directory / "runs.csv"))
    committed = {
        (e["technique"], e["measure"]): e for e in csv.DictReader(open(directory / "summary.csv"))
    }
    for entry in summarize(study, rows):
        old = committed[(entry["technique"], entry["measure"])]
        assert (entry["eps"] is None) == (old["eps"] == "")
        if entry["eps"] is not None:
            assert entry["eps"] == float(old["eps"])
        assert entry["mean"] == pytest.approx(float(old["mean"]))
        if old["p_value"]:
            assert entry["p_value"] == pytest.approx(float(old["p_value"]))
        assert entry["commits"] == provenance.UNRECORDED


def test_the_plots_draw_differences_and_the_eps_choice_per_family(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnat_allennlp.study import summary_plots

    study = _study(
        seeds=[1, 2, 3],
        techniques=["vanilla", "attention_at", "word_at"],
        eps={"attention_at": [0.5, 2], "word_at": [1, 5]},
    )
    rows = [
        {
            "dataset": "tiny",
            "technique": "vanilla",
            "eps": None,
            "seed": s,
            "best_validation": 0.8,
            "accuracy": 0.7 + 0.01 * s,
        }
        for s in (1, 2, 3)
    ] + [
        {
            "dataset": "tiny",
            "technique": t,
            "eps": e,
            "seed": s,
            "validation_metric": "+auc",
            "best_validation": 0.8 + 0.01 * e + 0.001 * s,
            "accuracy": 0.72 + 0.01 * s,
        }
        for t, grid in (("attention_at", (0.5, 2.0)), ("word_at", (1.0, 5.0)))
        for e in grid
        for s in (1, 2, 3)
    ]
    saved = []
    monkeypatch.setattr(plt.Figure, "savefig", lambda figure, path, **k: saved.append(figure))
    monkeypatch.setattr(plt, "close", lambda figure=None: None)
    summary_plots.plot_eps(study, rows, "tiny", str(tmp_path / "eps.png"))
    (figure,) = saved
    axes = figure.axes
    assert [a.get_title() for a in axes[::2]] == [
        "attention-level: validation metric (selects eps)",
        "word-level: validation metric (selects eps)",
    ]
    assert axes[0].get_xscale() == "log" and axes[0].get_xlim()[0] == pytest.approx(0.5 / 1.25)
    assert axes[2].get_xlim()[0] == pytest.approx(1 / 1.25)  # each family from its smallest eps
    saved.clear()
    summary_plots.plot_bars(study, summarize(study, rows), "tiny", str(tmp_path / "bars.png"))
    (figure,) = saved
    accuracy = figure.axes[0]
    assert accuracy.get_title() == "accuracy (primary)"
    heights = sorted(round(p.get_height(), 6) for p in accuracy.patches)
    assert heights == [0.02, 0.02]  # the paired differences from vanilla: bars from zero
    techniques = [label.get_text() for label in accuracy.get_xticklabels()]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in accuracy.patches]
    assert dict(zip(techniques, colours)) == {"attention_at": "#3b75af", "word_at": "#d9822b"}
