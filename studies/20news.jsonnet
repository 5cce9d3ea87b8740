// The claims' arms on Jain & Wallace's 20 Newsgroups task (baseball vs hockey; `allennlp
// prepare-attnat-data 20news --source ../shared/data/20news` writes data/20news/,
// `prepare-attnat-data glove-6b-50d` the vectors) under the protocol of docs/study.md and the
// claims of docs/claims.md: vanilla and Attention iAT, 5 seeds. What a 2-core CPU session could
// run (one epoch over the 1,075 long training posts takes 2.5 minutes on one core): eps fixed at 5
// (Miyato et al.'s text default, the eps the SST study chose), 3 epochs (two 8-epoch vanilla
// pilot runs, seeds 1 and 2, both had their best dev epoch at the 3rd), every measure but
// accuracy on 150 of the 773 test posts spread over the file (accuracy on all of them), and of
// Captum's attributions input x gradient only: on these posts integrated gradients took 13 s a
// post and occlusion 7 s on one core, the attack 1.4 s, the rest 0.4 s (8 posts, vanilla seed 1).
// The whole table is studies/20news_all.jsonnet, for a machine with more cores or a GPU.
//   allennlp attention-study studies/20news.jsonnet -s docs/results/20news --jobs 2
{
  scope: 'The claims\' arms without the released-code arm (vanilla, attention_iat), eps fixed at '
         + '5 (no dev choice), 3 epochs instead of 8, every measure but accuracy on 150 of the 773 '
         + 'test posts spread over the file, no leave-one-out, no integrated gradients or '
         + 'occlusion (input x gradient only): CPU time (2 cores). The whole '
         + 'table is studies/20news_all.jsonnet.',
  datasets: ['20news'],
  techniques: ['vanilla', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],
  eps: { attention_iat: [5] },
  epochs: 3,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, sample: 150, attributions: ['input_x_gradient'] },
}
