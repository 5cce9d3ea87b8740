"""
How many words of a dataset's training vocabulary have a pretrained vector, in each vectors file:
the offline GloVe 6B 50d subset of `../shared/data/glove` and the full vectors that
`allennlp prepare-attnat-data glove-6b-50d` writes. A word without a vector starts random.

    python -m attnat_allennlp.data.vector_coverage            # writes docs/results/vector_coverage.json
    python -m attnat_allennlp.data.vector_coverage --render   # the table of docs/datasets.md from it

The vocabulary is the one training builds: the config's reader and tokenizer over the training
file, the words of at least the config's `min_count` (digits already replaced as the config does).
"""

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

from allennlp.common import Params
from allennlp.data import DatasetReader

from attnat_allennlp.compat import jsonnet_library
from attnat_allennlp.doc_blocks import write_between

RESULT = Path("docs/results/vector_coverage.json")
DOC = Path("docs/datasets.md")
BEGIN = "<!-- vector-coverage: generated from docs/results/vector_coverage.json by python -m attnat_allennlp.data.vector_coverage --render -->"
END = "<!-- /vector-coverage -->"
VECTORS = {
    "subset": "../shared/data/glove/glove.6B.50d.subset.txt.gz",
    "full": "data/glove/glove.6B.50d.txt.gz",
}
# The configs whose dataset is read; (name, config, training file override or None).
DATASETS = {
    "sst": "training_config/sst_vanilla.jsonnet",
    "rt_polarity": "training_config/rt_polarity_vanilla.jsonnet",
    "movie_reviews": "training_config/movie_reviews_vanilla.jsonnet",
    "20news": "training_config/20news_vanilla.jsonnet",
    "vitaminc": "training_config/vitaminc_vanilla.jsonnet",
}


def vector_words(path: str) -> Set[str]:
    """The words of a GloVe-format file (`word v1 ... vd` lines, gzip or plain)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return {line.split(" ", 1)[0] for line in lines}


def training_counts(config: str) -> Dict[str, int]:
    """Word counts of the `tokens` namespace over the config's training file, as training reads it."""
    jsonnet_library.install()
    params = Params.from_file(config)
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    counts: Counter = Counter()
    for instance in reader.read(params.pop("train_data_path")):
        for field in instance.fields.values():
            tokens = getattr(field, "tokens", None)
            if tokens is not None:
                counts.update(token.text for token in tokens)
    return dict(counts)


def coverage(counts: Dict[str, int], min_count: int, words: Set[str]) -> Dict[str, float]:
    """Types and tokens of the vocabulary (words seen at least `min_count` times) with a vector."""
    vocabulary = {word: n for word, n in counts.items() if n >= min_count}
    covered = {word: n for word, n in vocabulary.items() if word in words}
    return {
        "types": len(vocabulary),
        "types_without_vector": len(vocabulary) - len(covered),
        "type_coverage": round(len(covered) / max(len(vocabulary), 1), 4),
        "token_coverage": round(sum(covered.values()) / max(sum(vocabulary.values()), 1), 4),
    }


def measure(names: Iterable[str]) -> Dict[str, Dict]:
    vectors = {name: vector_words(path) for name, path in VECTORS.items() if Path(path).exists()}
    result = {}
    for name in names:
        config = DATASETS[name]
        min_count = Params.from_file(config).get("vocabulary").get("min_count").get("tokens", 1)
        counts = training_counts(config)
        result[name] = {
            "config": config,
            "min_count": min_count,
            **{f"{kind}": coverage(counts, min_count, words) for kind, words in vectors.items()},
        }
    return {"vectors": VECTORS, "datasets": result}


def render(result: Dict) -> str:
    """The table of docs/datasets.md (between its markers) from `measure`'s result."""
    lines = [
        "| dataset | vocabulary (train, min_count) | no vector in the subset | "
        "no vector in the full 6B 50d | tokens covered (subset / full) |",
        "|---|---|---|---|---|",
    ]
    for name, row in result["datasets"].items():
        subset, full = row.get("subset"), row.get("full")
        lines.append(
            f"| {name} | {subset['types']:,} ({row['min_count']}) "
            f"| {subset['types_without_vector']:,} | "
            + (f"{full['types_without_vector']:,}" if full else "not measured")
            + f" | {subset['token_coverage']:.1%} / "
            + (f"{full['token_coverage']:.1%}" if full else "-")
            + " |"
        )
    return "\n".join(lines)


def write_doc(result: Dict, doc: Path = DOC) -> None:
    write_between(doc, BEGIN, END, f"\n{render(result)}\n")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--render", action="store_true", help="only rewrite the doc's table")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    args = parser.parse_args(argv)
    if not args.render:
        RESULT.write_text(json.dumps(measure(args.datasets), indent=2) + "\n")
    write_doc(json.loads(RESULT.read_text()))


if __name__ == "__main__":
    main()
