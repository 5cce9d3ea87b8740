// Issue 10: the from-scratch Transformer (2 layers, 4 heads, dim 64; GloVe 50d) on rt-polarity,
// vanilla vs attention AT vs attention iAT on the last layer's self-attention (eps 1, the
// configs' default: no grid, CPU is scarce), 3 seeds, 3 epochs (best dev AUC epoch kept).
{
  datasets: [{ name: 'rt_polarity_transformer', config: 'training_config/rt_polarity_transformer_vanilla.jsonnet' }],
  techniques: ['vanilla', 'attention_at', 'attention_iat'],
  seeds: [1, 2, 3],
  epochs: 3,
  measures: { robustness_eps: {} },
}
