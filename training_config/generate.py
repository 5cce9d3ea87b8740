"""Writes training_config/<dataset>_<technique>.jsonnet for every dataset and technique of lib/.

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
    print(f"wrote {len(written)} configs")


if __name__ == "__main__":
    main()
