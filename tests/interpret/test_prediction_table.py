import json

from attnat_allennlp.interpret.prediction_table import format_table


def test_one_short_row_per_prediction_and_error():
    lines = [
        json.dumps(
            {
                "label": "positive",
                "label_probs": {"positive": 0.912345678901234567, "negative": 0.087654321},
                "tokens": ["a", "gorgeous", ",", "witty", "film"],
                "attention": [0.1, 0.5, 0.05, 0.3, 0.05],
            }
        ),
        "",
        json.dumps({"error": "empty text", "line": 3, "input": ""}),
    ]
    table = format_table(lines, width=80).splitlines()
    assert len(table) == 4  # header, rule, two rows
    assert table[2].split() == ["1", "positive", "0.91", "gorgeous", "0.50,", "witty", "0.30,",
                                "a", "0.10", "a", "gorgeous", ",", "witty", "film"]  # fmt: skip
    assert table[3].split()[:2] == ["3", "error"]
    assert all(len(row) <= 80 for row in table)
    assert "0.9123" not in "\n".join(table)
