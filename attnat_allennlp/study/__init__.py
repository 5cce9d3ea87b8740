"""
Multi-seed studies: train every technique of a study file on its datasets, choose each technique's
eps on the validation set, measure the test set, and summarise mean +- std over seeds with a
seed-paired test against vanilla (`allennlp attention-study`).
"""

from attnat_allennlp.study import (  # noqa: F401  (registers the subcommands)
    command,
    compare,
    sweep_command,
)
from attnat_allennlp.study.spec import RunSpec, StudySpec, read_study  # noqa: F401
