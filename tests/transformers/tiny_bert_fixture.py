"""The tiny "pretrained" BERT of the fixtures, and the pretrained configs loaded for it."""

import json
from pathlib import Path
from typing import Any, Dict, Optional

import _jsonnet
from allennlp.common import Params
from allennlp.common.params import with_overrides

from helpers import CONFIGS, FIXTURES

# A BERT of 2 layers, 2 heads, hidden size 16 and 852 wordpieces with random weights (seeded,
# float16, 45 KB; written by tests/fixtures/transformer/make_tiny_bert.py): a folder that
# `from_pretrained` loads like a downloaded model, offline.
TINY_BERT = FIXTURES / "transformer" / "tiny_bert"


def load_pretrained_config(
    config: str, model_dir: Path, overrides: Optional[Dict[str, Any]] = None
) -> Params:
    """A pretrained-model config (`*_pretrained_transformer_*`, `*_minilm_*`) with its top-level
    `model_name` set to `model_dir` (`hidden_size` 16, the tiny BERT's)."""
    text = _jsonnet.evaluate_file(
        str(CONFIGS / f"{config}.jsonnet"),
        tla_codes={"model_name": json.dumps(str(model_dir)), "hidden_size": "16"},
    )
    return Params(with_overrides(json.loads(text), overrides or {}))
