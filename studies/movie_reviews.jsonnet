// The claims' arms on the long texts: Pang & Lee's full movie reviews (../shared/data/movie-reviews,
// ~700 words, cut at 1,000 tokens; GloVe 6B 50d), vanilla and Attention iAT under the protocol of
// docs/study.md (5 seeds, eps chosen on dev over the first 3 seeds with the 1-SE rule, from
// {0.5, 5}) and the claims of docs/claims.md. What a 2-core CPU session could run after the
// 20 Newsgroups and bAbI 1 studies: no released-code arm, no leave-one-out agreement (one forward
// pass per token). The whole table (attention AT, the released-code arm, word AT) is
// studies/movie_reviews_all.jsonnet, for a machine with more cores or a GPU.
//   allennlp attention-study studies/movie_reviews.jsonnet -s docs/results/movie_reviews --jobs 2
{
  scope: 'The claims\' arms without the released-code arm (vanilla, attention_iat), eps grid '
         + '{0.5, 5}, no leave-one-out: CPU time (2 cores). The whole table is '
         + 'studies/movie_reviews_all.jsonnet.',
  datasets: ['movie_reviews'],
  techniques: ['vanilla', 'attention_iat'],
  eps: { attention_iat: [0.5, 5] },
  epochs: 8,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false },
}
