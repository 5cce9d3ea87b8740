"""
The `attention-compare` subcommand: the same sentences under several models' attention, on one
self-contained HTML page (`study/compare.py` `render_comparison`), with an optional table of the
models' measures on top.

    allennlp attention-compare DATA_FILE MODEL.tar.gz [MODEL.tar.gz ...] -o page.html
"""

import argparse
import json
import logging
from typing import List, Tuple

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

from attnat_allennlp.interpret.report import explain_instances, load_instances
from attnat_allennlp.study.compare import (
    ABSOLUTE_FULL,
    model_seed,
    render_comparison,
    study_measures_beside,
)

logger = logging.getLogger(__name__)


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
        subparser.add_argument(
            "--shading",
            choices=("absolute", "row"),
            default="absolute",
            help=f"absolute: one scale for every row (full colour at a weight of {ABSOLUTE_FULL}); "
            "row: relative to each row's largest weight",
        )
        subparser.add_argument("--title", type=str, default="Attention, model by model")
        subparser.set_defaults(func=compare_from_args)
        return subparser


def compare_from_args(args: argparse.Namespace) -> str:
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
    sources = []
    for path in args.archives:
        archive = load_archive(path)
        kinds.append((path, archive.config.get("model").get("type", type(archive.model).__name__)))
        if kinds[-1][1] != kinds[0][1]:
            raise ConfigurationError(
                "attention-compare shows models of one kind side by side, on the same examples: "
                + ", ".join(f"{name} holds a {kind!r} model" for name, kind in kinds)
            )
        sources.append(f"{path}, seed {model_seed(path, archive.config)}")
        instances = load_instances(archive.validation_dataset_reader, args.input_file, count)
        rows_by_model.append(explain_instances(archive.model, instances))
    measures = None
    if args.measures:
        with open(args.measures) as handle:
            measures = json.load(handle)
    else:
        measures = study_measures_beside(args.archives)
    page = render_comparison(
        names,
        rows_by_model,
        args.title,
        measures,
        args.order,
        args.max_instances,
        shading=getattr(args, "shading", "absolute"),
        data_file=args.input_file,
        sources=sources,
    )
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(page)
    logger.info("wrote %s", args.output)
    return args.output
