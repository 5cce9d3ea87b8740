"""
Fixes allennlp 2.10.1's `allennlp/common/params.py` `Params.from_file`, which evaluates a config
with `evaluate_file(file, ext_vars=...)` and no Jsonnet library path.

The technique library for configs anywhere: `import 'attnat.libsonnet'` (and `transformer.libsonnet`,
`datasets.libsonnet`, `techniques.libsonnet`) resolves to this clone's `training_config/lib/` from a
config in any folder, so that a user's own config imports the library instead of copying it:

    local lib = import 'attnat.libsonnet';
    lib.experiment(lib.datasets.rt_polarity, lib.techniques.attention_iat)

allennlp 2.10.1 evaluates a config with `_jsonnet.evaluate_file(file, ext_vars=...)` and no library
path, so an import resolves only next to the config. Importing the plugin (`--include-package
attnat_allennlp`, or `.allennlp_plugins`) calls `attnat_allennlp.compat.install`, which installs
`install`'s wrapper around allennlp's `evaluate_file`: it adds the library folder as a Jsonnet library path (searched after the
config's own folder, so a config that resolved before resolves the same). Only for allennlp
2.10.1, whose `Params.from_file` is known to call it so; other versions are left alone.

    python -m attnat_allennlp.compat.jsonnet_library    # prints the folder (for `jsonnet -J <folder>`)
"""

from pathlib import Path

from attnat_allennlp.compat.guard import applies

LIBRARY = Path(__file__).resolve().parents[2] / "training_config" / "lib"


def install() -> None:
    """Adds `LIBRARY` to the Jsonnet library paths of allennlp's config evaluation (once)."""
    from allennlp.common import params

    original = params.evaluate_file
    if getattr(original, "_attnat_library", False) or not LIBRARY.is_dir():
        return
    if not applies(
        "the config evaluation (allennlp.common.params.evaluate_file)",
        f"`import 'attnat.libsonnet'` resolves only next to a config (use the library path {LIBRARY})",
    ):
        return

    def evaluate_file(filename: str, **kwargs):
        kwargs.setdefault("jpathdir", str(LIBRARY))
        return original(filename, **kwargs)

    evaluate_file._attnat_library = True  # type: ignore
    params.evaluate_file = evaluate_file


if __name__ == "__main__":
    print(LIBRARY)
