"""Smoke tests of the benches (`make bench`) on two steps of fixture data: the tables they print and
the numbers they return, row by row and column by column."""

import json
import shutil
from pathlib import Path

import pytest

from attnat_allennlp.bench import lstm, techniques, transformer
from helpers import FIXTURE_DATA


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A ../shared/data look-alike: rt-polarity's training texts and unlabeled plots, no GloVe."""
    root = tmp_path_factory.mktemp("bench_data")
    (root / "rt-polarity").mkdir()
    shutil.copy(FIXTURE_DATA / "text_classification.jsonl", root / "rt-polarity" / "train.jsonl")
    shutil.copy(FIXTURE_DATA / "unlabeled.jsonl", root / "rt-polarity" / "unlabeled-plot.jsonl")
    return root


def printed(capsys):
    """(table lines, the JSON line) of what a bench printed."""
    lines = capsys.readouterr().out.strip().splitlines()
    return lines[:-1], json.loads(lines[-1])


def check_row(row: dict) -> None:
    assert row["median_step_ms"] > 0 and row["ratio_to_vanilla"] > 0 and row["memory_mb"] > 0


def test_bench_table_has_a_row_per_technique_and_stream(data_dir, capsys):
    argv = ["--data-dir", str(data_dir), "--steps", "2", "--warmup", "0", "--threads", "1"]
    argv += ["--batch-size", "4", "--techniques", "attention_iat", "word_iat", "word_vat"]
    argv += ["--streams", "attention_vat+plot", "attention_ivat+train"]
    results = techniques.main(argv)
    names = ["vanilla", "attention_iat", "word_iat", "word_vat"]
    names += ["attention_vat+plot", "attention_ivat+train"]
    assert list(results) == names
    for row in results.values():
        check_row(row)
    assert results["vanilla"]["ratio_to_vanilla"] == 1.0
    for name in ("attention_vat+plot", "attention_ivat+train"):
        ratio = results[name]["unlabeled_per_labeled_token"]
        # (computed from the unrounded ratio)
        assert ratio > 0 and results[name]["target_ratio"] == pytest.approx(
            1.2 * (1 + ratio), abs=2e-3
        )
    # the unlabeled plots are longer than the labeled sentences; `train` reads the same texts
    assert results["attention_vat+plot"]["unlabeled_per_labeled_token"] > 1.0
    assert "unlabeled_per_labeled_token" not in results["word_vat"]
    assert results["word_iat"]["one_time_search_s"] >= 0
    table, line = printed(capsys)
    assert table[0].split() == [
        "technique",
        "median",
        "ms",
        "x",
        "vanilla",
        "U/L",
        "1.2(1+U/L)",
    ] + [
        "saved-for-backward",
        "MB",
    ]
    assert [row.split()[0] for row in table[1 : 1 + len(names)]] == names
    for row in table[1 : 1 + len(names)]:
        name, *cells = row.split()
        expected = [results[name]["median_step_ms"], results[name]["ratio_to_vanilla"]]
        if "+" in name:
            expected += [
                results[name]["unlabeled_per_labeled_token"],
                results[name]["target_ratio"],
            ]
        expected.append(results[name]["memory_mb"])
        assert [float(c) for c in cells] == pytest.approx(expected, abs=0.051)
    assert table[-1].startswith("word_iat: the one-time search of the neighbours of all")
    assert line["results"] == results
    assert (line["steps"], line["batch_size"], line["threads"]) == (2, 4, 1)


