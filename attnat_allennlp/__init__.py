"""attnat_allennlp: adversarial training for attention mechanisms, as an AllenNLP plugin."""
# No warning filters here: importing the plugin changes nothing in the importing process's warnings.
# (The training loop of the configs, `attnat` in training/train_loop.py, silences the FutureWarning
# that allennlp 2.10.1's trainer causes on every batch, for the training run only.)
from attnat_allennlp.version import VERSION as __version__  # noqa: F401
from attnat_allennlp import archive_safety
from attnat_allennlp import data, modules, models, perturbations, predictors, training  # noqa: F401
from attnat_allennlp import commands  # noqa: F401  (the prepare-attnat-data subcommand)
from attnat_allennlp import interpret  # noqa: F401  (attention-report, -eps-sweep, -heatmap)
from attnat_allennlp import study  # noqa: F401  (attention-study)

# Refuse model archives whose members would be extracted outside their folder (archive_safety.py).
archive_safety.install()
