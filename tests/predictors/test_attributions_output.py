"""The predictor's Captum attributions and plausibility, field by field."""

import argparse
import json

import pytest
import torch
from allennlp.commands.predict import Predict
from allennlp.common.checks import ConfigurationError
from allennlp.predictors import Predictor
from scipy.stats import spearmanr

from attnat_allennlp.interpret.attributions import attributions_for_state
from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.interpret.importance import gradient_importance_for_state

TEXT = "A fine film, really ."
METHODS = ["integrated_gradients", "input_x_gradient", "occlusion"]


def test_attributions_sit_beside_the_attention(classifier_archive):
    predictor = Predictor.from_path(
        str(classifier_archive), "attnat_classifier", attributions=METHODS
    )
    output = predictor.predict_json({"text": TEXT})
    assert output["tokens"] == ["a", "fine", "film", ",", "really", "."]
    assert list(output["attributions"]) == METHODS
    assert "plausibility" not in output and "word_sentiment" not in output  # no word labels
    model = predictor._model
    instance = predictor._dataset_reader.text_to_instance(TEXT)
    predictor._dataset_reader.apply_token_indexers(instance)
    state = build_state(model, tensorize(model, [instance]))
    for method, values in output["attributions"].items():
        assert len(values) == len(output["tokens"])
        assert sum(values) == pytest.approx(1.0, abs=1e-5)
        expected = attributions_for_state(model, state, method)[0].tolist()
        assert values == pytest.approx(expected, abs=1e-6)
    # an independent number: input x gradient is the gradient through attention
    through = gradient_importance_for_state(model, state, detach_attention=False)[0]
    assert output["attributions"]["input_x_gradient"] == pytest.approx(through.tolist(), abs=1e-5)
    # the attention is what it was without attributions
    plain = Predictor.from_path(str(classifier_archive), "attnat_classifier").predict_json(
        {"text": TEXT}
    )
    assert output["attention"] == pytest.approx(plain["attention"], abs=1e-7)


def test_word_labels_give_plausibility_of_every_ranking(classifier_archive):
    predictor = Predictor.from_path(
        str(classifier_archive),
        "attnat_classifier",
        attributions=["occlusion"],
        importance="gradient",
    )
    # "film," is one word and two tokens: both take its label
    output = predictor.predict_json({"text": TEXT, "word_labels": [2, 4, 3, 2, 2]})
    assert output["word_sentiment"] == [2, 4, 3, 3, 2, 2]
    assert set(output["plausibility"]) == {"attention", "gradient", "occlusion"}
    rankings = {
        "attention": output["attention"],
        "gradient": output["importance"],
        "occlusion": output["attributions"]["occlusion"],
    }
    strength = [0, 2, 1, 1, 0, 0]
    for name, scores in rankings.items():
        result = output["plausibility"][name]
        # three polar tokens ("fine", "film", ","): F1 of the top 3 = the share of them in it
        top = sorted(range(6), key=lambda i: -scores[i])[:3]
        assert result["f1"] == pytest.approx(len(set(top) & {1, 2, 3}) / 3)
        # average precision by hand: the precision at the rank of each polar token, averaged
        order = sorted(range(6), key=lambda i: -scores[i])
        hits, precisions = 0, []
        for rank, position in enumerate(order, start=1):
            if position in {1, 2, 3}:
                hits += 1
                precisions.append(hits / rank)
        assert result["auprc"] == pytest.approx(sum(precisions) / 3)
        assert result["spearman"] == pytest.approx(spearmanr(scores, strength)[0])


def test_bad_word_labels_and_methods_are_named(classifier_archive):
    predictor = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    (output,) = predictor.predict_batch_json([{"text": TEXT, "word_labels": [2, 4]}])
    assert "word_labels must be one sentiment 0-4 per space-separated word" in output["error"]
    assert "(5 words)" in output["error"]
    with pytest.raises(ConfigurationError, match="attributions: unknown attribution method"):
        Predictor.from_path(str(classifier_archive), "attnat_classifier", attributions=["lime"])


def test_allennlp_predict_takes_the_attributions_as_predictor_args(classifier_archive, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": TEXT, "word_labels": [2, 4, 3, 2, 2]}) + "\n")
    target = tmp_path / "out.jsonl"
    argv = ["predict", str(classifier_archive), str(source)]
    argv += ["--predictor", "attnat_classifier", "--output-file", str(target), "--silent"]
    argv += ["--predictor-args", json.dumps({"attributions": ["integrated_gradients"]})]
    parser = argparse.ArgumentParser()
    Predict().add_subparser(parser.add_subparsers())
    args = parser.parse_args(argv)
    args.func(args)
    (line,) = target.read_text().splitlines()
    output = json.loads(line)
    assert list(output["attributions"]) == ["integrated_gradients"]
    assert len(output["attributions"]["integrated_gradients"]) == 6
    assert set(output["plausibility"]) == {"attention", "integrated_gradients"}
    assert torch.isclose(
        torch.tensor(sum(output["attributions"]["integrated_gradients"])), torch.tensor(1.0)
    )
