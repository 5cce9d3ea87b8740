"""
The `attention-heatmap` subcommand:

    allennlp attention-heatmap MODEL.tar.gz DATA_FILE -o page.html [--report report.json]

Its work is a plain function of an `argparse.Namespace` (`heatmap_from_args`), which the tests call
in-process; the page is `interpret/heatmap.py`'s.
"""

import argparse
import json
import logging
import os
from typing import Dict

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.model_arguments import add_attention_argument, load_model
from attnat_allennlp.interpret.csv_rows import read_rows
from attnat_allennlp.interpret.heatmap import render_html
from attnat_allennlp.interpret.plots import best_metric, plot_eps_sweep, plot_report_histograms
from attnat_allennlp.interpret.report import GRADIENT_MEASURES, explain_instances, load_instances

logger = logging.getLogger(__name__)


@Subcommand.register("attention-heatmap")
class HeatmapCommand(Subcommand):
    """
    Writes a self-contained HTML page with a heat map of the attention over the words of each
    example and the gradient importance beside it (with the label and the prediction); with
    `--report` and `--sweep`, also PNG histograms of a report's per-instance measures and a plot
    of a sweep, written next to the page and embedded in it.

    Registered as a `Subcommand` with name "attention-heatmap".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Draw a model's attention and gradient importance over words, as HTML."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", type=str, help="the model archive (model.tar.gz)")
        subparser.add_argument("input_file", type=str, help="the examples, in the model's format")
        subparser.add_argument("-o", "--output", type=str, required=True, help="the HTML page")
        subparser.add_argument("--max-instances", type=int, default=20)
        subparser.add_argument("--batch-size", type=int, default=32)
        subparser.add_argument("--cuda-device", type=int, default=-1)
        subparser.add_argument("--overrides", type=str, default="")
        add_attention_argument(subparser)
        subparser.add_argument("--report", type=str, default=None, help="a report JSON to draw")
        subparser.add_argument("--sweep", type=str, default=None, help="a sweep CSV to draw")
        subparser.add_argument("--metric", type=str, default=None, help="the sweep column to plot")
        subparser.add_argument("--title", type=str, default=None)
        subparser.add_argument(
            "--gradient",
            choices=GRADIENT_MEASURES,
            default="gradient",
            help="the gradient importance drawn: 'gradient' (attention detached, the default) or "
            "'gradient_through_attention'",
        )
        subparser.set_defaults(func=heatmap_from_args)
        return subparser


def heatmap_from_args(args: argparse.Namespace) -> Dict[str, str]:
    """Writes the page (and figures); returns the paths written by kind."""
    model, reader = load_model(args)
    rows = explain_instances(
        model,
        load_instances(reader, args.input_file, args.max_instances),
        args.batch_size,
        gradient=args.gradient,
        attention=args.attention,
    )
    stem = os.path.splitext(args.output)[0]
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    written: Dict[str, str] = {}
    figures: Dict[str, str] = {}
    if args.report:
        with open(args.report) as handle:
            report = json.load(handle)
        if "instances" not in report:
            raise ConfigurationError(
                f"{args.report} has no per-instance rows (made with --no-instances)"
            )
        written["histograms"] = f"{stem}_histograms.png"
        plot_report_histograms(report, written["histograms"])
        figures["Per-instance measures"] = written["histograms"]
    if args.sweep:
        sweep_rows = read_rows(args.sweep)
        metric = best_metric(sweep_rows, args.metric)
        written["sweep"] = f"{stem}_sweep.png"
        plot_eps_sweep(sweep_rows, metric, written["sweep"])
        figures[f"{metric} against eps"] = written["sweep"]
    title = (
        args.title
        or f"Attention of {os.path.basename(args.archive_file)} on {os.path.basename(args.input_file)}"
    )
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(render_html(rows, title, figures))
    written["html"] = args.output
    logger.info("Wrote %s", ", ".join(written.values()))
    return written
