"""The subcommands, run in-process through their own argument parsers."""

import argparse
import json
import math
import os
import shutil
import subprocess

import numpy
import pytest
from scipy import stats

from attnat_allennlp.commands.attention_eps_sweep import EpsSweepCommand
from attnat_allennlp.commands.attention_heatmap import HeatmapCommand
from attnat_allennlp.commands.attention_report import AttentionReportCommand
from attnat_allennlp.interpret.csv_rows import read_rows
from attnat_allennlp.study.configs import technique_config
from helpers import RATIONALES, TEXT_DATA, tiny_overrides

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run(command, argv):
    parser = argparse.ArgumentParser()
    command().add_subparser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def report_file(trained, tmp_path_factory):
    path, _ = trained
    output = tmp_path_factory.mktemp("report") / "report.json"
    run(
        AttentionReportCommand,
        [
            "attention-report",
            path,
            TEXT_DATA,
            "--output",
            str(output),
            "--rationales",
            RATIONALES,
            "--num-permutations",
            "5",
            "--adversarial-steps",
            "5",
        ],
    )
    return output


def test_report_numbers(trained, report_file):
    path, _ = trained
    report = json.loads(report_file.read_text())
    assert report["num_instances"] == 40 and len(report["instances"]) == 40
    # The same data as the training run's test set: the same accuracy.
    trained_metrics = json.loads(open(os.path.join(os.path.dirname(path), "metrics.json")).read())
    assert report["metrics"]["accuracy"] == pytest.approx(trained_metrics["test_accuracy"])
    for name in ("gradient", "leave_one_out"):
        summary = report["agreement"][name]
        skipped = sum(summary["skipped"].values())
        assert summary["pearson"]["n"] + skipped == 40
        values = [
            row[f"{name}_kendall"]
            for row in report["instances"]
            if row[f"{name}_kendall"] is not None
        ]
        assert summary["kendall"]["mean"] == pytest.approx(numpy.mean(values))
        assert summary["kendall"]["std"] == pytest.approx(numpy.std(values))
    row = report["instances"][0]
    assert row["tokens"][:3] == ["a", "three", "-"] and row["label"] == "positive"
    assert sum(row["attention"]) == pytest.approx(1.0) and sum(row["gradient"]) == pytest.approx(
        1.0
    )
    assert row["gradient_pearson"] == pytest.approx(
        stats.pearsonr(row["attention"], row["gradient"])[0]
    )
    assert row["gradient_kendall"] == pytest.approx(
        stats.kendalltau(row["attention"], row["gradient"])[0]
    )
    for row in report["instances"]:
        assert 0.0 <= row["permutation_median_tvd"] <= 1.0
        assert 0.0 <= row["adversarial_max_jsd"] <= math.log(2) + 1e-6
    assert report["gradient_measure"] == "gradient"  # attention detached, Jain & Wallace's
    gradient = report["agreement"]["gradient"]
    assert 0.0 <= gradient["kendall_significant"] <= 1.0
    assert gradient["spearman"]["mean"] == pytest.approx(
        numpy.mean([stats.spearmanr(r["attention"], r["gradient"])[0] for r in report["instances"]])
    )
    assert report["sharpness"]["entropy"]["mean"] == pytest.approx(
        numpy.mean([stats.entropy(r["attention"]) for r in report["instances"]])
    )
    assert report["faithfulness"]["fractions"] == [0.01, 0.05, 0.1, 0.2, 0.5]
    for ranking in ("attention", "gradient", "random"):
        curve = report["faithfulness"][ranking]["comprehensiveness"]
        assert curve["aopc"]["n"] == 40
        assert curve["aopc"]["mean"] == pytest.approx(
            numpy.mean(list(curve["by_fraction"].values()))
        )
    assert list(report["robustness"]["scores"]) == ["1", "5", "10"]
    assert list(report["robustness"]["embeddings"]) == ["1", "5"]
    assert report["permutation"]["num_permutations"] == 5
    assert report["adversarial"]["tvd_threshold"] == 0.01
    rationales = report["rationales"]
    assert rationales["num_annotations"] == 3
    assert rationales["skipped"] == {"annotations without rationale tokens": 1}
    for name in ("attention", "gradient"):
        assert 0.0 < rationales[name]["auprc"]["mean"] <= 1.0
        assert 0.0 <= rationales[name]["top_k_f1"]["mean"] <= 1.0


