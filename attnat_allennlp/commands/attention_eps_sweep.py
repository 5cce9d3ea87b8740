"""
`allennlp attention-eps-sweep CONFIG --techniques attention_iat word_at --eps 1 5 -s OUT_DIR`:
trains a dataset's config with each technique at each eps (a one-seed study: `study/sweep.py`) and
writes `sweep.csv` and `sweep.png`.
"""

import argparse
import json
import logging
import os
from typing import Any, Dict, List

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.csv_rows import read_rows
from attnat_allennlp.interpret.plots import best_metric, plot_eps_sweep
from attnat_allennlp.perturbations.base import check_eps
from attnat_allennlp.study.sweep import random_eps, run_sweep

logger = logging.getLogger(__name__)


@Subcommand.register("attention-eps-sweep")
class EpsSweepCommand(Subcommand):
    """
    Trains a dataset's config with each technique at each eps (in-process), evaluates each model on
    the test set, and writes `sweep.csv` (technique, eps, test metrics, attention-gradient
    agreement) and `sweep.png` (the score against eps) to the output folder.

    Registered as a `Subcommand` with name "attention-eps-sweep".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Train and evaluate techniques over a range of eps; write a CSV and a plot."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument(
            "config",
            type=str,
            help="a dataset name (training_config/<dataset>_<technique>.jsonnet is used) or a "
            "config file <dataset>_<x>.jsonnet whose sibling technique configs are used",
        )
        subparser.add_argument("--techniques", nargs="+", required=True)
        eps = subparser.add_mutually_exclusive_group(required=True)
        eps.add_argument("--eps", nargs="+", type=float, help="the eps values")
        eps.add_argument("--random-eps", type=int, help="draw this many eps uniformly")
        subparser.add_argument(
            "--eps-range", nargs=2, type=float, default=(0.0, 30.0), metavar=("LOW", "HIGH")
        )
        subparser.add_argument("--seed", type=int, default=None, help="seed of the drawn eps")
        subparser.add_argument("-s", "--serialization-dir", type=str, required=True)
        subparser.add_argument(
            "-o",
            "--overrides",
            type=str,
            default="",
            help='config overrides (JSON, dotted keys: {"trainer.num_epochs": 2})',
        )
        subparser.add_argument("--metric", type=str, default=None, help="the CSV column to plot")
        subparser.add_argument(
            "--no-agreement",
            action="store_true",
            help="skip the attention-gradient agreement of each model on the test set",
        )
        subparser.add_argument("--max-agreement-instances", type=int, default=None)
        subparser.set_defaults(func=eps_sweep_from_args)
        return subparser


def ordered_unique(values: List[float]) -> List[float]:
    """`values` without repeats, in their order."""
    return list(dict.fromkeys(values))


def eps_sweep_from_args(args: argparse.Namespace) -> List[Dict[str, Any]]:
    if args.eps is not None:
        eps_values = [check_eps(eps, "--eps") for eps in args.eps]
        unique = ordered_unique(eps_values)
        if len(unique) < len(eps_values):
            logger.warning(
                "--eps %s: repeated values are trained once: %s",
                " ".join(f"{eps:g}" for eps in eps_values),
                " ".join(f"{eps:g}" for eps in unique),
            )
        eps_values = unique
    else:
        for end in args.eps_range:
            check_eps(end, "--eps-range")
        eps_values = random_eps(args.random_eps, *args.eps_range, seed=args.seed)
    try:
        overrides = json.loads(args.overrides) if args.overrides else {}
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"--overrides is not valid JSON: {error.msg}") from None
    os.makedirs(args.serialization_dir, exist_ok=True)
    csv_path = os.path.join(args.serialization_dir, "sweep.csv")
    rows = run_sweep(
        args.config,
        args.techniques,
        eps_values,
        args.serialization_dir,
        overrides,
        agreement=not args.no_agreement,
        max_agreement_instances=args.max_agreement_instances,
        csv_path=csv_path,
    )
    rows = read_rows(csv_path)
    plot_eps_sweep(
        rows, best_metric(rows, args.metric), os.path.join(args.serialization_dir, "sweep.png")
    )
    logger.info("Wrote %s and sweep.png", csv_path)
    return rows
