"""The Transformer bench on a pretrained model folder (the tiny BERT), and its table in a README."""

import json

from attnat_allennlp.bench import transformer
from helpers import FIXTURE_DATA


def test_the_minilm_bench_runs_on_a_model_folder_and_renders_its_table(tmp_path, tiny_bert):
    output = tmp_path / "transformer_minilm.json"
    results = transformer.main(
        [
            "--model", "minilm", "--model-dir", str(tiny_bert), "--data-dir", str(FIXTURE_DATA),
            "--steps", "1", "--warmup", "0", "--rows", "attention_at@last", "attention_iat@all",
            "--output", str(output),
        ]
    )  # fmt: skip
    assert list(results) == ["vanilla", "attention_at@last", "attention_iat@all"]
    assert results["attention_at@last"]["target"] == 1.25
    assert results["attention_iat@all"]["target"] == 2.1
    summary = json.loads(output.read_text())
    assert summary["batch_size"] == 16 and summary["results"] == results
    readme = tmp_path / "README.md"
    readme.write_text(
        "before\n<!-- bench:transformer_minilm -->\nold\n<!-- /bench:transformer_minilm -->\nafter\n"
    )
    transformer.main(["--render", str(output), "--into", str(readme)])
    text = readme.read_text()
    assert "old" not in text and text.startswith("before\n") and text.endswith("after\n")
    assert "| attention_at @ last |" in text and "| <= 1.25 |" in text
