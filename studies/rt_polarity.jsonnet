// The papers' table on rt-polarity (../shared/data/rt-polarity, Pang & Lee's Rotten Tomatoes
// snippets, GloVe 6B 50d): every technique, 3 seeds, eps chosen on dev from a grid per technique
// (seed 1). The VAT family (attention VAT/iVAT, word VAT) also learns from the 1,097 unlabeled
// plot snippets (cut at 60 tokens). 5 epochs as in studies/sst.jsonnet (the best dev-AUC epoch is
// kept).
//   allennlp attention-study studies/rt_polarity.jsonnet -s docs/results/rt_polarity --jobs 2
local attention_grid = [0.1, 0.5, 1, 2, 5, 10];
local word_grid = [1, 5, 10];
{
  datasets: ['rt_polarity'],
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
