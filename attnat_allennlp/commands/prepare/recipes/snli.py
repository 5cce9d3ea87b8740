"""SNLI 1.0: the jsonl files as they are."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, copied_splits

RECIPES: Dict[str, DatasetRecipe] = {
    "snli": DatasetRecipe(
        "https://nlp.stanford.edu/projects/snli/snli_1.0.zip",
        copied_splits("snli_1.0/snli_1.0_{split}.jsonl", "jsonl"),
        "snli_1.0_{train,dev,test}.jsonl as they are -> {train,dev,test}.jsonl.",
    ),
}
