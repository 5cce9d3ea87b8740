"""Writes training_config/<dataset>_<technique>.jsonnet for every dataset and technique of lib/,
and the MiniLM configs `<dataset>_minilm[_cls]_<technique>.jsonnet` (`MINILM_*` below).

Run from anywhere: `python training_config/generate.py` (needs the `jsonnet` module for the lists;
the names are read from lib/datasets.libsonnet and lib/techniques.libsonnet).
"""

import json
from pathlib import Path

import _jsonnet

HERE = Path(__file__).resolve().parent
TEMPLATE = """local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['{dataset}'], lib.techniques.{technique})
"""
# all-MiniLM-L6-v2 fine-tuned (lib/transformer.libsonnet's `pretrained`, or `pretrained_cls` for
# first-token pooling: `_minilm_cls_`): the model is a top-level argument, `model_name` (default
# data/minilm, written by `allennlp prepare-attnat-data minilm`) with its `hidden_size`.
MINILM_TEMPLATE = """local tlib = import 'lib/transformer.libsonnet';
function(model_name=tlib.minilm.model_name, hidden_size=tlib.minilm.hidden_size)
  tlib.{function}(tlib.datasets['{dataset}'], tlib.techniques.{technique}, model_name, hidden_size=hidden_size)
"""
MINILM_DATASETS = ("sst", "rt_polarity", "vitaminc")
# The pair model compares the premise's attention with the hypothesis: it has no first-token pooling.
MINILM_CLS_DATASETS = ("sst", "rt_polarity")
MINILM_TECHNIQUES = (
    "vanilla",
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_vat",
    "attention_ivat",
    "attention_at_all_layers",
    "attention_iat_all_layers",
    "attention_vat_all_layers",
    "word_at",
)
# Configs kept by hand (other names for a technique).
ALIASES = {"snli_iat": ("snli", "attention_iat")}


def names(libsonnet: str):
    return sorted(
        json.loads(
            _jsonnet.evaluate_snippet(
                "names", f"std.objectFields(import '{HERE / 'lib' / libsonnet}')"
            )
        )
    )


def main() -> None:
    written = []
    configs = {
        f"{dataset}_{technique}": (dataset, technique)
        for dataset in names("datasets.libsonnet")
        for technique in names("techniques.libsonnet")
    }
    configs.update(ALIASES)
    for name, (dataset, technique) in sorted(configs.items()):
        path = HERE / f"{name}.jsonnet"
        path.write_text(TEMPLATE.format(dataset=dataset, technique=technique))
        written.append(path.name)
    for function, datasets, infix in (
        ("pretrained", MINILM_DATASETS, "minilm"),
        ("pretrained_cls", MINILM_CLS_DATASETS, "minilm_cls"),
    ):
        for dataset in datasets:
            for technique in MINILM_TECHNIQUES:
                path = HERE / f"{dataset}_{infix}_{technique}.jsonnet"
                path.write_text(
                    MINILM_TEMPLATE.format(function=function, dataset=dataset, technique=technique)
                )
                written.append(path.name)
    print(f"wrote {len(written)} configs")


if __name__ == "__main__":
    main()
