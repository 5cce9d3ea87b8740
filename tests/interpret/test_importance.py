"""Gradient and leave-one-out importance, against allennlp's SimpleGradient and by hand."""

import copy
import json
import math

import numpy
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import TextField
from allennlp.interpret.saliency_interpreters import SimpleGradient
from allennlp.predictors import Predictor

from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.interpret.importance import (
    gradient_importance,
    leave_one_out_importance,
    token_importance,
)
from attnat_allennlp.interpret.report import load_instances
from helpers import TEXT_DATA


@pytest.fixture(scope="module")
def setup(trained):
    path, archive = trained
    model = archive.model.eval()
    instances = load_instances(archive.validation_dataset_reader, TEXT_DATA, 6)
    return path, model, archive.validation_dataset_reader, instances


def test_gradient_through_attention_is_normalised_and_matches_allennlp_gradients(setup):
    path, model, reader, instances = setup
    importance = gradient_importance(model, instances, batch_size=4, detach_attention=False)
    predictor = Predictor.from_path(path, "attnat_classifier", import_plugins=False)
    embedder = model._text_field_embedder
    for instance, values in zip(instances, importance):
        assert len(values) == len(instance["tokens"].tokens)
        assert sum(values) == pytest.approx(1.0)
        assert min(values) >= 0
        # allennlp's gradient of the loss of the predicted label (through attention), times the
        # embeddings.
        outputs = model.forward_on_instance(instance)
        [labeled] = predictor.predictions_to_labeled_instances(instance, outputs)
        gradient = predictor.get_gradients([labeled])[0]["grad_input_1"][0]
        tensors = tensorize(model, [instance])
        embedded = embedder(tensors["tokens"]).detach().numpy()[0]
        saliency = numpy.abs((gradient * embedded).sum(-1))
        numpy.testing.assert_allclose(values, saliency / saliency.sum(), rtol=1e-4, atol=1e-6)
    # allennlp 2.10.1's SimpleGradient multiplies by the first token's embedding only: it differs.
    text = " ".join(t.text for t in instances[0]["tokens"].tokens)
    simple = SimpleGradient(predictor).saliency_interpret_from_json({"text": text})
    assert not numpy.allclose(simple["instance_1"]["grad_input_1"], importance[0], atol=1e-3)


def test_leave_one_out_matches_running_the_shorter_texts(setup):
    _, model, reader, instances = setup
    batched = leave_one_out_importance(model, instances, batch_size=4)
    for instance, values in list(zip(instances, batched))[:3]:
        tokens = instance["tokens"].tokens
        full = model.forward_on_instance(instance)["probs"]
        predicted = int(numpy.argmax(full))
        expected = []
        for t in range(len(tokens)):
            shorter = Instance({"tokens": TextField(tokens[:t] + tokens[t + 1 :])})
            reader.apply_token_indexers(shorter)
            expected.append(
                abs(full[predicted] - model.forward_on_instance(shorter)["probs"][predicted])
            )
        numpy.testing.assert_allclose(values, expected, atol=1e-6)


def test_leave_one_out_of_a_single_token_is_none(setup):
    _, model, reader, _ = setup
    instance = reader.text_to_instance("great")
    reader.apply_token_indexers(instance)
    assert leave_one_out_importance(model, [instance]) == [None]
    with pytest.raises(ConfigurationError, match="unknown importance"):
        token_importance(model, [instance], "attention")


