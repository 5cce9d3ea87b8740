"""Gradient and leave-one-out importance, the report, the heat map and the study measures of a
wordpiece model compare with attention word by word (issue 10), on the tiny "pretrained" BERT."""

import argparse
import json

import pytest
import torch
from allennlp.commands.train import train_model
from allennlp.data import Instance
from allennlp.data.fields import TextField
from allennlp.models.archival import load_archive
from tiny_bert_fixture import load_pretrained_config

from attnat_allennlp.commands.attention_heatmap import heatmap_from_args
from attnat_allennlp.commands.attention_report import attention_report_from_args
from attnat_allennlp.data.pretrained_transformer import (
    merge_wordpieces,
    sum_by_word,
    wordpiece_words,
)
from attnat_allennlp.interpret.batching import build_state, tensorize
from attnat_allennlp.interpret.faithfulness import faithfulness_for_tensors
from attnat_allennlp.interpret.importance import (
    gradient_importance,
    leave_one_out_importance,
    predicted_probabilities,
    token_importance,
    word_pieces,
)
from attnat_allennlp.interpret.report import explain_instances, study_measures
from helpers import FIXTURE_DATA, FIXTURE_PATHS

SMALL = {"trainer.num_epochs": 1, "data_loader.batch_sampler.batch_size": 8}
TEXTS = ["A master class of cinematography.", "Unwatchable, truly.", "Fine."]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, tiny_bert):
    """The tiny pretrained BERT fine-tuned for one epoch on the rt-polarity fixture, and its reader."""
    directory = tmp_path_factory.mktemp("pretrained_model")
    params = load_pretrained_config(
        "rt_polarity_pretrained_transformer_vanilla",
        tiny_bert,
        {**FIXTURE_PATHS["rt_polarity"], **SMALL},
    )
    train_model(params, str(directory))
    archive = load_archive(str(directory / "model.tar.gz"))
    archive.model.eval()
    return str(directory / "model.tar.gz"), archive.model, archive.validation_dataset_reader


def _instances(reader, texts=TEXTS):
    instances = [reader.text_to_instance(text) for text in texts]
    for instance in instances:
        reader.apply_token_indexers(instance)
    return instances


def test_words_of_wordpieces_by_hand():
    pieces = ["[CLS]", "un", "##seen", "film", ".", "[SEP]"]
    assert wordpiece_words(pieces) == [[1, 2], [3], [4]]
    assert sum_by_word([0.1, 0.2, 0.3, 0.1, 0.2, 0.1], [[1, 2], [3], [4]]) == pytest.approx(
        [0.5, 0.1, 0.2]
    )
    # a continuation right after a special token starts a word
    assert wordpiece_words(["[CLS]", "##x", "y", "[SEP]"]) == [[1], [2]]
    # the predictor's merge is the same grouping
    assert merge_wordpieces(pieces, [0.1, 0.2, 0.3, 0.1, 0.2, 0.1])[1] == pytest.approx(
        [0.5, 0.1, 0.2]
    )


def test_gradient_importance_of_words_sums_the_pieces(pretrained):
    _, model, reader = pretrained
    instances = _instances(reader)
    pieces = [[t.text for t in instance["tokens"].tokens] for instance in instances]
    # "cinematography" is not in the tiny vocabulary: several pieces, positions 5 .. -2
    assert pieces[0][:5] == ["[CLS]", "a", "master", "class", "of"]
    assert pieces[0][-2:] == [".", "[SEP]"] and len(pieces[0]) > 8
    groups = word_pieces(model, instances)
    assert groups[0][4] == list(range(5, len(pieces[0]) - 2))
    by_piece = gradient_importance(model, instances)
    by_word = gradient_importance(model, instances, words=True)
    assert len(by_word[0]) == 6
    assert by_word[0][4] == pytest.approx(sum(by_piece[0][5:-2]))
    assert by_word[0][0] == pytest.approx(by_piece[0][1])
    # the special tokens' share is dropped, nothing is renormalised
    assert sum(by_word[0]) == pytest.approx(1.0 - by_piece[0][0] - by_piece[0][-1], abs=1e-5)
    assert token_importance(model, instances, "gradient", words=True) == by_word


