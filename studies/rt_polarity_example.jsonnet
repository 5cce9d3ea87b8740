// The worked example of docs/study.md: vanilla and Attention iAT on rt-polarity, 2 seeds, eps of
// iAT chosen on dev between 0.5 and 1 (seed 1), 3 epochs to keep it short.
//   allennlp attention-study studies/rt_polarity_example.jsonnet -s docs/results/rt_polarity_example --jobs 2
{
  datasets: ['rt_polarity'],
  techniques: ['vanilla', 'attention_iat'],
  seeds: [1, 2],
  eps: { attention_iat: [0.5, 1] },
  epochs: 3,
}
