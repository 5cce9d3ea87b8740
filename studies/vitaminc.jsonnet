// The pair model on VitaminC fact verification (../shared/data/vitaminc-nli as 3-way NLI, 43,981 /
// 5,323 / 5,356 pairs, exact-match flags, GloVe 6B 50d): vanilla, attention AT and attention iAT
// on the evidence's attention, 3 seeds, 4 epochs (the dataset's default; best dev accuracy kept).
// Smaller grid than SST's for CPU time (a run is ~15 minutes on one core): eps chosen on dev
// (seed 1) from 0.5 and 5.
//   allennlp attention-study studies/vitaminc.jsonnet -s docs/results/vitaminc --jobs 2
{
  datasets: ['vitaminc'],
  techniques: ['vanilla', 'attention_at', 'attention_iat'],
  seeds: [1, 2, 3],
  eps: {
    attention_at: [0.5, 5],
    attention_iat: [0.5, 5],
  },
}
