// A secondary question on SST (docs/claims.md, "Secondary studies"), as
// studies/rt_polarity_matched_eps.jsonnet asks it on rt-polarity: at one and the same eps, does the
// direction of the perturbation of the attention scores matter? Attention RP (a random direction),
// Attention AT (the loss gradient's) and Attention iAT (towards the other examples), all at eps 5,
// the eps the claims' study (studies/sst.jsonnet) chose for Attention iAT on dev, with vanilla; 5
// seeds, 5 epochs, as that study. Measures: every one that study's claims read (plausibility
// against the annotators' word labels included), without leave-one-out agreement and with
// integrated gradients as the only Captum attribution (about 5 of that study's 6 minutes a run
// were its measures). The 6-point grid and matched eps 1 are studies/sst_all.jsonnet.
//   allennlp attention-study studies/sst_matched_eps.jsonnet -s docs/results/sst_matched_eps --jobs 2
{
  scope: 'Attention RP, AT and iAT at matched eps 5 only (the eps the claims\' study chose for '
         + 'iAT), no eps choice, no matched eps 1, no other technique; no leave-one-out '
         + 'agreement, and of the Captum attributions only integrated gradients: CPU time (2 '
         + 'cores).',
  datasets: ['sst'],
  techniques: ['vanilla', 'attention_rp', 'attention_at', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],
  eps: {
    attention_rp: [5],
    attention_at: [5],
    attention_iat: [5],
  },
  epochs: 5,
  primary: [
    'accuracy', 'comprehensiveness_aopc_attention', 'plausibility_auprc_attention',
    'attack_accuracy',
  ],
  measures: { leave_one_out: false, attributions: ['integrated_gradients'] },
}
