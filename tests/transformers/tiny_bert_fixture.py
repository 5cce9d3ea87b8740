"""A tiny random BERT saved as a "pretrained" directory, and the pretrained configs loaded for it."""

import json
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

import _jsonnet
import torch
from allennlp.common import Params
from allennlp.common.params import with_overrides

from helpers import CONFIGS, FIXTURES

TINY_BERT = FIXTURES / "transformer" / "tiny_bert"


def make_tiny_bert(directory: Path) -> Path:
    """A "pretrained" BERT directory from the tiny config and wordpiece vocabulary of the fixtures
    (random weights, seed 0): loads with `from_pretrained` like a downloaded model, no network."""
    from transformers import BertConfig, BertModel

    directory.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "vocab.txt", "tokenizer_config.json"):
        shutil.copy(TINY_BERT / name, directory / name)
    torch.manual_seed(0)
    BertModel(BertConfig.from_pretrained(str(TINY_BERT))).save_pretrained(str(directory))
    return directory


def load_pretrained_config(
    config: str, model_dir: Path, overrides: Optional[Dict[str, Any]] = None
) -> Params:
    """A `*_pretrained_transformer_*` config with its top-level `model_name` set to `model_dir`."""
    text = _jsonnet.evaluate_file(
        str(CONFIGS / f"{config}.jsonnet"),
        tla_codes={"model_name": json.dumps(str(model_dir)), "hidden_size": "16"},
    )
    return Params(with_overrides(json.loads(text), overrides or {}))
