"""attnat_allennlp: adversarial training for attention mechanisms, as an AllenNLP plugin."""
from attnat_allennlp.version import VERSION as __version__  # noqa: F401
from attnat_allennlp import data, modules, models, perturbations, predictors  # noqa: F401
from attnat_allennlp import commands  # noqa: F401  (the prepare-attnat-data subcommand)
