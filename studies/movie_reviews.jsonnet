// The claims' arms on the long texts: Pang & Lee's full movie reviews (../shared/data/movie-reviews,
// ~700 words, cut at 1,000 tokens; GloVe 6B 50d), vanilla and Attention iAT under the protocol of
// docs/study.md (5 seeds, eps chosen on dev over the first 3 seeds with the 1-SE rule, from
// {0.5, 5}) and the claims of docs/claims.md. What a 2-core CPU session could run after the
// 20 Newsgroups and bAbI 1 studies: no released-code arm, no leave-one-out agreement (one forward
// pass per token). The whole table (attention AT, the released-code arm, word AT) is
// studies/movie_reviews_all.jsonnet, for a machine with more cores or a GPU. Measures: every
// measure but accuracy on 100 of the 156 test reviews spread over the file (accuracy on all of
// them), and of Captum's attributions input x gradient only. On these reviews (8 of them, a
// 2-epoch vanilla model, one core) the attack took 3.3 s a review, occlusion 7.6 s, integrated
// gradients 0.9 s and the rest 0.5 s; one epoch of training about 35 s.
//   allennlp attention-study studies/movie_reviews.jsonnet -s docs/results/movie_reviews --jobs 2
{
  scope: 'The claims\' arms without the released-code arm (vanilla, attention_iat), eps grid '
         + '{0.5, 5}, every measure but accuracy on 100 of the 156 test reviews spread over the '
         + 'file, no leave-one-out, no integrated gradients or occlusion (input x gradient only): '
         + 'CPU time (2 cores). The whole table is studies/movie_reviews_all.jsonnet.',
  datasets: ['movie_reviews'],
  techniques: ['vanilla', 'attention_iat'],
  eps: { attention_iat: [0.5, 5] },
  epochs: 8,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, sample: 100, attributions: ['input_x_gradient'] },
}
