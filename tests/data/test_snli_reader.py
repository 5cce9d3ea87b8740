import logging

from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import JsonlNliReader

# Lines of snli_1.0_train.jsonl as distributed: parses, annotator labels, pair ids, "-" gold labels.
SNLI = FIXTURE_DATA / "snli" / "snli_1.0_train.jsonl"


def test_reads_distributed_snli_and_skips_no_gold_label(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(JsonlNliReader().read(str(SNLI)))
    assert [i["label"].label for i in instances] == [
        "neutral",
        "contradiction",
        "entailment",
        "entailment",
        "contradiction",
    ]
    assert [t.text for t in instances[3]["premise"].tokens] == [
        "children",
        "smiling",
        "and",
        "waving",
        "at",
        "camera",
    ]
    assert [t.text for t in instances[3]["hypothesis"].tokens] == [
        "there",
        "are",
        "children",
        "present",
    ]
    assert "skipped 1 pairs without a gold label" in caplog.text
