"""IMDB (aclImdb): reviews -> jsonl, dev carved from train."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    text_classification,
)
from attnat_allennlp.data.dataset_readers.imdb import ImdbReader


def prepare_imdb(options: PrepareOptions) -> Splits:
    return text_classification(ImdbReader(), "aclImdb/train", "aclImdb/test", options)


RECIPES: Dict[str, DatasetRecipe] = {
    "imdb": DatasetRecipe(
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        prepare_imdb,
        "aclImdb train/test pos+neg -> jsonl; dev carved from train.",
    ),
}
