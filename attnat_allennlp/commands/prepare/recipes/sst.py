"""The Stanford Sentiment Treebank: the PTB tree files as they are."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, copied_splits

RECIPES: Dict[str, DatasetRecipe] = {
    "sst": DatasetRecipe(
        "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
        copied_splits("trees/{split}.txt", "txt"),
        "SST trees/{train,dev,test}.txt as they are -> {train,dev,test}.txt (read by attnat_sst).",
    ),
}