def test_report_prints_a_table(trained, capsys):
    path, _ = trained
    report = run(
        AttentionReportCommand,
        [
            "attention-report",
            path,
            TEXT_DATA,
            "--max-instances",
            "4",
            "--no-leave-one-out",
            "--num-permutations",
            "2",
            "--adversarial-steps",
            "2",
            "--no-instances",
        ],
    )
    table = capsys.readouterr().out
    assert "gradient Pearson r" in table and "adversarial max JSD" in table
    assert report["num_instances"] == 4 and "instances" not in report
    # The standard attributions (Captum) by default, each a reference of attention's agreement.
    assert list(report["agreement"]) == [
        "gradient",
        "integrated_gradients",
        "input_x_gradient",
        "occlusion",
    ]
    assert "IG Pearson r" in table and "occlusion Kendall tau" in table
    assert "attention detached" in table and "robust accuracy" in table
    # The other gradient, no faithfulness, robustness of the scores at eps 0 only.
    other = run(
        AttentionReportCommand,
        [
            "attention-report",
            path,
            TEXT_DATA,
            "--max-instances",
            "4",
            "--no-leave-one-out",
            "--num-permutations",
            "1",
            "--adversarial-steps",
            "1",
            "--gradient",
            "gradient_through_attention",
            "--no-faithfulness",
            "--robustness-eps-scores",
            "0",
            "--robustness-eps-embeddings",
            "--attributions",
        ],
    )
    assert list(other["agreement"]) == ["gradient"]  # `--attributions` with none: skipped
    assert other["gradient_measure"] == "gradient_through_attention" and "faithfulness" not in other
    assert other["robustness"] == {
        "scores": {"0": pytest.approx(other["metrics"]["accuracy"])},
        "embeddings": {},
    }
    assert "through attention" in capsys.readouterr().out


def test_heatmap_page_and_figures(trained, report_file, tmp_path):
    path, _ = trained
    sweep = tmp_path / "sweep.csv"
    sweep.write_text(
        "technique,eps,test_accuracy\nvanilla,,0.6\nattention_iat,1.0,0.7\nattention_iat,5.0,0.65\n"
    )
    page = tmp_path / "page.html"
    written = run(
        HeatmapCommand,
        [
            "attention-heatmap",
            path,
            TEXT_DATA,
            "-o",
            str(page),
            "--max-instances",
            "5",
            "--report",
            str(report_file),
            "--sweep",
            str(sweep),
        ],
    )
    html = page.read_text()
    assert html.count('class="example"') == 5
    assert html.count('<td class="name">attention</td>') == 5
    assert html.count('<td class="name">gradient</td>') == 5
    assert "cinema" in html and "prediction:" in html and "label: positive" in html
    assert html.count("data:image/png;base64,") == 2
    assert "http" not in html.replace("http-equiv", "")  # no external assets
    for kind in ("histograms", "sweep"):
        assert open(written[kind], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    # The full gradient instead of the detached one: other shades of blue.
    pages = {}
    for gradient in ("gradient", "gradient_through_attention"):
        pages[gradient] = tmp_path / f"{gradient}.html"
        run(
            HeatmapCommand,
            [
                "attention-heatmap",
                path,
                TEXT_DATA,
                "-o",
                str(pages[gradient]),
                "--max-instances",
                "2",
                "--gradient",
                gradient,
            ],
        )
    assert pages["gradient"].read_text() != pages["gradient_through_attention"].read_text()
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): page not rendered")
    screenshot = tmp_path / "page.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            f"--screenshot={screenshot}",
            "--window-size=1000,700",
            page.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    from matplotlib.image import imread

    pixels = imread(str(screenshot))[..., :3]
    assert pixels.std() > 0.05  # not blank
    red = (pixels[..., 0] > 0.8) & (pixels[..., 1] < 0.75) & (pixels[..., 2] < 0.75)
    assert red.sum() > 100  # the attention heat map is drawn


def test_eps_sweep_trains_each_technique_and_eps(tmp_path):
    config = "training_config/rt_polarity_vanilla.jsonnet"
    if not os.path.isfile("training_config/rt_polarity_attention_iat.jsonnet"):
        pytest.skip("training_config/rt_polarity_attention_iat.jsonnet does not exist yet")
    assert technique_config(config, "attention_iat").endswith("rt_polarity_attention_iat.jsonnet")
    overrides = tiny_overrides(**{"trainer.num_epochs": 1})
    rows = run(
        EpsSweepCommand,
        [
            "attention-eps-sweep",
            config,
            "--techniques",
            "vanilla",
            "attention_iat",
            "--eps",
            "0.5",
            "2",
            "-s",
            str(tmp_path),
            "-o",
            json.dumps(overrides),
        ],
    )
    assert [(r["technique"], r["eps"]) for r in rows] == [
        ("vanilla", None),
        ("attention_iat", 0.5),
        ("attention_iat", 2.0),
    ]
    assert read_rows(str(tmp_path / "sweep.csv")) == rows
    for row in rows:
        assert 0.0 <= row["test_accuracy"] <= 1.0
        assert -1.0 <= row["gradient_pearson"] <= 1.0
        assert -1.0 <= row["gradient_spearman"] <= 1.0
        assert 0.0 <= row["gradient_topk_kendall"] <= 1.0
        assert 0.0 <= row["gradient_kendall_significant"] <= 1.0
    used = json.loads((tmp_path / "attention_iat" / "eps_2" / "config.json").read_text())
    assert used["trainer"]["callbacks"][-1]["perturbations"][0]["eps"] == 2.0
    assert open(tmp_path / "sweep.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
