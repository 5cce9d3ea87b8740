"""
Interpretability of the attention models: word importance (gradient, leave-one-out), agreement of
attention with it (Pearson, Kendall) and with human rationales (ERASER: AUPRC, top-k F1),
Jain & Wallace's permutation and adversarial-attention checks, and the `attention-report`,
`attention-eps-sweep` and `attention-heatmap` subcommands.
"""
from attnat_allennlp.interpret import commands  # noqa: F401  (registers the subcommands)
