"""DeepMind's CNN questions: folders of .question files."""

import shutil
from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    source_files,
)


def prepare_cnn(options: PrepareOptions) -> Splits:
    folders = {"train": "training", "dev": "validation", "test": "test"}
    sources = source_files(
        options, {split: f"cnn/questions/{folder}" for split, folder in folders.items()}
    )
    counts = {}
    for split, source in sources.items():
        target = options.output_dir / split
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        files = sorted(source.glob("*.question"))
        for file in files:
            shutil.copyfile(file, target / file.name)
        counts[split] = len(files)
    return counts


RECIPES: Dict[str, DatasetRecipe] = {
    "cnn": DatasetRecipe(
        # DeepMind Q&A, CNN questions (https://cs.nyu.edu/~kcho/DMQA/); a Google Drive file.
        "https://drive.google.com/uc?export=download&id=0BwmD_VLjROrfTTljRDVZMFJnVWM",
        prepare_cnn,
        "cnn/questions/{training,validation,test} -> folders {train,dev,test}/ of .question files.",
    ),
}
