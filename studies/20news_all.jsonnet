// The whole table of Jain & Wallace's 20 Newsgroups task (baseball vs hockey; `allennlp prepare-attnat-data 20news
// --source ../shared/data/20news` writes data/20news/, `prepare-attnat-data glove-6b-50d` the
// vectors): vanilla, attention AT, attention iAT, the released code's iAT step and word AT, under
// the protocol of docs/study.md (5 seeds, eps chosen on dev over the first 3 seeds with the 1-SE
// rule) and the claims of docs/claims.md. A small eps grid for CPU time (Kitada & Iyatomi report
// little sensitivity to eps); word AT at Miyato et al.'s eps 5; no leave-one-out agreement (long
// posts: one forward pass per token).
//   allennlp attention-study studies/20news_all.jsonnet -s docs/results/20news_all --jobs 16
{
  datasets: ['20news'],
  techniques: ['vanilla', 'attention_at', 'attention_iat', 'attention_iat_released', 'word_at'],
  seeds: [1, 2, 3, 4, 5],
  eps: {
    attention_at: [1, 5],
    attention_iat: [1, 5],
    attention_iat_released: [1, 5],
    word_at: [5],
  },
  epochs: 8,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false },
}
