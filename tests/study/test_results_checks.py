"""The longer-training checks beside a study in docs/results.md, from the files allennlp wrote."""

import json

from attnat_allennlp.study.results_checks import longer_training_lines


def _run(folder, values, num_epochs, perturbation=None, test_accuracy=None):
    folder.mkdir(parents=True)
    callbacks = [{"type": "adversarial_training", "perturbations": [perturbation]}]
    trainer = {"num_epochs": num_epochs, "validation_metric": "+accuracy"}
    if perturbation:
        trainer["callbacks"] = callbacks
    (folder / "config.json").write_text(json.dumps({"random_seed": 13371, "trainer": trainer}))
    for epoch, value in enumerate(values):
        (folder / f"metrics_epoch_{epoch}.json").write_text(
            json.dumps({"validation_accuracy": value, "training_accuracy": 0.0})
        )
    if test_accuracy is not None:
        (folder / "metrics.json").write_text(json.dumps({"test_accuracy": test_accuracy}))


def test_each_run_shows_every_tenth_epoch_the_best_and_the_test_accuracy(tmp_path):
    study = tmp_path / "babi1"
    values = [0.5] * 9 + [0.52] + [0.6] * 9 + [0.9, 0.95, 0.95]  # 22 epochs
    _run(study / "longer_training" / "iat", values, 22, {"type": "attention_iat", "eps": 1.0}, 0.94)
    _run(study / "longer_training" / "vanilla", [0.5, 0.7, 1.0], 60)
    lines = longer_training_lines(str(study))
    assert lines[2] == (
        "- `iat` (attention_iat at eps 1, seed 1; no early stopping, 22 epochs): validation "
        "accuracy at epochs 10: 0.520, 20: 0.900, 22: 0.950; best 0.950, first reached at epoch "
        "21; test accuracy 0.940."
    )
    assert lines[3] == (
        "- `vanilla` (vanilla, seed 1; no early stopping, stopped by hand after epoch 3 of 60): "
        "validation accuracy at epochs 3: 1.000; best 1.000, first reached at epoch 3."
    )
    assert "results/babi1/longer_training/" in lines[0]


def test_a_study_without_checks_has_no_lines(tmp_path):
    assert longer_training_lines(str(tmp_path)) == []
