"""
Multi-seed studies: train every technique of a study file on its datasets, choose each technique's
eps on the validation set, measure the test set, and summarise mean +- std over seeds with a
seed-paired test against vanilla. Its subcommands (`attention-study`, `attention-eps-sweep`,
`attention-compare`) are in `attnat_allennlp/commands/`.
"""

from attnat_allennlp.study.spec import RunSpec, StudySpec, read_study  # noqa: F401
