"""
A compact table of `allennlp predict` output (the `attnat_classifier` and `attnat_pair_classifier`
predictors): one row per input line with the predicted label, its probability, the three words with
the most attention, and the text, cut to fit. Lines with an `error` show it instead.

    python -m attnat_allennlp.interpret.prediction_table predictions.jsonl [--width 100]
"""

import argparse
import json
from typing import Any, Dict, List, Optional


def _row(number: int, output: Dict[str, Any], width: int) -> str:
    if "error" in output:
        return f"{number:>3}  {'error':<9} {'':>5}  {output['error']}"[:width]
    label = str(output.get("label", "?"))
    probability = output.get("label_probs", {}).get(label)
    tokens: List[str] = output.get("words") or output.get("tokens") or []
    attention: List[float] = output.get("word_attention") or output.get("attention") or []
    top = sorted(range(min(len(tokens), len(attention))), key=lambda i: -attention[i])[:3]
    words = ", ".join(f"{tokens[i]} {attention[i]:.2f}" for i in top)
    text = " ".join(tokens)
    shown = f"{probability:.2f}" if isinstance(probability, float) else "  -  "
    row = f"{number:>3}  {label:<9} {shown:>5}  {words:<34} {text}"
    return row if len(row) <= width else row[: width - 3] + "..."


def format_table(lines: List[str], width: int = 100) -> str:
    header = f"{'#':>3}  {'label':<9} {'p':>5}  {'most attention (weight)':<34} tokens"
    rows = [header, "-" * min(width, len(header) + 40)]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            rows.append(_row(number, json.loads(line), width))
    return "\n".join(rows)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", help="the --output-file of allennlp predict")
    parser.add_argument("--width", type=int, default=100, help="the most characters a row")
    args = parser.parse_args(argv)
    with open(args.predictions, encoding="utf-8") as handle:
        print(format_table(handle.read().splitlines(), args.width))


if __name__ == "__main__":
    main()
