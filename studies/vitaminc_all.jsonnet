// The pair model on VitaminC fact verification (../shared/data/vitaminc-nli as 3-way NLI, 43,981 /
// 5,323 / 5,356 pairs, exact-match flags, GloVe 6B 50d) under the protocol of docs/study.md and
// the claims of docs/claims.md: vanilla, attention AT, iAT and VAT on the evidence's attention
// (VAT also on the training pairs read without labels) and word AT, 5 seeds, trained until dev
// accuracy stops improving (patience 2, at most 10 epochs). A small eps grid: 0.5 and 5; word AT at
// Miyato et al.'s eps 5. The claims' arms alone, sized for 2 cores, are studies/vitaminc.jsonnet.
//   allennlp attention-study studies/vitaminc_all.jsonnet -s docs/results/vitaminc_all --jobs 16
{
  datasets: ['vitaminc'],
  techniques: ['vanilla', 'attention_at', 'attention_iat', 'attention_vat', 'word_at'],
  eps: {
    attention_at: [0.5, 5],
    attention_iat: [0.5, 5],
    attention_vat: [0.5, 5],
    word_at: [5],
  },
  epochs: 10,
  patience: 2,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false },
}
