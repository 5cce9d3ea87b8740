"""The Stanford Sentiment Treebank: the PTB tree files as they are."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    copy_splits,
    download,
    require_path,
)


def prepare_sst(options: PrepareOptions) -> Splits:
    root = download(options.source)
    return copy_splits(
        {
            split: require_path(root, f"trees/{split}.txt", options.source)
            for split in ("train", "dev", "test")
        },
        options.output_dir,
        "txt",
    )


RECIPES: Dict[str, DatasetRecipe] = {
    "sst": DatasetRecipe(
        "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
        prepare_sst,
        "SST trees/{train,dev,test}.txt as they are -> {train,dev,test}.txt (read by attnat_sst).",
    ),
}
