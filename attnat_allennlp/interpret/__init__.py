"""
Interpretability of the attention models: word importance (gradient with the attention detached as
Jain & Wallace compute it, or through attention; leave-one-out), agreement of attention with it
(Pearson, Kendall and its p-value, Spearman, top-k Kendall distance) and with human rationales
(ERASER: AUPRC, top-k F1), attention entropy, ERASER faithfulness (comprehensiveness and
sufficiency AOPC), accuracy under worst-case perturbations, Jain & Wallace's permutation and
adversarial-attention checks, and `report.study_measures` (the summary numbers of a study). Their
subcommands (`attention-report`, `attention-heatmap`) are in `attnat_allennlp/commands/`.
"""
