// The claims' arms on the NLI pairs: VitaminC fact verification (../shared/data/vitaminc-nli as
// 3-way NLI, 43,981 / 5,323 / 5,356 pairs; the pair model with exact-match flags, GloVe 6B 50d),
// vanilla and Attention iAT on the evidence's attention under the protocol of docs/study.md (5
// seeds, eps chosen on dev over the first 3 seeds with the 1-SE rule, from {0.5, 5}) and the
// claims of docs/claims.md, trained until dev accuracy stops improving (patience 2, at most 10
// epochs). What a 2-core CPU session could run: no released-code arm, no leave-one-out agreement,
// every measure but accuracy on 400 of the 5,356 test pairs spread over the file (accuracy on all
// of them). One epoch takes about 2 minutes on one core (Attention iAT, 1,375 batches at ~11 a
// second, timed with two trainings at once). The whole table (attention AT, VAT on the training
// pairs read without labels, word AT) is studies/vitaminc_all.jsonnet.
//   allennlp attention-study studies/vitaminc.jsonnet -s docs/results/vitaminc --jobs 2
{
  scope: 'The claims\' arms without the released-code arm (vanilla, attention_iat), eps grid '
         + '{0.5, 5}, every measure but accuracy on 400 of the 5,356 test pairs spread over the '
         + 'file, no leave-one-out: CPU time (2 cores). The whole table is '
         + 'studies/vitaminc_all.jsonnet.',
  datasets: ['vitaminc'],
  techniques: ['vanilla', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],
  eps: { attention_iat: [0.5, 5] },
  epochs: 10,
  patience: 2,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, sample: 400 },
}