def test_leave_one_out_of_a_word_drops_all_its_pieces(pretrained):
    _, model, reader = pretrained
    instances = _instances(reader)
    by_word = leave_one_out_importance(model, instances, words=True)
    groups = word_pieces(model, instances)
    assert [len(values) for values in by_word[:2]] == [len(g) for g in groups[:2]]
    assert by_word[2] is None or len(groups[2]) >= 2  # "Fine." is "fine" and "."
    with torch.no_grad():
        full = predicted_probabilities(model, build_state(model, tensorize(model, instances[:1])))
        predicted = int(full.argmax())
        tokens = instances[0]["tokens"].tokens
        for word, pieces in enumerate(groups[0]):
            shorter = Instance(
                {
                    "tokens": TextField(
                        [t for i, t in enumerate(tokens) if i not in pieces],
                        instances[0]["tokens"].token_indexers,
                    )
                }
            )
            probs = predicted_probabilities(model, build_state(model, tensorize(model, [shorter])))
            expected = abs(float(full[0, predicted]) - float(probs[0, predicted]))
            assert by_word[0][word] == pytest.approx(expected, abs=1e-6)
    # not the sum of the pieces' own leave-one-out values
    by_piece = leave_one_out_importance(model, instances)
    assert len(by_piece[0]) == len(tokens)


def test_faithfulness_over_words_removes_whole_words(pretrained):
    _, model, reader = pretrained
    instances = _instances(reader, TEXTS[:1])
    groups = word_pieces(model, instances)
    tensors = tensorize(model, instances)
    # rank "cinematography" (word 4) first: at 1 % one word goes, all its pieces
    scores = {"ranked": [[0.1, 0.2, 0.0, 0.0, 0.9, 0.3]]}
    curves = faithfulness_for_tensors(model, tensors, scores, (0.01,), words=groups)
    tokens = instances[0]["tokens"].tokens
    with torch.no_grad():
        full = predicted_probabilities(model, build_state(model, tensors))
        predicted = int(full.argmax())
        for measure, kept in (
            ("comprehensiveness", [i for i in range(len(tokens)) if i not in groups[0][4]]),
            ("sufficiency", [0, *groups[0][4], len(tokens) - 1]),
        ):
            shorter = Instance(
                {
                    "tokens": TextField(
                        [tokens[i] for i in kept], instances[0]["tokens"].token_indexers
                    )
                }
            )
            probs = predicted_probabilities(model, build_state(model, tensorize(model, [shorter])))
            expected = float(full[0, predicted]) - float(probs[0, predicted])
            assert curves["ranked"][measure][0, 0] == pytest.approx(expected, abs=1e-6)


def _args(archive, **changes):
    values = dict(
        archive_file=archive,
        input_file=str(FIXTURE_DATA / "text_classification.jsonl"),
        max_instances=12,
        batch_size=8,
        cuda_device=-1,
        overrides="",
        attention="pooling",
        output=None,
        rationales=None,
        rationale_split="test",
        top_k=None,
        num_permutations=3,
        adversarial_steps=3,
        tvd_threshold=0.01,
        no_leave_one_out=False,
        no_attack=False,
        no_stability=False,
        gradient="gradient",
        no_faithfulness=False,
        attributions=["integrated_gradients", "input_x_gradient", "occlusion"],
        robustness_eps_scores=[1.0],
        robustness_eps_embeddings=[],
        no_instances=False,
        seed=0,
    )
    values.update(changes)
    return argparse.Namespace(**values)


