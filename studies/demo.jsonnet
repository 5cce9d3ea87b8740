// `make demo`: vanilla and Attention iAT on the Rotten Tomatoes snippets that
// `prepare-attnat-data rotten_tomatoes` writes, one seed, 4 epochs (the best dev epoch is kept).
{
  datasets: ['rotten_tomatoes'],
  techniques: ['vanilla', 'attention_iat'],
  seeds: [1],
  epochs: 4,
}
