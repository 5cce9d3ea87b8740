"""`prepare-attnat-data`: file helpers, wheels, one module per dataset recipe, the CLI."""

from attnat_allennlp.commands.prepare.cli import PrepareAttnatData, prepare_dataset
from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, PrepareOptions, carve_dev
from attnat_allennlp.commands.prepare.recipes import DATASETS
