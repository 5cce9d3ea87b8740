"""MultiNLI 1.0: train -> train + dev, dev_matched -> test."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    carve_dev,
    read_lines,
    source_files,
    write_lines,
)


def prepare_multinli(options: PrepareOptions) -> Splits:
    files = source_files(
        options,
        {
            "train": "multinli_1.0/multinli_1.0_train.jsonl",
            "test": "multinli_1.0/multinli_1.0_dev_matched.jsonl",
        },
    )
    train, dev = carve_dev(read_lines(files["train"]), options.seed, options.dev_fraction)
    return {
        split: write_lines(options.output_dir / f"{split}.jsonl", lines)
        for split, lines in (("train", train), ("dev", dev), ("test", read_lines(files["test"])))
    }


RECIPES: Dict[str, DatasetRecipe] = {
    "multinli": DatasetRecipe(
        "https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip",
        prepare_multinli,
        "MultiNLI train -> train + dev (carved); dev_matched -> test (the test labels are not public).",
    ),
}
