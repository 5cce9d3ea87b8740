"""
The dataset recipes of `prepare-attnat-data`, one module each; `DATASETS` maps a dataset's name to
its recipe (the official address, the function that writes the splits, a description).
"""

import importlib
from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe

_MODULES = (
    "sst",
    "imdb",
    "newsgroups",
    "agnews",
    "snli",
    "multinli",
    "babi",
    "cnn",
    "rotten_tomatoes",
    "glove",
    "minilm",
)

DATASETS: Dict[str, DatasetRecipe] = {}
for _module in _MODULES:
    DATASETS.update(importlib.import_module(f"{__name__}.{_module}").RECIPES)
