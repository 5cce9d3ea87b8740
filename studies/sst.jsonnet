// The papers' table on the Stanford Sentiment Treebank (../shared/data/sst, GloVe 6B 50d):
// every technique, 3 seeds, eps chosen on dev from a grid per technique (seed 1).
//   allennlp attention-study studies/sst.jsonnet -s docs/results/sst --jobs 2
local attention_grid = [0.1, 0.5, 1, 2, 5, 10];
local word_grid = [1, 5, 10];
{
  datasets: ['sst'],
  techniques: [
    'vanilla',
    'attention_rp', 'attention_at', 'attention_iat', 'attention_vat', 'attention_ivat',
    'word_at', 'word_iat', 'word_vat',
  ],
  seeds: [1, 2, 3],
  eps: {
    attention_rp: attention_grid,
    attention_at: attention_grid,
    attention_iat: attention_grid,
    attention_vat: attention_grid,
    attention_ivat: attention_grid,
    word_at: word_grid,
    word_iat: word_grid,
    word_vat: word_grid,
  },
  epochs: 8,
}
