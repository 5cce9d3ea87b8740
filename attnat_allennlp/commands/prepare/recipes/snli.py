"""SNLI 1.0: the jsonl files as they are."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    copy_splits,
    download,
    require_path,
)


def prepare_snli(options: PrepareOptions) -> Splits:
    root = download(options.source)
    return copy_splits(
        {
            split: require_path(root, f"snli_1.0/snli_1.0_{split}.jsonl", options.source)
            for split in ("train", "dev", "test")
        },
        options.output_dir,
        "jsonl",
    )


RECIPES: Dict[str, DatasetRecipe] = {
    "snli": DatasetRecipe(
        "https://nlp.stanford.edu/projects/snli/snli_1.0.zip",
        prepare_snli,
        "snli_1.0_{train,dev,test}.jsonl as they are -> {train,dev,test}.jsonl.",
    ),
}
