"""The unlabeled stream of pair models: unlabeled premise/hypothesis pairs (NLI files, labels ignored)."""

import json

import torch
from training.test_adversarial_training import small

from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledPairReader
from helpers import FIXTURE_DATA, train_config


def test_the_unlabeled_pair_reader_reads_nli_files_without_their_labels(tmp_path):
    path = tmp_path / "pairs.jsonl"
    records = [
        {
            "sentence1": "a man plays a guitar",
            "sentence2": "a person plays music",
            "gold_label": "-",
        },
        {"sentence1": "two dogs run in the park", "sentence2": "animals are outside"},
        {
            "premise": "ignored",
            "sentence1": "it rains",
            "sentence2": "the ground is wet",
            "gold_label": "x",
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    instances = list(UnlabeledPairReader(exact_match=True, max_tokens=3).read(str(path)))
    assert len(instances) == 3
    for instance in instances:
        assert "label" not in instance.fields
        assert {"premise", "hypothesis", "premise_exact_match", "hypothesis_exact_match"} <= set(
            instance.fields
        )
    first = instances[0]
    assert [t.text for t in first["premise"].tokens] == ["a", "man", "plays"]  # cut at max_tokens
    assert [t.text for t in first["hypothesis"].tokens] == ["a", "person", "plays", "music"]
    assert first["hypothesis_exact_match"].tensor.tolist() == [1.0, 0.0, 1.0, 0.0]


def test_attention_vat_on_vitaminc_learns_from_unlabeled_pairs(tmp_path):
    overrides = small("vitaminc")
    overrides["model.premise_encoder.encoder.input_size"] = 9  # 8 + the exact-match flag
    overrides["model.premise_encoder.attention_dim"] = 8
    overrides["model.premise_encoder.query_dim"] = 16
    overrides["model.hypothesis_encoder.input_size"] = 9
    overrides["model.hypothesis_encoder.hidden_size"] = 8
    overrides["model.output_dim"] = 8
    for key in list(overrides):
        if key.startswith("model.seq2vec_encoder"):
            del overrides[key]
    overrides["trainer.callbacks.1.unlabeled_data_path"] = str(FIXTURE_DATA / "nli.jsonl")
    overrides["trainer.callbacks.1.unlabeled_batch_size"] = 8
    train_config("vitaminc_attention_vat", tmp_path, overrides)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training_attention_vat_loss"] > 0
    # the callback's state in the checkpoint: one unlabeled batch of pairs per labeled batch
    [state_file] = tmp_path.glob("training_state_e*.th")
    state = torch.load(state_file, weights_only=False)
    [callback] = [c for c in state["callbacks"] if "unlabeled_batches_seen" in c]
    assert callback["unlabeled_batches_seen"] == callback["labeled_batches_seen"] > 0
