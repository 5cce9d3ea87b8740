// bAbI tasks 1 and 2 (en-10k; `allennlp prepare-attnat-data babi1 --source ../shared/data/babi`,
// and babi2): Jain & Wallace's QA pair model (hidden 32, embeddings learnt), vanilla, attention
// AT, attention iAT and word AT under the protocol of docs/study.md and the claims of
// docs/claims.md. Jain & Wallace's 100 epochs without early stopping (the best dev epoch is
// kept): on bAbI 1, Attention iAT left the ~0.53 plateau only after ~30 epochs
// (docs/results/babi1/longer_training/), so a 30-epoch cap with patience 5 stops it there.
//   allennlp attention-study studies/babi_all.jsonnet -s docs/results/babi_all --jobs 16
{
  datasets: ['babi1', 'babi2'],
  techniques: ['vanilla', 'attention_at', 'attention_iat', 'word_at'],
  seeds: [1, 2, 3, 4, 5],
  eps: {
    attention_at: [1, 5],
    attention_iat: [1, 5],
    word_at: [5],
  },
  epochs: 100,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false },
}
