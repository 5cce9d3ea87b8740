// The claims' arms on rt-polarity (../shared/data/rt-polarity, Pang & Lee's Rotten Tomatoes
// snippets, GloVe 6B 50d) under the protocol of docs/study.md and the claims of docs/claims.md:
// vanilla, Attention iAT and the released code's iAT step, 5 seeds, eps chosen on dev over the
// first 3 seeds (1-SE rule) from {1, 5}. What a 2-core CPU session could run; every technique
// (the VAT family with the unlabeled plot snippets), a 6-point grid and matched eps is
// studies/rt_polarity_all.jsonnet, for a machine with more cores or a GPU. 5 epochs (the best
// dev-AUC epoch is kept).
//   allennlp attention-study studies/rt_polarity.jsonnet -s docs/results/rt_polarity --jobs 2
{
  scope: 'The claims\' arms only (vanilla, attention_iat, attention_iat_released), eps grid {1, 5} '
         + 'instead of 6 points: CPU time (2 cores). Every technique, the VAT family with the '
         + 'unlabeled snippets included, is studies/rt_polarity_all.jsonnet. Measures: no '
         + 'leave-one-out agreement, and of the Captum attributions only integrated gradients '
         + '(the SST study measured all three at ~2x the cost of training).',
  datasets: ['rt_polarity'],
  techniques: ['vanilla', 'attention_iat', 'attention_iat_released'],
  eps: {
    attention_iat: [1, 5],
    attention_iat_released: [1, 5],
  },
  epochs: 5,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, attributions: ['integrated_gradients'] },
}
