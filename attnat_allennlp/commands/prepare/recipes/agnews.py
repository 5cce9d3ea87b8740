"""AG News, World vs Business -> jsonl."""

from typing import Dict

from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, text_classification
from attnat_allennlp.data.dataset_readers.agnews import AgNewsReader

RECIPES: Dict[str, DatasetRecipe] = {
    "agnews": DatasetRecipe(
        # Zhang et al.'s files live on Google Drive; this is fast.ai's copy of the same archive.
        "https://s3.amazonaws.com/fast-ai-nlp/ag_news_csv.tgz",
        text_classification(AgNewsReader, "ag_news_csv/train.csv", "ag_news_csv/test.csv"),
        "AG News World (0) vs Business (1) -> jsonl; dev carved from train.",
    ),
}
