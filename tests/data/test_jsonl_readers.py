import json
import logging

import pytest

from attnat_allennlp.data.dataset_readers import (
    DataFormatError,
    JsonlNliReader,
    JsonlTextClassificationReader,
    UnlabeledTextReader,
)


def write_jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return str(path)


def test_text_classification_counts_skips(tmp_path, caplog):
    path = write_jsonl(
        tmp_path / "data.jsonl",
        [
            {"text": "Good film.", "label": "pos"},
            {"text": "   ", "label": "neg"},
            {"text": "A very long text indeed .", "label": "neg"},
            {"text": "Dull.", "label": "meh"},
        ],
    )
    reader = JsonlTextClassificationReader(max_tokens=4, label_map={"pos": "1", "neg": "0"})
    with caplog.at_level(logging.WARNING):
        instances = list(reader.read(path))
    assert [i["label"].label for i in instances] == ["1", "0"]
    assert instances[1]["metadata"]["tokens"] == ["a", "very", "long", "text"]
    assert "Read 2 instances" in caplog.text
    assert "skipped 1 empty texts, 1 examples with labels outside label_map" in caplog.text
    assert "truncated 1 texts to 4 tokens" in caplog.text
    caplog.clear()
    skipping = JsonlTextClassificationReader(
        max_tokens=4, long_texts="skip", label_map={"pos": "1", "neg": "0"}
    )
    with caplog.at_level(logging.WARNING):
        assert [i["label"].label for i in skipping.read(path)] == ["1"]
    assert "1 texts longer than 4 tokens" in caplog.text


def test_custom_keys(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"sentence": "Fine.", "y": 3}])
    (instance,) = JsonlTextClassificationReader(text_key="sentence", label_key="y").read(path)
    assert instance["label"].label == "3"
    assert instance["metadata"]["tokens"] == ["fine", "."]


@pytest.mark.parametrize(
    "line,problem",
    [
        ('{"text": "broken"', "malformed JSON"),
        ('["a", "list"]', "expected a JSON object"),
        ('{"txt": "x"}', "missing field 'text'"),
    ],
)
def test_text_classification_errors_name_file_and_line(tmp_path, line, problem):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"text": "ok", "label": "1"}, "", line])
    with pytest.raises(DataFormatError, match=rf"bad.jsonl:3: {problem}"):
        list(JsonlTextClassificationReader().read(path))


def test_nli_missing_hypothesis_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "nli.jsonl", [{"sentence1": "A man.", "gold_label": "neutral"}])
    with pytest.raises(DataFormatError, match=r"nli.jsonl:1: missing field 'sentence2'"):
        list(JsonlNliReader().read(path))


def test_unlabeled_reads_jsonl_and_plain_text(tmp_path, caplog):
    jsonl = write_jsonl(
        tmp_path / "u.jsonl", [{"text": "A plot.", "label": "ignored"}, {"text": ""}]
    )
    plain = tmp_path / "u.txt"
    plain.write_text("First line.\n\nSecond line.\n")
    reader = UnlabeledTextReader()
    with caplog.at_level(logging.WARNING):
        from_jsonl = list(reader.read(jsonl))
        from_text = list(reader.read(str(plain)))
    assert [i["metadata"]["tokens"] for i in from_jsonl] == [["a", "plot", "."]]
    assert all("label" not in i.fields for i in from_jsonl + from_text)
    assert [i["metadata"]["tokens"] for i in from_text] == [
        ["first", "line", "."],
        ["second", "line", "."],
    ]
    assert caplog.text.count("skipped 1 empty texts") == 2
    with pytest.raises(DataFormatError, match=r"u2.jsonl:1: missing field 'text'"):
        list(reader.read(write_jsonl(tmp_path / "u2.jsonl", [{"plot": "x"}])))
