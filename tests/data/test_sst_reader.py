import logging

import pytest
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import DataFormatError, SstReader
from attnat_allennlp.data.tokenizers import JainWallaceTokenizer

SST = FIXTURE_DATA / "sst" / "train.txt"


def test_reads_binary_sentences_and_counts_neutral(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(SstReader().read(str(SST)))
    assert len(instances) == 7
    assert [i["label"].label for i in instances] == ["1", "0", "1", "0", "1", "0", "1"]
    assert [t.text for t in instances[0]["tokens"].tokens] == [
        "it",
        "'s",
        "a",
        "lovely",
        "film",
        ".",
    ]
    # PTB bracket escapes restored, digits -> qqq.
    assert [t.text for t in instances[2]["tokens"].tokens] == [
        "a",
        "masterpiece",
        "of",
        "(",
        "jackson",
        ")",
        ".",
    ]
    assert "qqq" in [t.text for t in instances[3]["tokens"].tokens]
    assert "skipped 1 neutral sentences" in caplog.text


def test_label_map_keeps_five_classes():
    identity = {str(k): str(k) for k in range(5)}
    labels = [i["label"].label for i in SstReader(label_map=identity).read(str(SST))]
    assert labels == ["3", "1", "2", "4", "0", "3", "1", "4"]


@pytest.mark.parametrize(
    "line,problem",
    [("(3 (2 It) (4 good)", "malformed tree"), ("(9 (2 It) (4 good))", "root label '9'")],
)
def test_malformed_line_names_file_and_line(tmp_path, line, problem):
    bad = tmp_path / "train.txt"
    bad.write_text(SST.read_text() + line + "\n")
    with pytest.raises(DataFormatError, match=rf"train.txt:9: {problem}"):
        list(SstReader().read(str(bad)))


def test_leaves_are_tokens_with_ptb_escapes_undone():
    # Leaves are not tokenized again (`'ve` stays one token, ``` `` ``` does not become two
    # backquotes) and every PTB escape is undone, whatever the tokenizer's split_on_spaces.
    for tokenizer in (JainWallaceTokenizer(), JainWallaceTokenizer(split_on_spaces=True)):
        instances = list(
            SstReader(tokenizer=tokenizer).read(str(FIXTURE_DATA / "sst" / "escapes.txt"))
        )
        assert [[t.text for t in i["tokens"].tokens] for i in instances] == [
            ["the", "rock", "is", "the", '"', "new", "conan", '"', "."],
            ["we", "'ve", "seen", "an", "actor/director", "'", "shine", "'", "."],
            ["it", "gets", "**", "out", "of", "qqq", "."],
        ]
        assert [i["label"].label for i in instances] == ["1", "1", "0"]
