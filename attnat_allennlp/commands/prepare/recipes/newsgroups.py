"""20 Newsgroups (bydate), baseball vs hockey: posts without headers, footers, quotes -> jsonl."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, text_classification
from attnat_allennlp.data.dataset_readers.newsgroups import NewsgroupsReader

RECIPES: Dict[str, DatasetRecipe] = {
    "20news": DatasetRecipe(
        "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz",
        text_classification(NewsgroupsReader, "20news-bydate-train", "20news-bydate-test"),
        "20news-bydate baseball (0) vs hockey (1), headers, footers and quoted replies removed -> jsonl; "
        "dev carved from train.",
        "../shared/data/20news",
    ),
}
