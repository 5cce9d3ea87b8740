// The long texts: Pang & Lee's full movie reviews (../shared/data/movie-reviews, ~700 words, cut at
// 1,000 tokens; GloVe 6B 50d), vanilla, attention AT, attention iAT and word AT, 3 seeds.
// Smaller than the SST and rt-polarity studies for CPU time (each run trains 8 epochs of ~1 minute
// on one core): eps chosen on dev (seed 1) from 0.5 and 5 for the attention techniques, word AT
// at Miyato et al.'s eps 5 without a grid; no leave-one-out agreement (it re-runs the model once
// per token: ~110,000 reviews' worth of forward passes per run).
//   allennlp attention-study studies/movie_reviews.jsonnet -s docs/results/movie_reviews --jobs 2
{
  datasets: ['movie_reviews'],
  techniques: ['vanilla', 'attention_at', 'attention_iat', 'word_at'],
  seeds: [1, 2, 3],
  eps: {
    attention_at: [0.5, 5],
    attention_iat: [0.5, 5],
    word_at: [5],
  },
  epochs: 8,
  measures: { leave_one_out: false },
}
