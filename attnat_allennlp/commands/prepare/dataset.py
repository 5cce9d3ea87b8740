"""
Prepares one dataset of the papers: downloads it from its official address (through `cached_path`,
so downloads are cached) and writes the splits that the configs of `training_config/` read. The
subcommand that calls it is `commands/prepare_attnat_data.py` (`allennlp prepare-attnat-data`).
"""

import logging
from pathlib import Path
from typing import Optional

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.prepare.helpers import PrepareOptions, Splits
from attnat_allennlp.commands.prepare.recipes import DATASETS

logger = logging.getLogger(__name__)

DEFAULT_SEED = 13
DEFAULT_DEV_FRACTION = 0.1

_DEFAULT_OUTPUT = {"glove-6b-50d": "data/glove"}


def default_output_dir(name: str) -> str:
    """Where the dataset `name` is written when no folder is given: `data/<name>`, `data/glove` for
    the vectors."""
    return _DEFAULT_OUTPUT.get(name, f"data/{name}")


def prepare_dataset(
    name: str,
    output_dir: Optional[str] = None,
    seed: int = DEFAULT_SEED,
    dev_fraction: float = DEFAULT_DEV_FRACTION,
    source: Optional[str] = None,
) -> Splits:
    """
    Prepares the dataset `name` (a key of `DATASETS`) into `output_dir` (default `data/<name>`,
    `data/glove` for the vectors) and returns the number of examples (lines, files or stories'
    lines) written per split.
    """
    if name not in DATASETS:
        raise ConfigurationError(f"unknown dataset {name!r}; choose from {sorted(DATASETS)}")
    if not 0.0 <= dev_fraction < 1.0:
        raise ConfigurationError(f"dev fraction must be in [0, 1), got {dev_fraction}")
    recipe = DATASETS[name]
    options = PrepareOptions(
        source=source or recipe.url,
        output_dir=Path(output_dir or default_output_dir(name)),
        seed=seed,
        dev_fraction=dev_fraction,
    )
    logger.info("Preparing %s from %s into %s", name, options.source, options.output_dir)
    counts = recipe.prepare(options)
    logger.info(
        "Wrote %s: %s", options.output_dir, ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    return counts
