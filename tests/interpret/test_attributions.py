"""Standard attributions through Captum, checked against what they must equal."""

import json

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

from attnat_allennlp.interpret.attributions import (
    attributions_for_state,
    check_attributions,
    signed_attributions,
)
from attnat_allennlp.interpret.batching import build_state, real_lengths, tensorize
from attnat_allennlp.interpret.importance import (
    gradient_importance_for_state,
    predicted_probabilities,
)
from attnat_allennlp.interpret.report import (
    ReportOptions,
    attention_report,
    format_report,
    load_instances,
)
from helpers import TEXT_DATA, tiny_overrides, train_config


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    serialization_dir = tmp_path_factory.mktemp("attributions")
    overrides = tiny_overrides(**{"trainer.num_epochs": 2})
    train_config("rt_polarity_vanilla", serialization_dir, overrides)
    archive = load_archive(str(serialization_dir / "model.tar.gz"))
    model = archive.model.eval()
    instances = load_instances(archive.dataset_reader, TEXT_DATA, 12)
    return model, instances


@pytest.fixture(scope="module")
def tiny_archive(tiny, tmp_path_factory):
    # The archive of `tiny`, found again through its model's training folder.
    return str(next(tmp_path_factory.getbasetemp().glob("attributions*/model.tar.gz")))


def _state(model, instances):
    return build_state(model, tensorize(model, instances))


def test_input_x_gradient_is_the_gradient_through_attention(tiny):
    # Captum's input x gradient, |sum_d|, normalised, is the package's full-derivative gradient
    # importance: two independent computations of one number.
    model, instances = tiny
    state = _state(model, instances)
    captum = attributions_for_state(model, state, "input_x_gradient")
    own = gradient_importance_for_state(model, state, detach_attention=False)
    assert torch.allclose(captum, own, atol=1e-5)
    # and differs from Jain & Wallace's detached gradient
    assert not torch.allclose(captum, gradient_importance_for_state(model, state), atol=1e-3)


def test_integrated_gradients_are_complete(tiny):
    # Sundararajan et al.'s completeness: the attributions sum to p(y|x) - p(y|zero embeddings).
    model, instances = tiny
    state = _state(model, instances)
    signed = signed_attributions(model, state, "integrated_gradients", n_steps=50)
    probs = predicted_probabilities(model, state)
    predicted = probs.argmax(-1, keepdim=True)
    field = state.attended_field
    zero = model.rerun_from_embeddings(state, {field: -state.embeddings[field]})
    baseline = predicted_probabilities(model, zero).gather(1, predicted).squeeze(1)
    change = (probs.gather(1, predicted).squeeze(1) - baseline).detach()
    assert torch.allclose(
        signed.sum(-1), change.detach(), atol=0.01 * float(change.abs().max()) + 1e-4
    )


def test_occlusion_by_hand(tiny):
    model, instances = tiny
    state = _state(model, instances)
    signed = signed_attributions(model, state, "occlusion")
    probs = predicted_probabilities(model, state).detach()
    predicted = probs.argmax(-1, keepdim=True)
    field = state.attended_field
    for i, length in list(enumerate(real_lengths(state)))[:3]:
        for t in range(length):
            zeroed = torch.zeros_like(state.embeddings[field])
            zeroed[i, t] = -state.embeddings[field][i, t]
            with torch.no_grad():
                moved = predicted_probabilities(
                    model, model.rerun_from_embeddings(state, {field: zeroed})
                )
            expected = probs[i, predicted[i]] - moved[i, predicted[i]]
            assert float(signed[i, t]) == pytest.approx(float(expected), abs=1e-5)


def test_a_batch_attributes_each_text_as_alone(tiny):
    model, instances = tiny
    together = attributions_for_state(model, _state(model, instances), "integrated_gradients")
    for i in (0, 5):
        alone = attributions_for_state(model, _state(model, [instances[i]]), "integrated_gradients")
        length = alone.size(1)
        assert torch.allclose(together[i, :length], alone[0], atol=1e-5)
        assert float(together[i, length:].abs().sum()) == 0.0
        assert float(alone[0].sum()) == pytest.approx(1.0)


def test_the_report_ranks_and_compares_each_attribution(tiny):
    model, instances = tiny
    report = attention_report(
        model,
        instances,
        ReportOptions(
            num_permutations=1,
            adversarial_steps=1,
            leave_one_out=False,
            attributions=("integrated_gradients", "occlusion"),
        ),
    )
    assert set(report["agreement"]) == {"gradient", "integrated_gradients", "occlusion"}
    assert set(report["faithfulness"]) - {"fractions"} == {
        "attention",
        "gradient",
        "random",
        "integrated_gradients",
        "occlusion",
    }
    row = report["instances"][0]
    assert len(row["integrated_gradients"]) == len(row["attention"])
    assert sum(row["occlusion"]) == pytest.approx(1.0)
    text = format_report(report)
    assert "IG Pearson r" in text and "occlusion" in text
    bare = attention_report(
        model,
        instances,
        ReportOptions(
            num_permutations=1, adversarial_steps=1, leave_one_out=False, attributions=()
        ),
    )
    assert set(bare["agreement"]) == {"gradient"}


def test_unknown_attributions_are_named():
    with pytest.raises(ConfigurationError, match=r"measures.attributions: unknown .*\['shap'\]"):
        check_attributions(["integrated_gradients", "shap"], "measures.attributions")


def test_the_cost_bench_times_each_added_measure(tiny_archive, tmp_path, capsys):
    from attnat_allennlp.bench import measures

    output = tmp_path / "costs.json"
    result = measures.main(
        [tiny_archive, TEXT_DATA, "--max-instances", "6", "--output", str(output)]
    )
    added = [row["added"] for row in result["rows"]]
    assert added[1:5] == ["leave_one_out", "integrated_gradients", "input_x_gradient", "occlusion"]
    assert added[5] == "word_substitution_attack" and added[6].startswith("stability")
    assert result["instances"] == 6 and result["rows"][0]["ratio_to_base"] == 1.0
    for row in result["rows"]:
        assert row["cpu_seconds_per_1000"] == pytest.approx(row["cpu_seconds"] * 1000 / 6, abs=1.0)
    base = result["rows"][0]["cpu_seconds"]
    for row in result["rows"][5:]:
        # timed alone, added to the cheap measures; the measures it computed kept beside
        assert row["cpu_seconds"] == pytest.approx(base + row["own_cpu_seconds"], abs=0.02)
    assert set(result["rows"][5]["measures"]) == {
        "attack_accuracy",
        "attack_success_rate",
        "attack_words_changed",
        "attack_queries",
    }
    assert "stability_jsd_noise" in result["rows"][6]["measures"]
    table = capsys.readouterr().out
    assert table.count("\n| ") == 8  # the header and one line per row
    assert measures.main(["--table-of", str(output)]) == json.loads(output.read_text())
