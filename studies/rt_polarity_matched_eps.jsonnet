// A secondary question on rt-polarity (docs/claims.md, "Secondary studies"): at one and the same
// eps, does the direction of the perturbation of the attention scores matter? Attention RP (a
// random direction), Attention AT (the loss gradient's) and Attention iAT (towards the other
// examples), all at eps 5, the eps the claims' study (studies/rt_polarity.jsonnet) chose for
// Attention iAT on dev, with vanilla; 5 seeds, 5 epochs, the measures of that study. No eps choice
// (every technique at eps 5): the 6-point grid and matched eps 1 are studies/rt_polarity_all.jsonnet.
// About 3 minutes a run on one core, 20 runs.
//   allennlp attention-study studies/rt_polarity_matched_eps.jsonnet -s docs/results/rt_polarity_matched_eps --jobs 2
{
  scope: 'Attention RP, AT and iAT at matched eps 5 only (the eps the claims\' study chose for '
         + 'iAT), no eps choice, no matched eps 1, no other technique: CPU time (2 cores). '
         + 'Measures: no leave-one-out agreement, and of the Captum attributions only integrated '
         + 'gradients, as studies/rt_polarity.jsonnet.',
  datasets: ['rt_polarity'],
  techniques: ['vanilla', 'attention_rp', 'attention_at', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],
  eps: {
    attention_rp: [5],
    attention_at: [5],
    attention_iat: [5],
  },
  epochs: 5,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, attributions: ['integrated_gradients'] },
}
