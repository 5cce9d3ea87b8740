"""
The same sentences under several models' attention, on one self-contained HTML page, with an
optional table of the models' measures on top (the subcommand `allennlp attention-compare` is
`commands/attention_compare.py`).
"""

import html
import logging
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.heatmap import render_token_cells
from attnat_allennlp.interpret.jain_wallace import jensen_shannon

logger = logging.getLogger(__name__)

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #111; background: #fff; max-width: 72em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
.tok { padding: 0.1em 0.2em; margin: 0 0.05em; border-radius: 3px; }
.example { border-top: 1px solid #ddd; padding: 0.6em 0; }
.meta { font-size: 0.85em; color: #444; margin-bottom: 0.3em; }
.wrong { font-weight: bold; text-decoration: underline; }
.scale { display: inline-block; vertical-align: middle; }
.about { font-size: 0.85em; color: #333; }
.glossary { font-size: 0.85em; color: #333; } .glossary dt { font-weight: bold; float: left; clear: left; margin-right: 0.5em; }
.glossary dd { margin: 0 0 0.2em 0; }
table.examples td.name { font-size: 0.8em; color: #555; padding-right: 0.8em; vertical-align: top; white-space: nowrap; }
table.examples td.words { line-height: 1.9em; }
table.measures { border-collapse: collapse; margin: 0.5em 0 1em 0; }
table.measures td, table.measures th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
table.measures th:first-child, table.measures td:first-child { text-align: left; }
"""
# Blue, orange, purple, grey-teal: no red/green pair that reads as negative/positive sentiment.
_COLOURS = [(37, 99, 235), (234, 120, 20), (147, 51, 234), (13, 148, 136)]

# With "absolute" shading, a weight of ABSOLUTE_FULL or more gets the full colour.
ABSOLUTE_FULL = 0.5

# The measures of the table: a short header and what it means (shown on hover and under the table).
GLOSSARY: Dict[str, Tuple[str, str]] = {
    "accuracy": ("accuracy", "share of test examples predicted right"),
    "auc": ("ROC-AUC", "area under the ROC curve of the positive class's probability"),
    "f1": ("F1", "F1 of the positive class"),
    "gradient_pearson": (
        "Pearson r (attention, gradient)",
        "mean over examples of the Pearson correlation between attention and gradient importance "
        "of the words; higher: attention agrees more with what the output is sensitive to",
    ),
    "gradient_kendall": (
        "Kendall tau (attention, gradient)",
        "the same agreement as a rank correlation (Kendall tau)",
    ),
    "comprehensiveness_aopc_attention": (
        "comprehensiveness (attention)",
        "ERASER: how much the predicted probability drops when the words with the most attention "
        "are removed, averaged over 1-50% of the words; higher: attention is more faithful",
    ),
    "sufficiency_aopc_attention": (
        "sufficiency (attention)",
        "ERASER: how much the predicted probability drops when only the words with the most "
        "attention are kept; lower: attention is more faithful",
    ),
    "entropy": (
        "attention entropy",
        "mean entropy of the attention distribution; lower: attention is sharper",
    ),
}
_ORDERS = {
    "first": "in the order of the data file",
    "different": "by how differently the first two models attend (Jensen-Shannon divergence of "
    "their attention, largest first)",
}


def attention_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """
    The Jensen-Shannon divergence (natural log, `jain_wallace.jensen_shannon`) of two attention
    distributions over the same tokens, each first scaled to sum 1 (a wordpiece model's word
    attention leaves out the special tokens).
    """
    a, b = (torch.tensor(x, dtype=torch.float64) for x in (p, q))
    return float(jensen_shannon(a / a.sum(), b / b.sum()))


def order_examples(rows_by_model: List[List[Dict[str, Any]]], order: str) -> List[int]:
    """Indices of the examples: as given (`"first"`), or by decreasing JSD between the first two models' attention (`"different"`)."""
    count = len(rows_by_model[0])
    if order == "first" or len(rows_by_model) < 2:
        return list(range(count))
    if order != "different":
        raise ConfigurationError(f"unknown order {order!r}; expected 'first' or 'different'")
    a, b = rows_by_model[0], rows_by_model[1]
    return sorted(
        range(count), key=lambda i: -attention_divergence(a[i]["attention"], b[i]["attention"])
    )


def shade_cells(tokens: Sequence[str], values: Sequence[float], colour, shading: str) -> str:
    """The words shaded by attention: relative to the row's largest weight (`"row"`, as
    `render_token_cells`) or on one scale for every row (`"absolute"`: full colour at
    `ABSOLUTE_FULL`), so that near-uniform attention looks faint."""
    if shading == "row":
        return render_token_cells(tokens, values, colour)
    if shading != "absolute":
        raise ConfigurationError(f"unknown shading {shading!r}; expected 'absolute' or 'row'")
    spans = []
    for token, value in zip(tokens, values):
        alpha = min(1.0, max(0.0, float(value)) / ABSOLUTE_FULL)
        spans.append(
            f'<span class="tok" title="{value:.4f}" style="background: rgba({colour[0]}, '
            f'{colour[1]}, {colour[2]}, {alpha:.3f})">{html.escape(token)}</span>'
        )
    return " ".join(spans)


def _legend(names: Sequence[str], shading: str) -> str:
    swatches = []
    for i, name in enumerate(names):
        colour = _COLOURS[i % len(_COLOURS)]
        steps = [0.05, 0.1, 0.25, 0.5] if shading == "absolute" else [0.1, 0.25, 0.5, 1.0]
        cells = "".join(
            f'<span class="tok" style="background: rgba{colour + (min(1.0, v / (ABSOLUTE_FULL if shading == "absolute" else 1.0)),)}">'
            f"{v:g}{'+' if shading == 'absolute' and v == ABSOLUTE_FULL else ''}</span>"
            for v in steps
        )
        swatches.append(f"<b>{html.escape(name)}</b> {cells}")
    scale = (
        f"shade = the word's attention weight on one scale for every row (full colour at "
        f"{ABSOLUTE_FULL:g} or more; a row of n words with uniform attention has 1/n each)"
        if shading == "absolute"
        else "shade = the word's attention weight relative to the largest weight of its row "
        "(every row has one fully coloured word, even when attention is near-uniform)"
    )
    return (
        f'<p class="about">Colours: {" &nbsp; ".join(swatches)}<br>{scale}; hover a word for its '
        'weight. A prediction in <span class="wrong">bold, underlined, with ✗</span> differs '
        "from the gold label; the number beside a prediction is its probability.</p>"
    )


def render_comparison(
    names: Sequence[str],
    rows_by_model: List[List[Dict[str, Any]]],
    title: str,
    measures: Optional[List[Dict[str, Any]]] = None,
    order: str = "first",
    max_examples: int = 20,
    shading: str = "absolute",
    data_file: Optional[str] = None,
    sources: Optional[Sequence[str]] = None,
) -> str:
    """
    The page: what it shows (the data file, each model's archive and seed as `sources`, the order
    of the examples), `measures` (one dict per model: name -> value) as a table with a glossary,
    a legend, then for each example its gold label, each model's prediction and each model's
    attention over the words (`shading`: `"absolute"` or `"row"`, see `shade_cells`).
    """
    if len({len(rows) for rows in rows_by_model}) != 1:
        raise ConfigurationError("every model must explain the same examples")
    if order not in _ORDERS:
        raise ConfigurationError(f"unknown order {order!r}; expected 'first' or 'different'")
    parts = [f"<h1>{html.escape(title)}</h1>"]
    shown = min(max_examples, len(rows_by_model[0]))
    about = []
    if data_file:
        about.append(f"Data: <code>{html.escape(data_file)}</code>.")
    about.append(
        f"{shown} examples, {_ORDERS[order]}"
        + (f" (among the first {len(rows_by_model[0])})" if order == "different" else "")
        + "."
    )
    if sources:
        about.append(
            "Models: "
            + "; ".join(
                f"<b>{html.escape(n)}</b>: {html.escape(str(s))}" for n, s in zip(names, sources)
            )
            + "."
        )
    parts.append(f'<p class="about">{" ".join(about)}</p>')
    if measures:
        keys = [k for k in measures[0] if any(isinstance(m.get(k), (int, float)) for m in measures)]
        parts.append(
            '<table class="measures"><tr><th>model</th>'
            + "".join(
                f'<th title="{html.escape(GLOSSARY.get(k, (k, ""))[1])}">'
                f"{html.escape(GLOSSARY.get(k, (k, ''))[0])}</th>"
                for k in keys
            )
            + "</tr>"
        )
        for name, values in zip(names, measures):
            cells = "".join(
                f"<td>{values[k]:.3f}</td>"
                if isinstance(values.get(k), (int, float)) and math.isfinite(values[k])
                else "<td></td>"
                for k in keys
            )
            parts.append(f"<tr><td>{html.escape(name)}</td>{cells}</tr>")
        parts.append("</table>")
        parts.append(
            '<dl class="glossary">'
            + "".join(
                f"<dt>{html.escape(GLOSSARY[k][0])}</dt><dd>{html.escape(GLOSSARY[k][1])} "
                f"(<code>{html.escape(k)}</code>)</dd>"
                for k in keys
                if k in GLOSSARY
            )
            + "</dl>"
        )
    parts.append(_legend(names, shading))
    for number, index in enumerate(order_examples(rows_by_model, order)[:max_examples], start=1):
        first = rows_by_model[0][index]
        meta = [f"#{number}"]
        if first.get("label") is not None:
            meta.append(f"gold label: {html.escape(str(first['label']))}")
        lines = []
        for i, (name, rows) in enumerate(zip(names, rows_by_model)):
            row = rows[index]
            wrong = row.get("label") is not None and row["label"] != row["prediction"]
            prediction = (
                f'<span class="{"wrong" if wrong else ""}">{"✗ " if wrong else ""}'
                f"{html.escape(str(row['prediction']))}</span> ({row.get('probability', 0.0):.2f})"
            )
            cells = shade_cells(
                row["tokens"], row["attention"], _COLOURS[i % len(_COLOURS)], shading
            )
            lines.append(
                f'<tr><td class="name">{html.escape(name)}: {prediction}</td>'
                f'<td class="words">{cells}</td></tr>'
            )
        parts.append(
            f'<div class="example"><div class="meta">{" &middot; ".join(meta)}</div>'
            f'<table class="examples">{"".join(lines)}</table></div>'
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )


def study_measures_beside(archives: Sequence[str]) -> Optional[List[Dict[str, Any]]]:
    """
    The measures that `attention-study` wrote beside each archive (`row.json`), restricted to the
    brief table's measures; `None` unless every archive has them.
    """
    import json
    import os

    from attnat_allennlp.interpret.catalogue import BRIEF_MEASURES

    measures = []
    for path in archives:
        row_path = os.path.join(os.path.dirname(path), "row.json")
        if not os.path.isfile(row_path):
            return None
        with open(row_path) as handle:
            row = json.load(handle)
        measures.append({k: row.get(k) for k in BRIEF_MEASURES if k in row})
    return measures


def model_seed(archive_path: str, config: Any) -> str:
    """The seed a model was trained with: `attention-study`'s `row.json` beside the archive, else
    the archive's config (`random_seed`, allennlp's default 13370 when absent)."""
    import json
    import os

    row_path = os.path.join(os.path.dirname(archive_path), "row.json")
    if os.path.isfile(row_path):
        with open(row_path) as handle:
            seed = json.load(handle).get("seed")
        if seed is not None:
            return str(seed)
    return str(config.get("random_seed", 13370))
