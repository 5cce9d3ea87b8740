import logging
import shutil

import pytest
from allennlp.data import Vocabulary
from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import CnnReader, DataFormatError
from attnat_allennlp.data.dataset_readers.cnn import MarkerPreservingTokenizer
from attnat_allennlp.data.tokenizers import JainWallaceTokenizer

TRAINING = FIXTURE_DATA / "cnn" / "cnn" / "questions" / "training"


def test_reads_a_folder_of_question_files(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(CnnReader().read(str(TRAINING)))
    assert [i["label"].label for i in instances] == ["@entity1", "@entity7", "@entity11"]
    first = instances[0]
    premise = [t.text for t in first["premise"].tokens]
    assert premise[:8] == ["(", "@entity0", ")", "--", "@entity1", "beat", "@entity2", "qqq"]
    assert [t.text for t in first["hypothesis"].tokens][:3] == ["@placeholder", "beat", "@entity2"]
    assert first["answer_candidates"].labels == [
        "@entity0",
        "@entity1",
        "@entity2",
        "@entity3",
        "@entity4",
    ]
    assert instances[2]["answer_candidates"].labels == ["@entity0", "@entity10", "@entity11"]
    assert "skipped 1 answers not among the passage's entities" in caplog.text


def test_candidates_are_indexed_in_the_label_namespace():
    instances = list(CnnReader().read(str(TRAINING)))
    vocab = Vocabulary.from_instances(instances)
    instances[1].index_fields(vocab)
    tensor = instances[1].as_tensor_dict()["answer_candidates"]
    labels = {vocab.get_token_from_index(i, "labels") for i in tensor.nonzero().flatten().tolist()}
    assert labels == {"@entity0", "@entity5", "@entity6", "@entity7", "@entity8"}


def test_one_file_and_markers_keep_digits():
    path = TRAINING / "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567.question"
    (instance,) = CnnReader().read(str(path))
    assert instance["label"].label == "@entity1"
    tokenizer = MarkerPreservingTokenizer(JainWallaceTokenizer())
    assert [t.text for t in tokenizer.tokenize("@entity12 Scored 3 for @entity3")] == [
        "@entity12",
        "scored",
        "qqq",
        "for",
        "@entity3",
    ]


def test_missing_blocks_name_the_file(tmp_path):
    shutil.copy(TRAINING / "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567.question", tmp_path)
    (tmp_path / "f00.question").write_text("http://example.com\n\n( @entity0 ) -- a passage .\n")
    with pytest.raises(
        DataFormatError, match=r"/f00.question: expected url, passage, question, answer"
    ):
        list(CnnReader().read(str(tmp_path)))


def test_text_to_instance_defaults_candidates_to_the_passage_entities():
    instance = CnnReader().text_to_instance(
        "@entity3 met @entity12 and @entity3 .", "@placeholder met @entity12"
    )
    assert instance["answer_candidates"].labels == ["@entity3", "@entity12"]
    assert "label" not in instance.fields
