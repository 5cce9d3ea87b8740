"""
`allennlp attention-study STUDY_FILE -s OUT_DIR [--jobs N | --cuda-devices 0,1 | --executor dask
--address HOST:PORT]`: runs (or resumes) a multi-seed study and writes `runs.csv`, `summary.csv`,
`summary.md` and plots in `OUT_DIR` (see `docs/study.md`).
"""

import argparse
import json
import logging
import os
import sys
from typing import Optional, Tuple

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.interpret.transformer_attention import EXPLANATIONS
from attnat_allennlp.study.devices import DeviceSlots, parse_devices
from attnat_allennlp.study.executors import Executor
from attnat_allennlp.study.scheduler import StudyError, run_study
from attnat_allennlp.study.spec import check_attention, read_study

logger = logging.getLogger(__name__)


@Subcommand.register("attention-study")
class AttentionStudyCommand(Subcommand):
    """
    Trains every technique of a study file on its datasets with several seeds, chooses each
    technique's eps on the validation set, measures the test set (prediction, agreement of
    attention with gradient and leave-one-out importance, ERASER faithfulness, entropy,
    robustness) and summarises mean +- std over seeds with the seed-paired difference from vanilla,
    its 95% interval and p (Holm-adjusted for the study's primary measures; docs/study.md, "The
    protocol"). Resumable: the runs already in `OUT_DIR/runs.csv` are not trained again.

    Registered as a `Subcommand` with name "attention-study".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Run (or resume) a multi-seed study of training techniques and summarise it."
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("study_file", type=str, help="the study file (Jsonnet or JSON)")
        subparser.add_argument(
            "-s",
            "--serialization-dir",
            required=True,
            type=str,
            help="where the runs, runs.csv, summary.csv, summary.md and the plots go",
        )
        subparser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="worker processes training at once (each with --threads)",
        )
        subparser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
        subparser.add_argument(
            "-o", "--overrides", type=str, default="", help="overrides of the study file (JSON)"
        )
        subparser.add_argument(
            "--techniques",
            nargs="+",
            default=None,
            help="run only these techniques of the study now (the rest of runs.csv is kept)",
        )
        subparser.add_argument(
            "--remeasure",
            action="store_true",
            help="measure every recorded run whose archive is here again (after a change of the measures); "
            "runs.csv keeps the training commit and records the measuring one",
        )
        subparser.add_argument(
            "--attention",
            choices=EXPLANATIONS,
            default=None,
            help="the attention that explains a prediction in the measures (overrides the study "
            "file's measures.attention; default: the pooling attention, or the first token's for "
            "a model that pools its first token)",
        )
        subparser.add_argument(
            "--executor",
            choices=("local", "dask"),
            default="local",
            help="where the runs train: this machine (--jobs worker processes, the default) or "
            "the workers of a Dask cluster (--address; pip install attnat_allennlp[cluster])",
        )
        subparser.add_argument(
            "--address", type=str, default=None, help="the Dask scheduler's HOST:PORT"
        )
        subparser.add_argument(
            "--cuda-devices",
            type=str,
            default=None,
            help="train every run on one of these GPUs (0,1); default: the CPU",
        )
        subparser.add_argument(
            "--runs-per-device",
            type=int,
            default=1,
            help="runs that share one GPU at once (with --cuda-devices; as its memory allows)",
        )
        subparser.add_argument("--no-progress", action="store_true", help="no progress bar")
        subparser.set_defaults(func=study_from_args)
        return subparser


def _executor(args: argparse.Namespace) -> Tuple[Optional[Executor], DeviceSlots]:
    """The executor and the GPUs of the command's options (`None`: the local one of `--jobs`)."""
    kind = getattr(args, "executor", "local")
    address = getattr(args, "address", None)
    devices = DeviceSlots(
        parse_devices(getattr(args, "cuda_devices", None)), getattr(args, "runs_per_device", 1)
    )
    if kind == "dask":
        if not address:
            raise ConfigurationError("--executor dask needs --address HOST:PORT of its scheduler")
        if devices.devices:
            raise ConfigurationError(
                "--cuda-devices applies to this machine's runs; on a Dask cluster give each "
                "worker one GPU (CUDA_VISIBLE_DEVICES) and the study the override "
                'trainer.cuda_device 0 (docs/study.md, "GPUs on a cluster")'
            )
        from attnat_allennlp.study.dask_executor import DaskExecutor

        return DaskExecutor(address), devices
    if address:
        raise ConfigurationError(f"--address {address} is for --executor dask")
    if devices.devices and args.jobs > 1:
        raise ConfigurationError(
            f"--jobs {args.jobs} with --cuda-devices: the runs at once are the GPUs times "
            "--runs-per-device; leave --jobs out"
        )
    return None, devices


def study_from_args(args: argparse.Namespace) -> None:
    if args.jobs < 1 or args.threads < 1:
        raise ConfigurationError(
            f"--jobs and --threads must be at least 1, got {args.jobs} and {args.threads}"
        )
    study = read_study(args.study_file, json.loads(args.overrides) if args.overrides else None)
    if getattr(args, "attention", None) is not None:
        check_attention(args.attention, "--attention")
        study.measures["attention"] = args.attention
    if getattr(args, "techniques", None):
        unknown = sorted(set(args.techniques) - set(study.techniques))
        if unknown:
            raise ConfigurationError(
                f"--techniques {unknown} are not in {args.study_file}: {study.techniques}"
            )
        study.techniques = [t for t in study.techniques if t in args.techniques]
    logger.info(
        "study %s: %d datasets, %d techniques, %d seeds, %d runs in all",
        args.study_file,
        len(study.datasets),
        len(study.techniques),
        len(study.seeds),
        study.num_runs(),
    )
    executor, devices = _executor(args)
    try:
        run_study(
            study,
            # a cluster's workers resolve the path elsewhere: give them the whole of it
            args.serialization_dir if executor is None else os.path.abspath(args.serialization_dir),
            jobs=args.jobs,
            threads=args.threads,
            progress=not args.no_progress,
            remeasure=getattr(args, "remeasure", False),
            executor=executor,
            devices=devices,
        )
    except StudyError as error:
        logger.error("%s", error)
        sys.exit(1)
    from attnat_allennlp.study.results import read_runs
    from attnat_allennlp.study.summary import format_brief, summarize

    rows = read_runs(os.path.join(args.serialization_dir, "runs.csv"))
    print(format_brief(study, summarize(study, rows)))
    print(f"Full tables: {os.path.join(args.serialization_dir, 'summary.md')}")
