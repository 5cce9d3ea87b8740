// The papers' table on the Stanford Sentiment Treebank (../shared/data/sst, GloVe 6B 50d) under
// the protocol of docs/study.md and the claims of docs/claims.md: every technique, the control
// (vanilla on the normalised embeddings) and the released code's iAT step, 5 seeds (the default),
// eps chosen on dev over the first 3 seeds from a grid per technique (1-SE rule), RP / AT / iAT
// also at matched eps 1 and 5. 5 epochs instead of the papers' 8 (CPU time; the best dev epoch is
// kept). Every measure, plausibility against the annotators' word labels included.
//   allennlp attention-study studies/sst.jsonnet -s docs/results/sst_all --jobs 16
local attention_grid = [0.1, 0.5, 1, 2, 5, 10];
local word_grid = [1, 5, 10];
{
  datasets: ['sst'],
  techniques: [
    'vanilla',
    'attention_at', 'attention_iat', 'attention_rp', 'attention_vat', 'attention_ivat',
    'attention_iat_released',
    'word_at', 'word_iat', 'word_vat',
    // the control: vanilla on the word techniques' normalised embeddings
    'vanilla_normalized',
  ],
  eps: {
    attention_rp: attention_grid,
    attention_at: attention_grid,
    attention_iat: attention_grid,
    attention_iat_released: attention_grid,
    attention_vat: attention_grid,
    attention_ivat: attention_grid,
    word_at: word_grid,
    word_iat: word_grid,
    word_vat: word_grid,
  },
  matched_eps: [1, 5],
  matched_techniques: ['attention_rp', 'attention_at', 'attention_iat'],
  epochs: 5,
  primary: [
    'accuracy', 'comprehensiveness_aopc_attention', 'plausibility_auprc_attention',
    'attack_accuracy',
  ],
}
