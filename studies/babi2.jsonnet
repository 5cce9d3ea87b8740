// The claims' arms on bAbI task 2, two supporting facts (en-10k; `allennlp prepare-attnat-data
// babi2 --source ../shared/data/babi`): Jain & Wallace's QA pair model (hidden 32, embeddings
// learnt), vanilla and Attention iAT, 5 seeds, for Jain & Wallace's 100 epochs with no early
// stopping (the best dev epoch is kept), as the bAbI 1 study at that length
// (studies/babi1_100_epochs.jsonnet), under the protocol of docs/study.md and the claims of
// docs/claims.md. What a 2-core CPU session can run: iAT at eps 1, bAbI 1's dev choice (no choice
// on bAbI 2's dev: it would add three 100-epoch runs), no released-code arm, every measure but
// accuracy on 400 of the 1,000 test questions spread over the file (accuracy on all of them), no
// leave-one-out. The passages are 2.6 times bAbI 1's (95 tokens on average, at most 422), and
// bAbI 2's configs use the BiLSTM without packing (training_config/lib/datasets.libsonnet): one
// epoch of Attention iAT took about 11 s on one core with two other trainings on the machine, so
// about 20 minutes a run, 10 runs. The other techniques are in studies/babi_all.jsonnet.
//   allennlp attention-study studies/babi2.jsonnet -s docs/results/babi2 --jobs 2
{
  scope: 'bAbI 2 only, the claims\' arms without the released-code arm (vanilla, attention_iat), '
         + 'eps fixed at 1 (bAbI 1\'s dev choice), every measure but accuracy on 400 of the '
         + '1,000 test questions spread over the file, no leave-one-out: CPU time (2 cores).',
  datasets: ['babi2'],
  techniques: ['vanilla', 'attention_iat'],
  seeds: [1, 2, 3, 4, 5],
  eps: { attention_iat: [1] },
  epochs: 100,
  primary: ['accuracy', 'comprehensiveness_aopc_attention', 'attack_accuracy'],
  measures: { leave_one_out: false, sample: 400 },
}
