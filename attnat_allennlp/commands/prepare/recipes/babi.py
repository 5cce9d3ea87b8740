"""bAbI tasks 1-3 (en-10k): dev = whole stories carved from train."""

from typing import Callable, Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    carve_dev,
    download,
    require_path,
    write_lines,
)
from attnat_allennlp.data.dataset_readers.babi import read_babi_stories

_BABI_TASKS = {
    "babi1": "qa1_single-supporting-fact",
    "babi2": "qa2_two-supporting-facts",
    "babi3": "qa3_three-supporting-facts",
}


def _babi(task: str) -> Callable[[PrepareOptions], Splits]:
    def prepare(options: PrepareOptions) -> Splits:
        root = download(options.source)
        stories = {
            split: list(
                read_babi_stories(
                    str(
                        require_path(
                            root,
                            f"tasks_1-20_v1-2/en-10k/{task}_{split}.txt",
                            options.source,
                            # ../shared/data/babi: the archive's en-10k folder alone.
                            f"en-10k/{task}_{split}.txt",
                            f"{task}_{split}.txt",
                        )
                    )
                )
            )
            for split in ("train", "test")
        }
        train, dev = carve_dev(stories["train"], options.seed, options.dev_fraction)
        return {
            split: write_lines(
                options.output_dir / f"{split}.txt",
                (f"{number} {text}" for story in split_stories for _, number, text in story),
            )
            for split, split_stories in (("train", train), ("dev", dev), ("test", stories["test"]))
        }

    return prepare


RECIPES: Dict[str, DatasetRecipe] = {
    **{
        name: DatasetRecipe(
            "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz",
            _babi(task),
            f"bAbI en-10k {task} -> {{train,dev,test}}.txt; dev = whole stories carved from train.",
            "../shared/data/babi" if name != "babi3" else None,
        )
        for name, task in _BABI_TASKS.items()
    },
}