@pytest.mark.parametrize("attention", ["pooling", "first_token"])
def test_the_report_compares_word_by_word(pretrained, attention):
    archive, model, reader = pretrained
    report = attention_report_from_args(_args(archive, attention=attention))
    assert report["num_instances"] == 12
    for row in report["instances"]:
        words, _ = merge_wordpieces(row["wordpieces"], [0.0] * len(row["wordpieces"]))
        assert row["tokens"] == words
        n = len(words)
        assert len(row["word_pieces"]) == n
        assert len(row["attention"]) == n and len(row["gradient"]) == n
        assert row["leave_one_out"] is None or len(row["leave_one_out"]) == n
        assert "[CLS]" not in row["tokens"] and "[SEP]" not in row["tokens"]
    assert report["agreement"]["gradient"]["pearson"]["n"] > 0
    assert report["agreement"]["leave_one_out"]["pearson"]["n"] > 0
    assert report["faithfulness"]["attention"]["comprehensiveness"]["aopc"]["n"] == 12
    # the word attention is the predictor's word_attention
    rows = explain_instances(model, _instances(reader), attention=attention)
    output = model.forward_on_instances(_instances(reader))
    if attention == "pooling":
        for row, out in zip(rows, output):
            assert row["tokens"] == out["words"]
            assert row["attention"] == pytest.approx(list(out["word_attention"]), abs=1e-6)


def test_heatmap_and_study_measures_are_word_level(pretrained, tmp_path):
    archive, model, reader = pretrained
    page = tmp_path / "page.html"
    heatmap_from_args(
        argparse.Namespace(
            archive_file=archive,
            input_file=str(FIXTURE_DATA / "text_classification.jsonl"),
            output=str(page),
            max_instances=4,
            batch_size=8,
            cuda_device=-1,
            overrides="",
            attention="pooling",
            report=None,
            sweep=None,
            metric=None,
            title=None,
            gradient="gradient",
        )
    )
    html = page.read_text()
    assert "[CLS]" not in html and "##" not in html
    measures = study_measures(model, _instances(reader), robustness_eps={})
    assert measures["loo_pearson"] is not None and measures["gradient_pearson"] is not None
    assert json.dumps(measures)


def test_predictor_word_leave_one_out_drops_whole_words(pretrained):
    from allennlp.predictors import Predictor

    archive, model, reader = pretrained
    predictor = Predictor.from_archive(
        load_archive(archive), "attnat_classifier", extra_args={"importance": "leave_one_out"}
    )
    output = predictor.predict_json({"text": TEXTS[0]})
    assert len(output["importance"]) == len(output["tokens"])  # per wordpiece, as before
    expected = leave_one_out_importance(model, _instances(reader, TEXTS[:1]), words=True)[0]
    assert output["word_importance"] == pytest.approx(expected, abs=1e-6)
    assert len(output["word_importance"]) == len(output["words"]) == 6


def test_the_attack_refuses_wordpieces_and_the_stability_takes_them(pretrained):
    from allennlp.common.checks import ConfigurationError

    from attnat_allennlp.interpret.attack import word_substitution_attack
    from attnat_allennlp.interpret.stability import explanation_stability

    _, model, reader = pretrained
    instances = _instances(reader)
    with pytest.raises(ConfigurationError, match="reads the wordpieces of a pretrained"):
        word_substitution_attack(model, instances)
    rows, measures = explanation_stability(model, instances, noise_scale=0.0)
    assert measures["stability_jsd_noise"] == 0.0 and measures["stability_topk_noise"] == 1.0


def test_predictor_attributions_and_plausibility_are_word_level(pretrained):
    from allennlp.predictors import Predictor

    path, _, _ = pretrained
    predictor = Predictor.from_path(path, "attnat_classifier", attributions=["occlusion"])
    output = predictor.predict_json({"text": TEXTS[0], "word_labels": [2, 3, 3, 2, 4]})
    groups = wordpiece_words(output["tokens"])
    assert output["word_attributions"]["occlusion"] == pytest.approx(
        sum_by_word(output["attributions"]["occlusion"], groups)
    )
    assert len(output["words"]) == len(groups)
    # "cinematography." is one word of the input and two words of the model (its "." apart)
    assert output["words"][-2:] == ["cinematography", "."]
    assert output["word_sentiment"] == [2, 3, 3, 2, 4, 4]
    assert set(output["plausibility"]) == {"attention", "occlusion"}