def test_predictor_adds_importance_beside_attention(setup):
    path, model, _, _ = setup
    predictor = Predictor.from_path(
        path, "attnat_classifier", importance="gradient", import_plugins=False
    )
    output = predictor.predict("A warm, funny and moving film.")
    assert len(output["importance"]) == len(output["tokens"]) == len(output["attention"])
    assert sum(output["importance"]) == pytest.approx(1.0)
    loo = Predictor.from_path(
        path, "attnat_classifier", importance="leave_one_out", import_plugins=False
    )
    outputs = loo.predict_batch_json([{"text": "A warm film."}, {"text": "dull"}])
    assert len(outputs[0]["importance"]) == 4 and outputs[1]["importance"] is None
    json.dumps(outputs)  # the outputs stay JSON-serialisable
    plain = Predictor.from_path(path, "attnat_classifier", import_plugins=False).predict(
        "A warm film."
    )
    assert "importance" not in plain and "attention_entropy" not in plain
    instance = predictor._json_to_instance({"text": "A warm, funny and moving film."})
    predictor._dataset_reader.apply_token_indexers(instance)
    assert output["importance"] == pytest.approx(gradient_importance(model, [instance])[0])
    through = Predictor.from_path(
        path,
        "attnat_classifier",
        importance="gradient_through_attention",
        attention_entropy=True,
        import_plugins=False,
    ).predict("A warm, funny and moving film.")
    expected = gradient_importance(model, [instance], detach_attention=False)[0]
    assert through["importance"] == pytest.approx(expected)
    entropy = -sum(a * math.log(a) for a in through["attention"])
    assert through["attention_entropy"] == pytest.approx(entropy)
    assert through["attention_entropy_normalised"] == pytest.approx(
        entropy / math.log(len(through["tokens"]))
    )
    with pytest.raises(ConfigurationError, match="importance must be one of"):
        Predictor.from_path(path, "attnat_classifier", importance="saliency", import_plugins=False)


@pytest.mark.parametrize("config", ["tiny_pair.jsonnet", "tiny_pair_exact_match.jsonnet"])
def test_pair_model_importance_is_over_the_premise(tmp_path, config):
    from allennlp.commands.train import train_model
    from allennlp.common import Params
    from allennlp.data.fields import TensorField

    from attnat_allennlp.data.dataset_readers.pair import exact_match_field
    from helpers import FIXTURE_DATA, REPO_ROOT

    params = Params.from_file(
        str(REPO_ROOT / "tests" / "fixtures" / "configs" / config),
        params_overrides=json.dumps(
            {
                "train_data_path": str(FIXTURE_DATA / "nli.jsonl"),
                "validation_data_path": str(FIXTURE_DATA / "nli.jsonl"),
                "test_data_path": str(FIXTURE_DATA / "nli.jsonl"),
                "trainer.num_epochs": 1,
            }
        ),
    )
    reader = DatasetReader.from_params(params.duplicate().pop("dataset_reader"))
    model = train_model(params, str(tmp_path)).eval()
    instances = load_instances(reader, str(FIXTURE_DATA / "nli.jsonl"), 2)
    gradient = gradient_importance(model, instances)
    loo = leave_one_out_importance(model, instances)
    for instance, values, changes in zip(instances, gradient, loo):
        premise, hypothesis = instance["premise"].tokens, instance["hypothesis"].tokens
        assert len(values) == len(changes) == len(premise) != len(hypothesis)
        assert sum(values) == pytest.approx(1.0)
        full = model.forward_on_instance(instance)["probs"]
        predicted = int(numpy.argmax(full))
        shorter = Instance({"premise": TextField(premise[1:]), "hypothesis": TextField(hypothesis)})
        if "premise_exact_match" in instance.fields:
            # Leave-one-out drops the premise word and its flag; the hypothesis's flags are those
            # of the shorter premise, as the reader computes them.
            shorter.add_field(
                "premise_exact_match", TensorField(instance["premise_exact_match"].tensor[1:])
            )
            shorter.add_field("hypothesis_exact_match", exact_match_field(hypothesis, premise[1:]))
        reader.apply_token_indexers(shorter)
        expected = abs(full[predicted] - model.forward_on_instance(shorter)["probs"][predicted])
        assert changes[0] == pytest.approx(expected, abs=1e-6)


def _peaked(model):
    """A copy of the model whose attention scores are 30 times larger: attention that matters."""
    peaked = copy.deepcopy(model)
    for name, parameter in peaked.named_parameters():
        if "_attention_vector" in name:
            parameter.data.mul_(30.0)
    return peaked.eval()


