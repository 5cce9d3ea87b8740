"""IMDB (aclImdb): reviews -> jsonl, dev carved from train."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, text_classification
from attnat_allennlp.data.dataset_readers.imdb import ImdbReader

RECIPES: Dict[str, DatasetRecipe] = {
    "imdb": DatasetRecipe(
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        text_classification(ImdbReader, "aclImdb/train", "aclImdb/test"),
        "aclImdb train/test pos+neg -> jsonl; dev carved from train.",
    ),
}
