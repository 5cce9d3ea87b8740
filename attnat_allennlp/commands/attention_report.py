"""
The `attention-report` subcommand:

    allennlp attention-report MODEL.tar.gz DATA_FILE --output report.json [--rationales DIR]

Its work is a plain function of an `argparse.Namespace` (`attention_report_from_args`), which the
tests call in-process; the measures are `interpret/report.py`'s.
"""

import argparse
import json
import logging
import os
from typing import Any, Dict

from allennlp.commands.subcommand import Subcommand

from attnat_allennlp.commands.model_arguments import add_attention_argument, load_model
from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS
from attnat_allennlp.interpret.rationales import read_eraser
from attnat_allennlp.interpret.report import (
    GRADIENT_MEASURES,
    ReportOptions,
    attention_report,
    format_report,
    load_instances,
    rationale_report,
)
from attnat_allennlp.interpret.robustness import DEFAULT_ROBUSTNESS_EPS

logger = logging.getLogger(__name__)


def _add_model_arguments(subparser: argparse.ArgumentParser) -> None:
    subparser.add_argument("archive_file", type=str, help="the model archive (model.tar.gz)")
    subparser.add_argument(
        "input_file", type=str, help="the data to explain, in the model's format"
    )
    subparser.add_argument("--max-instances", type=int, default=None, help="use only the first N")
    subparser.add_argument("--batch-size", type=int, default=32)
    subparser.add_argument("--cuda-device", type=int, default=-1, help="GPU id; -1 for the CPU")
    subparser.add_argument(
        "-o", "--overrides", type=str, default="", help="overrides of the archived config (JSON)"
    )
    add_attention_argument(subparser)


@Subcommand.register("attention-report")
class AttentionReportCommand(Subcommand):
    """
    Writes a JSON report of how well a model's attention explains its predictions on a data file:
    the model's metrics; Pearson r, Kendall tau (and the share with p <= 0.05), Spearman rho and
    the top-k Kendall distance of attention with gradient importance (attention detached, Jain &
    Wallace's, unless `--gradient gradient_through_attention`) and leave-one-out importance; the
    attention's entropy; ERASER's comprehensiveness and sufficiency (AOPC) of attention, gradient
    and random rankings; accuracy under worst-case perturbations of the attention scores and word
    embeddings; agreement with ERASER-style human rationales (AUPRC, top-k token F1); and Jain &
    Wallace's permutation and adversarial-attention checks. Prints a short table.

    Registered as a `Subcommand` with name "attention-report".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Measure how well a model's attention explains its predictions."
        subparser = parser.add_parser(self.name, description=description, help=description)
        _add_model_arguments(subparser)
        # _add_model_arguments uses -o for overrides; the report file is --output only.
        subparser.add_argument("--output", type=str, default=None, help="the report JSON file")
        subparser.add_argument(
            "--rationales",
            type=str,
            default=None,
            help="an ERASER dataset folder ({split}.jsonl and docs/) for rationale agreement",
        )
        subparser.add_argument("--rationale-split", type=str, default="test")
        subparser.add_argument(
            "--top-k",
            type=int,
            default=None,
            help="k of the top-k token F1 (default: the number of rationale tokens)",
        )
        subparser.add_argument("--num-permutations", type=int, default=100)
        subparser.add_argument("--adversarial-steps", type=int, default=100)
        subparser.add_argument("--tvd-threshold", type=float, default=0.01)
        subparser.add_argument(
            "--no-leave-one-out", action="store_true", help="skip leave-one-out importance"
        )
        subparser.add_argument(
            "--no-attack",
            action="store_true",
            help="skip the word-substitution attack (about 100 forward passes per example)",
        )
        subparser.add_argument(
            "--no-stability",
            action="store_true",
            help="skip the attention's stability under noise and the attack (SEAT)",
        )
        subparser.add_argument(
            "--gradient",
            choices=GRADIENT_MEASURES,
            default="gradient",
            help="gradient importance: 'gradient' (attention detached, as Jain & Wallace compute "
            "it; the default) or 'gradient_through_attention'",
        )
        subparser.add_argument(
            "--attributions",
            nargs="*",
            choices=ATTRIBUTION_METHODS,
            default=list(ATTRIBUTION_METHODS),
            help="standard attributions (Captum) computed beside attention: agreement, AOPC and "
            "plausibility of each (default: all; none: skip them)",
        )
        subparser.add_argument(
            "--no-faithfulness",
            action="store_true",
            help="skip ERASER's comprehensiveness and sufficiency",
        )
        for target, perturbed in (("scores", "attention-score"), ("embeddings", "word-embedding")):
            subparser.add_argument(
                f"--robustness-eps-{target}",
                nargs="*",
                type=float,
                default=list(DEFAULT_ROBUSTNESS_EPS[target]),
                help=f"eps of the worst-case {perturbed} perturbations (none: skip)",
            )
        subparser.add_argument(
            "--no-instances",
            action="store_true",
            help="leave the per-instance rows out of the JSON",
        )
        subparser.add_argument("--seed", type=int, default=0)
        subparser.set_defaults(func=attention_report_from_args)
        return subparser


def attention_report_from_args(args: argparse.Namespace) -> Dict[str, Any]:
    model, reader = load_model(args)
    instances = load_instances(reader, args.input_file, args.max_instances)
    report = attention_report(
        model,
        instances,
        ReportOptions(
            batch_size=args.batch_size,
            leave_one_out=not args.no_leave_one_out,
            num_permutations=args.num_permutations,
            adversarial_steps=args.adversarial_steps,
            tvd_threshold=args.tvd_threshold,
            seed=args.seed,
            gradient=args.gradient,
            faithfulness=not args.no_faithfulness,
            attention=args.attention,
            attributions=tuple(args.attributions),
            attack=not args.no_attack,
            stability=not args.no_stability,
            robustness_eps={
                "scores": args.robustness_eps_scores,
                "embeddings": args.robustness_eps_embeddings,
            },
        ),
    )
    report = {"model": args.archive_file, "data": args.input_file, **report}
    if args.rationales:
        examples = read_eraser(args.rationales, args.rationale_split)
        report["rationales"] = rationale_report(
            model, reader, examples, args.top_k, args.batch_size, args.gradient
        )
    if args.no_instances:
        report.pop("instances")
    print(format_report(report))
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as handle:
            json.dump(report, handle, indent=2)
        logger.info("Wrote the report to %s", args.output)
    return report
