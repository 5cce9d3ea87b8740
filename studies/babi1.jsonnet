// The claims' arms on bAbI task 1 (en-10k; `allennlp prepare-attnat-data babi1 --source
// ../shared/data/babi`): Jain & Wallace's QA pair model (hidden 32, embeddings learnt), vanilla,
// Attention iAT and the released code's iAT step, under the protocol of docs/study.md (5 seeds,
// eps chosen on dev over the first 3 seeds with the 1-SE rule, from {1, 5}) and the claims of
// docs/claims.md. What a 2-core CPU session could run: at most 30 epochs (Jain & Wallace train
// 100) with early stopping after 5 without a better dev accuracy, and every measure but accuracy
// on 400 of the 1,000 test questions spread over the file (accuracy on all of them). bAbI 1 at
// 100 epochs is studies/babi1_100_epochs.jsonnet, bAbI 2 studies/babi2.jsonnet; the other
// techniques are in studies/babi_all.jsonnet, for a machine with more cores or a GPU.
//   allennlp attention-study studies/babi1.jsonnet -s docs/results/babi1 --jobs 2
{
  scope: 'bAbI 1 only, the claims\' arms (vanilla, attention_iat, attention_iat_released), eps '
         + 'grid {1, 5}, at most 30 epochs (patience 5) instead of 100, every measure but '
         + 'accuracy on 400 of the 1,000 test questions spread over the file, no leave-one-out: '
         + 'CPU time (2 cores). bAbI 2 and the other techniques are studies/babi_all.jsonnet.',
  datasets: ['babi1'],
  techniques: ['vanilla', 'attention_iat', 'attention_iat_released'],
  seeds: [1, 2, 3, 4, 5],
  eps: {
    attention_iat: [1, 5],
    attention_iat_released: [1, 5],
  },
  epochs: 30,
  patience: 5,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, sample: 400 },
}
