import logging

from helpers import FIXTURE_DATA

from attnat_allennlp.data.dataset_readers import JsonlNliReader

# Lines of multinli_1.0_train.jsonl as distributed (genre, promptID, parses, a "-" gold label).
MULTINLI = FIXTURE_DATA / "multinli" / "multinli_1.0_train.jsonl"


def test_reads_distributed_multinli_and_skips_no_gold_label(caplog):
    with caplog.at_level(logging.WARNING):
        instances = list(JsonlNliReader().read(str(MULTINLI)))
    assert [i["label"].label for i in instances] == [
        "neutral",
        "entailment",
        "entailment",
        "contradiction",
        "neutral",
    ]
    # The trailing space of sentence2 is not a token; "-" of sentence1 is.
    assert [t.text for t in instances[0]["hypothesis"].tokens][-2:] == ["work", "."]
    assert "-" in [t.text for t in instances[0]["premise"].tokens]
    assert "skipped 1 pairs without a gold label" in caplog.text
