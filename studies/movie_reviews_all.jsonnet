// The whole table of the long texts: Pang & Lee's full movie reviews (../shared/data/movie-reviews, ~700 words, cut
// at 1,000 tokens; GloVe 6B 50d) under the protocol of docs/study.md and the claims of
// docs/claims.md: vanilla, attention AT, attention iAT, the released code's iAT step and word AT,
// 5 seeds. A small eps grid for CPU time (each run trains 8 epochs of ~1 minute on one core):
// 0.5 and 5 for the attention techniques, word AT at Miyato et al.'s eps 5; no leave-one-out
// agreement (one forward pass per token).
//   allennlp attention-study studies/movie_reviews_all.jsonnet -s docs/results/movie_reviews_all --jobs 16
{
  datasets: ['movie_reviews'],
  techniques: ['vanilla', 'attention_at', 'attention_iat', 'attention_iat_released', 'word_at'],
  eps: {
    attention_at: [0.5, 5],
    attention_iat: [0.5, 5],
    attention_iat_released: [0.5, 5],
    word_at: [5],
  },
  epochs: 8,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false },
}
