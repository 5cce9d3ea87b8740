"""
What `attention-report` and `attention-heatmap` share: the `--attention` option and the model
archive their arguments name.
"""

import argparse
from typing import Tuple

from allennlp.data import DatasetReader
from allennlp.models import Model
from allennlp.models.archival import load_archive

from attnat_allennlp.interpret.transformer_attention import EXPLANATIONS


def load_model(args: argparse.Namespace) -> Tuple[Model, DatasetReader]:
    """The model of `args.archive_file` (on `args.cuda_device`, with `args.overrides`) and its
    validation dataset reader."""
    archive = load_archive(
        args.archive_file, cuda_device=args.cuda_device, overrides=args.overrides or ""
    )
    return archive.model, archive.validation_dataset_reader


def add_attention_argument(subparser: argparse.ArgumentParser) -> None:
    """`--attention`: which attention explains a prediction (`EXPLANATIONS`)."""
    subparser.add_argument(
        "--attention",
        choices=EXPLANATIONS,
        default=None,
        help="the attention that explains a prediction: the pooling attention (the default) or, "
        "for a Transformer model, the last layer's attention from the first token (the default "
        "of a model that pools its first token), or attention rollout from the pooling weights "
        "or from the first token",
    )
