// The papers' table on the Stanford Sentiment Treebank (../shared/data/sst, GloVe 6B 50d):
// every technique, 3 seeds, eps chosen on dev from a grid per technique (seed 1). 5 epochs
// instead of the papers' 8 (CPU time): vanilla's dev AUC peaks at the 3rd epoch (0.859, 0.884,
// 0.889, 0.888 in the first four of an 8-epoch run), and the best epoch on dev is kept.
//   allennlp attention-study studies/sst.jsonnet -s docs/results/sst --jobs 2
local attention_grid = [0.1, 0.5, 1, 2, 5, 10];
local word_grid = [1, 5, 10];
{
  datasets: ['sst'],
  techniques: [
    'vanilla',
    'attention_at', 'attention_iat', 'attention_rp', 'attention_vat', 'attention_ivat',
    'word_at', 'word_iat', 'word_vat',
    // the control: vanilla on the word techniques' normalised embeddings
    'vanilla_normalized',
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
  epochs: 5,
}
