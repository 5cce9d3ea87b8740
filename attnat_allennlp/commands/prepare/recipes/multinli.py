"""MultiNLI 1.0: train -> train + dev, dev_matched -> test."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    carve_dev,
    download,
    read_lines,
    require_path,
    write_lines,
)


def prepare_multinli(options: PrepareOptions) -> Splits:
    root = download(options.source)
    train = read_lines(require_path(root, "multinli_1.0/multinli_1.0_train.jsonl", options.source))
    test = read_lines(
        require_path(root, "multinli_1.0/multinli_1.0_dev_matched.jsonl", options.source)
    )
    train, dev = carve_dev(train, options.seed, options.dev_fraction)
    return {
        split: write_lines(options.output_dir / f"{split}.jsonl", lines)
        for split, lines in (("train", train), ("dev", dev), ("test", test))
    }


RECIPES: Dict[str, DatasetRecipe] = {
    "multinli": DatasetRecipe(
        "https://cims.nyu.edu/~sbowman/multinli/multinli_1.0.zip",
        prepare_multinli,
        "MultiNLI train -> train + dev (carved); dev_matched -> test (the test labels are not public).",
    ),
}
