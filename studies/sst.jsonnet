// The claims' arms on the Stanford Sentiment Treebank (../shared/data/sst, GloVe 6B 50d) under the
// protocol of docs/study.md and the claims of docs/claims.md: vanilla, Attention iAT and the
// released code's iAT step, 5 seeds, eps chosen on dev over the first 3 seeds (1-SE rule) from
// {1, 5}. What a 2-core CPU session could run; the papers' whole table (every technique, a 6-point
// grid, matched eps) is studies/sst_all.jsonnet, for a machine with more cores or a GPU. 5 epochs
// instead of the papers' 8 (the best dev epoch is kept). Every measure, plausibility against the
// annotators' word labels included.
//   allennlp attention-study studies/sst.jsonnet -s docs/results/sst --jobs 2
{
  scope: 'The claims\' arms only (vanilla, attention_iat, attention_iat_released), eps grid {1, 5} '
         + 'instead of 6 points, 5 epochs instead of 8: CPU time (2 cores). The whole table is '
         + 'studies/sst_all.jsonnet.',
  datasets: ['sst'],
  techniques: ['vanilla', 'attention_iat', 'attention_iat_released'],
  eps: {
    attention_iat: [1, 5],
    attention_iat_released: [1, 5],
  },
  epochs: 5,
  primary: [
    'accuracy', 'comprehensiveness_aopc_attention', 'plausibility_auprc_attention',
    'attack_accuracy',
  ],
}
