"""`prepare-attnat-data`'s library: file helpers, wheels, one module per dataset recipe, and
`prepare_dataset` (the subcommand itself is `commands/prepare_attnat_data.py`)."""

from attnat_allennlp.commands.prepare.dataset import prepare_dataset
from attnat_allennlp.commands.prepare.helpers import DatasetRecipe, PrepareOptions, carve_dev
from attnat_allennlp.commands.prepare.recipes import DATASETS
