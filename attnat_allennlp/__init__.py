"""attnat_allennlp: adversarial training for attention mechanisms, as an AllenNLP plugin."""

# No warning filters here: importing the plugin changes nothing in the importing process's warnings.
# (The training loop of the configs, `attnat` in training/train_loop.py, silences the FutureWarning
# that allennlp 2.10.1's trainer causes on every batch, for the training run only.)
# Every module that registers something (`--include-package` imports submodules itself;
# `.allennlp_plugins` imports only this one): commands = prepare-attnat-data, interpret =
# attention-report/-eps-sweep/-heatmap, study = attention-study/-compare.
from attnat_allennlp import (
    archive_safety,
    commands,
    data,
    interpret,
    jsonnet_library,
    models,
    modules,
    perturbations,
    predictors,
    study,
    training,
)
from attnat_allennlp.version import VERSION as __version__  # noqa: F401

# Refuse model archives whose members would be extracted outside their folder (archive_safety.py).
archive_safety.install()
# `import 'attnat.libsonnet'` from a config in any folder (jsonnet_library.py; allennlp 2.10.1 only).
jsonnet_library.install()
