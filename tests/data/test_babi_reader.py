import logging

import pytest
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import BabiReader, DataFormatError

TASKS = FIXTURE_DATA / "babi" / "tasks_1-20_v1-2" / "en-10k"
QA1 = TASKS / "qa1_single-supporting-fact_train.txt"


def words(field):
    return " ".join(t.text for t in field.tokens)


def test_passage_is_the_story_so_far(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(BabiReader().read(str(QA1)))
    assert [i["label"].label for i in instances] == [
        "bathroom",
        "hallway",
        "office",
        "kitchen",
        "garden",
    ]
    assert (
        words(instances[0]["premise"]) == "mary moved to the bathroom . john went to the hallway ."
    )
    assert words(instances[0]["hypothesis"]) == "where is mary ?"
    # The second question sees the earlier sentences of its story (questions excluded).
    assert words(instances[1]["premise"]).endswith(
        "daniel went back to the hallway . sandra moved to the garden ."
    )
    assert "where" not in words(instances[1]["premise"])
    # A new story starts at 1.
    assert (
        words(instances[2]["premise"])
        == "john moved to the office . sandra journeyed to the bedroom ."
    )
    assert "answer_candidates" not in instances[0].fields
    assert "skipped 1 empty texts" in caplog.text  # the question before any sentence


def test_two_supporting_facts_task():
    instances = list(BabiReader().read(str(TASKS / "qa2_two-supporting-facts_train.txt")))
    assert [i["label"].label for i in instances] == ["hallway", "hallway", "garden"]
    assert (
        words(instances[2]["premise"])
        == "daniel picked up the apple there . daniel went to the garden ."
    )


@pytest.mark.parametrize(
    "line,problem",
    [
        ("Mary went home.", "expected '<number> <sentence or question>'"),
        ("3 Where is Mary?\t\t1", "question line without an answer"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, line, problem):
    bad = tmp_path / "qa1_train.txt"
    bad.write_text("1 Mary went to the garden.\n2 John went home.\n" + line + "\n")
    with pytest.raises(DataFormatError, match=rf"qa1_train.txt:3: {problem}"):
        list(BabiReader().read(str(bad)))
