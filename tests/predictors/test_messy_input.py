"""`allennlp predict` on messy input: output line n answers input line n, bad lines get an error."""

import json
import logging

import pytest
from allennlp.commands.predict import _PredictManager
from allennlp.common.checks import ConfigurationError
from allennlp.predictors import Predictor

from helpers import FIXTURE_DATA

MESSY = FIXTURE_DATA / "bad" / "predict_messy.txt"

# What each line of predict_messy.txt gets: None for a prediction, else the start of its error.
EXPECTED = [
    None,  # {"text": "A fine film."}
    "blank line",
    "the text is empty",  # {"text": ""}
    "expected a 'text' (or 'sentence') key, got ['review']",
    "the text is int 12345, expected a string",
    'the text is list ["a", "list"], expected a string',
    "not valid JSON",
    "expected a JSON object, got list",
    None,  # plain text
    "blank line",  # only spaces
    None,  # {"sentence": "..."}
    "the text is null, expected a string",
]


def test_every_line_gets_an_output_in_its_place(classifier_archive, caplog):
    predictor = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    lines = MESSY.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == len(EXPECTED)
    with caplog.at_level(logging.WARNING):
        outputs = predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert len(outputs) == len(lines)
    for number, (output, expected) in enumerate(zip(outputs, EXPECTED), start=1):
        if expected is None:
            assert "error" not in output and output["label"] in ("positive", "negative")
            assert abs(sum(output["attention"]) - 1) < 1e-5
        else:
            assert output["error"].startswith(expected), (number, output)
            assert output["line"] == number
    assert "input line 7: not valid JSON" in caplog.text
    assert "(8 so far)" in caplog.text
    # One at a time (allennlp predict with --batch-size 1) gives the same answers.
    single = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    one_by_one = [single.predict_json(single.load_line(line)) for line in lines]
    assert [o.get("error") for o in one_by_one] == [o.get("error") for o in outputs]


def test_allennlp_predict_keeps_blank_lines_in_place(classifier_archive, tmp_path):
    predictor = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    out = tmp_path / "out.jsonl"
    _PredictManager(predictor, str(MESSY), str(out), 4, False, False).run()
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == len(EXPECTED)
    assert [("error" in r) for r in results] == [e is not None for e in EXPECTED]
    assert results[1] == {"error": "blank line", "line": 2, "input": ""}
    assert results[9] == {"error": "blank line", "line": 10, "input": "   "}


def test_a_predictor_that_does_not_fit_the_archive_names_both(classifier_archive, pair_archive):
    with pytest.raises(
        ConfigurationError,
        match=r"^the predictor 'attnat_classifier' predicts with 'attnat_classifier' models, but the "
        r"archive holds a 'attnat_pair_classifier' model: use --predictor attnat_pair_classifier$",
    ):
        Predictor.from_path(str(pair_archive), "attnat_classifier")
    with pytest.raises(
        ConfigurationError,
        match=r"^the predictor 'attnat_pair_classifier' predicts with 'attnat_pair_classifier' "
        r"models, but the archive holds a 'attnat_classifier' model: use --predictor attnat_classifier$",
    ):
        Predictor.from_path(str(classifier_archive), "attnat_pair_classifier")


def test_pair_predictor_answers_bad_pairs_with_errors(pair_archive):
    predictor = Predictor.from_path(str(pair_archive), "attnat_pair_classifier")
    lines = [
        '{"premise": "A man sleeps.", "hypothesis": "A man rests."}\n',
        "no tab on this line\n",
        '{"premise": "A man sleeps."}\n',
        '{"premise": "", "hypothesis": "Someone."}\n',
        "A dog runs.\tAn animal moves.\n",
    ]
    outputs = predictor.predict_batch_json([predictor.load_line(line) for line in lines])
    assert [o.get("error", "ok")[:30] for o in outputs] == [
        "ok",
        "expected 'premise<TAB>hypothes",
        "expected 'premise' and 'hypoth",
        "the text is empty",
        "ok",
    ]


ENCODINGS = FIXTURE_DATA / "bad" / "predict_encodings.txt"


def test_byte_order_mark_latin1_line_and_truncation(classifier_archive, tmp_path, caplog):
    # Line 1 starts with a UTF-8 byte order mark, line 2 is latin-1, line 4 has 1,200 tokens
    # (the model's max_tokens is 1,000).
    predictor = Predictor.from_path(str(classifier_archive), "attnat_classifier")
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.WARNING):
        _PredictManager(predictor, str(ENCODINGS), str(out), 2, False, False).run()
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 4
    assert results[0]["tokens"] == ["a", "fine", "film", "."]
    assert results[1]["error"].startswith("byte 0xe9 at column 14 is not UTF-8")
    assert results[1]["line"] == 2 and results[1]["input"].startswith('{"text": "Caf')
    assert "error" not in results[2] and "truncated" not in results[2]
    assert results[3]["truncated"] == {"tokens": 1200, "max_tokens": 1000}
    assert len(results[3]["tokens"]) == 1000
    # Reported by the command that read them, when it has written the last line.
    assert "1 of 4 inputs could not be predicted" in caplog.text
    assert "1 texts were longer than the model's max_tokens (1000)" in caplog.text
    caplog.clear()
    # A second run of the same predictor counts its own inputs.
    with caplog.at_level(logging.WARNING):
        _PredictManager(predictor, str(MESSY), str(tmp_path / "messy.jsonl"), 4, False, False).run()
    assert "9 of 12 inputs could not be predicted" in caplog.text
    assert "texts were longer" not in caplog.text
