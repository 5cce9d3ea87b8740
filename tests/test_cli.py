"""End to end through the `allennlp` command line, as users run it (three processes: ~1.5 min)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO_ROOT

ALLENNLP = [sys.executable, "-m", "allennlp"]


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [*ALLENNLP, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_train_evaluate_predict_from_the_command_line(tmp_path: Path):
    run_dir = tmp_path / "run"
    # The plugin is found through .allennlp_plugins and named with --include-package, as in the README.
    run(
        "train",
        "tests/fixtures/configs/tiny_classifier.jsonnet",
        "-s",
        str(run_dir),
        "--include-package",
        "attnat_allennlp",
        "-o",
        json.dumps({"trainer.num_epochs": 1}),
    )
    archive = run_dir / "model.tar.gz"
    assert archive.exists()

    evaluation = tmp_path / "evaluation.json"
    run(
        "evaluate",
        str(archive),
        "tests/fixtures/data/text_classification.jsonl",
        "--output-file",
        str(evaluation),
        "--include-package",
        "attnat_allennlp",
    )
    metrics = json.loads(evaluation.read_text())
    assert {"accuracy", "f1", "auc", "loss"} <= set(metrics)

    sentences = tmp_path / "sentences.txt"
    sentences.write_text(
        "A gorgeous, witty, seductive movie.\n"
        '{"text": "The plot is a mess and the jokes fall flat."}\n'
        "Not bad at all.\n"
    )
    predictions = tmp_path / "predictions.jsonl"
    result = run(
        "predict",
        str(archive),
        str(sentences),
        "--predictor",
        "attnat_classifier",
        "--output-file",
        str(predictions),
        "--include-package",
        "attnat_allennlp",
    )
    printed = [line for line in result.stdout.splitlines() if line.startswith("prediction:")]
    assert len(printed) == 3  # printed for each sentence, as well as written
    outputs = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert [o["tokens"] for o in outputs][2] == ["not", "bad", "at", "all", "."]
    for output in outputs:
        assert output["label"] in {"positive", "negative"}
        assert sum(output["label_probs"].values()) == pytest.approx(1.0, abs=1e-5)
        assert len(output["attention"]) == len(output["tokens"])
        assert sum(output["attention"]) == pytest.approx(1.0, abs=1e-5)
