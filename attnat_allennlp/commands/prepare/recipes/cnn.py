"""DeepMind's CNN questions: folders of .question files."""

import shutil
from typing import Dict

from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    download,
    require_path,
)


def prepare_cnn(options: PrepareOptions) -> Splits:
    root = download(options.source)
    counts = {}
    for split, folder in (("train", "training"), ("dev", "validation"), ("test", "test")):
        source = require_path(root, f"cnn/questions/{folder}", options.source)
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