def test_detached_gradient_is_jain_wallace_by_hand_and_differs_from_the_full_gradient(setup):
    _, model, _, instances = setup
    model = _peaked(model)
    detached = gradient_importance(model, instances[:4])
    through = gradient_importance(model, instances[:4], detach_attention=False)
    assert token_importance(model, instances[:4], "gradient") == detached
    assert token_importance(model, instances[:4], "gradient_through_attention") == through
    # By hand: with the attention weights a held constant, c = sum_t a_t h_t(x), so
    # d p_y / d x = sum_t a_t (d h_t / d x)^T (d p_y / d c), and for p = softmax(W c + b),
    # d p_y / d c = p_y (e_y - p)^T W. The Jacobian of the encoder states comes from autograd.
    encoder = model.attention_encoder
    layer = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    assert layer.out_features == 2
    largest_difference = 0.0
    for instance, values, full in zip(instances[:4], detached, through):
        state = build_state(model, tensorize(model, [instance]))
        x = state.embeddings["tokens"][0].detach()
        with torch.no_grad():
            logits, weights = model.logits_from_scores(state)
            p = torch.softmax(logits[0], -1)
        y = int(p.argmax())
        dp_dc = p[y] * (
            (torch.nn.functional.one_hot(torch.tensor(y), 2).float() - p) @ layer.weight.detach()
        )
        jacobian = torch.autograd.functional.jacobian(
            lambda e: encoder.encode(e.unsqueeze(0), state.mask)[0], x
        )  # (tokens, state dim, tokens, embedding dim)
        gradient = torch.einsum("t,h,thsd->sd", weights[0], dp_dc, jacobian)
        saliency = (gradient * x).sum(-1).abs()
        numpy.testing.assert_allclose(
            values, (saliency / saliency.sum()).numpy(), rtol=1e-4, atol=1e-6
        )
        largest_difference = max(largest_difference, numpy.abs(numpy.subtract(values, full)).max())
    # The full gradient also flows through the (peaked) attention: a different importance.
    assert largest_difference > 0.05


def test_shortening_the_premise_recomputes_the_hypothesis_flags(monkeypatch):
    from attnat_allennlp.interpret import importance

    premise, hypothesis = ["The", "cat", "sat", "cat"], ["A", "cat", "sat"]
    tensors = {
        "premise": {"tokens": {"tokens": torch.tensor([[2, 3, 4, 3]])}},
        "hypothesis": {"tokens": {"tokens": torch.tensor([[5, 3, 4, 0]])}},  # padded to 4
        "premise_exact_match": torch.tensor([[0.0, 1.0, 1.0, 1.0]]),
        "hypothesis_exact_match": torch.tensor([[0.0, 1.0, 1.0, 0.0]]),
        "metadata": [{"premise_tokens": premise, "hypothesis_tokens": hypothesis}],
    }
    own, matched = ("premise_exact_match",), {"hypothesis_exact_match": "hypothesis"}
    # keep "The sat" (and a padding position): "cat" is gone from the premise, "sat" stays
    keep = torch.tensor([[0, 2, 4], [0, 1, 2]])
    rows = torch.tensor([0, 0])
    selected = importance._select_rows(tensors, rows, "premise", keep, own, matched)
    assert selected["premise"]["tokens"]["tokens"].tolist() == [[2, 4, 0], [2, 3, 4]]
    assert selected["premise_exact_match"].tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 1.0]]
    assert selected["hypothesis_exact_match"].tolist() == [
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 1.0, 0.0],
    ]
    assert selected["hypothesis"]["tokens"]["tokens"].tolist() == [[5, 3, 4, 0]] * 2
    # without the token texts the flags stay, with a warning
    warned = []
    monkeypatch.setattr(importance.logger, "warning_once", warned.append)
    bare = {name: value for name, value in tensors.items() if name != "metadata"}
    selected = importance._select_rows(bare, rows, "premise", keep, own, matched)
    assert selected["hypothesis_exact_match"].tolist() == [[0.0, 1.0, 1.0, 0.0]] * 2
    assert len(warned) == 1 and "hypothesis_exact_match cannot be recomputed" in warned[0]
