"""attnat_allennlp: adversarial training for attention mechanisms, as an AllenNLP plugin."""

# No warning filters here: importing the plugin changes nothing in the importing process's warnings.
# (The training loop of the configs, `attnat` in training/train_loop.py, silences the FutureWarning
# that allennlp 2.10.1's trainer causes on every batch, for the training run only.)
# Every module that registers something (`--include-package` imports submodules itself;
# `.allennlp_plugins` imports only this one): commands = every subcommand, one module each.
from attnat_allennlp import (
    commands,
    compat,
    data,
    interpret,
    models,
    modules,
    perturbations,
    predictors,
    study,
    training,
)
from attnat_allennlp.version import VERSION as __version__  # noqa: F401

# The allennlp 2.10.1 workarounds (archive extraction, Jsonnet library path, `allennlp predict`'s
# input reading), once, here and nowhere else: see the index in compat/__init__.py.
compat.install()
