"""
The same sentences under several models' attention, on one self-contained HTML page
(`allennlp attention-compare`), with an optional table of the models' measures on top.
"""

import argparse
import html
import logging
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.heatmap import render_token_cells

logger = logging.getLogger(__name__)

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #111; background: #fff; max-width: 72em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
.tok { padding: 0.1em 0.2em; margin: 0 0.05em; border-radius: 3px; }
.example { border-top: 1px solid #ddd; padding: 0.6em 0; }
.meta { font-size: 0.85em; color: #444; margin-bottom: 0.3em; }
.wrong { color: #b91c1c; font-weight: bold; }
table.examples td.name { font-size: 0.8em; color: #555; padding-right: 0.8em; vertical-align: top; white-space: nowrap; }
table.examples td.words { line-height: 1.9em; }
table.measures { border-collapse: collapse; margin: 0.5em 0 1em 0; }
table.measures td, table.measures th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
table.measures th:first-child, table.measures td:first-child { text-align: left; }
"""
_COLOURS = [(220, 38, 38), (22, 128, 61), (37, 99, 235), (147, 51, 234)]


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """The Jensen-Shannon divergence (natural log) of two attention distributions over the same tokens."""
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q) ** 2)


def order_examples(rows_by_model: List[List[Dict[str, Any]]], order: str) -> List[int]:
    """Indices of the examples: as given (`"first"`), or by decreasing JSD between the first two models' attention (`"different"`)."""
    count = len(rows_by_model[0])
    if order == "first" or len(rows_by_model) < 2:
        return list(range(count))
    if order != "different":
        raise ConfigurationError(f"unknown order {order!r}; expected 'first' or 'different'")
    a, b = rows_by_model[0], rows_by_model[1]
    return sorted(range(count), key=lambda i: -jensen_shannon(a[i]["attention"], b[i]["attention"]))


def render_comparison(
    names: Sequence[str],
    rows_by_model: List[List[Dict[str, Any]]],
    title: str,
    measures: Optional[List[Dict[str, Any]]] = None,
    order: str = "first",
    max_examples: int = 20,
) -> str:
    """
    The page: `measures` (one dict per model: name -> value) as a table, then for each example its
    gold label, each model's prediction and each model's attention over the words (shade relative
    to the largest weight of that model's row).
    """
    if len({len(rows) for rows in rows_by_model}) != 1:
        raise ConfigurationError("every model must explain the same examples")
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if measures:
        keys = [k for k in measures[0] if any(isinstance(m.get(k), (int, float)) for m in measures)]
        parts.append(
            '<table class="measures"><tr><th>model</th>'
            + "".join(f"<th>{html.escape(k)}</th>" for k in keys)
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
    legend = " ".join(
        f'<span class="tok" style="background: rgba{_COLOURS[i % len(_COLOURS)] + (0.7,)}">{html.escape(n)}</span>'
        for i, n in enumerate(names)
    )
    parts.append(
        f"<p>Attention of each model over the same words (shade relative to the row's largest weight): {legend}</p>"
    )
    for number, index in enumerate(order_examples(rows_by_model, order)[:max_examples], start=1):
        first = rows_by_model[0][index]
        meta = [f"#{number}"]
        if first.get("label") is not None:
            meta.append(f"label: {html.escape(str(first['label']))}")
        lines = []
        for i, (name, rows) in enumerate(zip(names, rows_by_model)):
            row = rows[index]
            wrong = row.get("label") is not None and row["label"] != row["prediction"]
            prediction = (
                f'<span class="{"wrong" if wrong else ""}">{html.escape(str(row["prediction"]))} '
                f"({row.get('probability', 0.0):.2f})</span>"
            )
            lines.append(
                f'<tr><td class="name">{html.escape(name)}: {prediction}</td><td class="words">'
                f"{render_token_cells(row['tokens'], row['attention'], _COLOURS[i % len(_COLOURS)])}</td></tr>"
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


@Subcommand.register("attention-compare")
class AttentionCompareCommand(Subcommand):
    """
    Writes one HTML page that shows the same examples under several models' attention, with each
    model's prediction, and (with `--measures`) a table of the models' measures.

    Registered as a `Subcommand` with name "attention-compare".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Show the same examples under several models' attention on one HTML page."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("input_file", type=str, help="the examples, in the models' format")
        subparser.add_argument("archives", nargs="+", help="model archives (model.tar.gz)")
        subparser.add_argument("--names", nargs="+", default=None, help="a name per archive")
        subparser.add_argument("-o", "--output", type=str, required=True, help="the HTML page")
        subparser.add_argument("--max-instances", type=int, default=20)
        subparser.add_argument(
            "--order",
            choices=("first", "different"),
            default="first",
            help="first: file order; different: largest attention JSD between the first two models first",
        )
        subparser.add_argument(
            "--candidates",
            type=int,
            default=500,
            help="with --order different, how many examples to rank",
        )
        subparser.add_argument(
            "--measures",
            type=str,
            default=None,
            help="a JSON list of one measures dict per archive, shown as a table "
            "(default: the row.json that attention-study writes beside an archive)",
        )
        subparser.add_argument("--title", type=str, default="Attention, model by model")
        subparser.set_defaults(func=compare_from_args)
        return subparser


def study_measures_beside(archives: Sequence[str]) -> Optional[List[Dict[str, Any]]]:
    """
    The measures that `attention-study` wrote beside each archive (`row.json`), restricted to the
    brief table's measures; `None` unless every archive has them.
    """
    import json
    import os

    from attnat_allennlp.study.summary import BRIEF_MEASURES

    measures = []
    for path in archives:
        row_path = os.path.join(os.path.dirname(path), "row.json")
        if not os.path.isfile(row_path):
            return None
        with open(row_path) as handle:
            row = json.load(handle)
        measures.append({k: row.get(k) for k in BRIEF_MEASURES if k in row})
    return measures


def compare_from_args(args: argparse.Namespace) -> str:
    import json

    from allennlp.models.archival import load_archive

    from attnat_allennlp.interpret.report import explain_instances, load_instances

    names = args.names or [f"model {i + 1}" for i in range(len(args.archives))]
    if len(names) != len(args.archives):
        raise ConfigurationError(
            f"--names has {len(names)} names for {len(args.archives)} archives"
        )
    count = (
        args.max_instances if args.order == "first" else max(args.candidates, args.max_instances)
    )
    rows_by_model = []
    kinds: List[Tuple[str, str]] = []  # (archive, kind of model) of the archives loaded so far
    for path in args.archives:
        archive = load_archive(path)
        kinds.append((path, archive.config.get("model").get("type", type(archive.model).__name__)))
        if kinds[-1][1] != kinds[0][1]:
            raise ConfigurationError(
                "attention-compare shows models of one kind side by side, on the same examples: "
                + ", ".join(f"{name} holds a {kind!r} model" for name, kind in kinds)
            )
        instances = load_instances(archive.validation_dataset_reader, args.input_file, count)
        rows_by_model.append(explain_instances(archive.model, instances))
    measures = None
    if args.measures:
        with open(args.measures) as handle:
            measures = json.load(handle)
    else:
        measures = study_measures_beside(args.archives)
    page = render_comparison(
        names, rows_by_model, args.title, measures, args.order, args.max_instances
    )
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(page)
    logger.info("wrote %s", args.output)
    return args.output