def test_transformer_bench_table_has_a_row_per_technique_and_layers(data_dir, capsys):
    argv = ["--data-dir", str(data_dir), "--steps", "2", "--warmup", "0", "--batch-size", "4"]
    results = transformer.main(argv + ["--techniques", "attention_at", "attention_ivat"])
    names = ["vanilla", "attention_at@last", "attention_at@all"]
    names += ["attention_ivat@last", "attention_ivat@all"]
    assert list(results) == names
    for row in results.values():
        check_row(row)
    assert results["vanilla"]["ratio_to_vanilla"] == 1.0
    table, line = printed(capsys)
    assert table[0].split() == [
        "Transformer:",
        "technique@layers",
        "median",
        "ms",
        "x",
        "vanilla",
        "target",
        "saved",
        "MB",
    ]
    targets = {"vanilla": None, "@last": 1.3, "@all": 2.1}
    for name, row in zip(names, table[1:]):
        cells = row.split()
        assert cells[0] == name
        assert float(cells[1]) == pytest.approx(results[name]["median_step_ms"], abs=0.051)
        assert float(cells[2]) == pytest.approx(results[name]["ratio_to_vanilla"], abs=5e-4)
        target = next(t for suffix, t in targets.items() if name.endswith(suffix))
        assert (float(cells[3]) if len(cells) == 5 else None) == target
    assert line["results"] == results and line["model"] == "transformer"


def test_lstm_bench_table_has_a_row_per_length(capsys):
    results = lstm.main(["--lengths", "6", "12", "--batch-size", "3", "--steps", "2"])
    assert list(results) == ["6", "12"]
    for row in results.values():
        assert row["packed"] > 0 and row["unpacked"] > 0
        assert row["ratio"] == pytest.approx(row["packed"] / row["unpacked"])
    table, line = printed(capsys)
    assert table[0].split() == ["max", "length", "packed", "s", "unpacked", "s", "ratio"]
    assert [row.split()[0] for row in table[1:]] == ["6", "12"]
    assert line == results


def test_bench_output_renders_into_the_doc_between_its_markers(data_dir, tmp_path, capsys):
    argv = ["--data-dir", str(data_dir), "--steps", "2", "--warmup", "0", "--threads", "1"]
    argv += ["--batch-size", "4", "--techniques", "word_at", "--streams", "word_vat+plot"]
    outputs = [tmp_path / "bilstm.json", tmp_path / "again.json"]
    for output in outputs:
        results = techniques.main(argv + ["--output", str(output)])
    saved = json.loads(outputs[1].read_text())
    assert saved["results"] == results and saved["command"].endswith(f"--output {outputs[1]}")
    # the targets: the for a technique, 1.2 x (1 + U/L) for a stream row
    assert results["word_at"]["target"] == 2.1 and "target" not in results["vanilla"]
    stream = results["word_vat+plot"]
    assert stream["target"] == stream["target_ratio"]
    assert stream["met"] == (stream["ratio_to_vanilla"] <= stream["target"])
    doc = tmp_path / "doc.md"
    doc.write_text("before\n<!-- bench:bilstm -->\nold\n<!-- /bench:bilstm -->\nafter\n")
    techniques.main(["--render", str(outputs[0]), "--into", str(doc)])
    text = doc.read_text()
    assert (
        text.startswith("before\n<!-- bench:bilstm -->\n<!-- generated from ") and "old" not in text
    )
    assert text.endswith("<!-- /bench:bilstm -->\nafter\n")
    first = json.loads(outputs[0].read_text())["results"]
    row = next(line for line in text.splitlines() if line.startswith("| word_at |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    met = "yes" if first["word_at"]["met"] else "**no**"
    assert cells == [
        "word_at",
        f"{first['word_at']['median_step_ms']:.1f}",
        f"{first['word_at']['ratio_to_vanilla']:.3f}",
        "",
        "<= 2.1",
        met,
        f"{first['word_at']['memory_mb']:.1f}",
    ]
    # several runs: x vanilla side by side, met only when every run meets the target
    techniques.main(["--render", *map(str, outputs), "--into", str(doc)])
    row = next(line for line in doc.read_text().splitlines() if line.startswith("| word_at |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    ratios = [json.loads(o.read_text())["results"]["word_at"]["ratio_to_vanilla"] for o in outputs]
    assert cells[1:3] == [f"{r:.3f}" for r in ratios] and cells[3] == "<= 2.1"
    assert cells[4] == ("yes" if max(ratios) <= 2.1 else "**no**")
    with pytest.raises(SystemExit, match="no lines <!-- bench:bilstm -->"):
        techniques.main(["--render", str(outputs[0]), "--into", str(tmp_path / "bilstm.json")])
