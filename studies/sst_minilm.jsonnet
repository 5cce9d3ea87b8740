// Issue 20: all-MiniLM-L6-v2 (6 layers, 12 heads, hidden 384; `allennlp prepare-attnat-data minilm`
// writes data/minilm) fine-tuned on the Stanford Sentiment Treebank (../shared/data/sst, 6,920 /
// 872 / 1,821 sentences), classifying from its [CLS] token (the `sst_minilm_cls_*` configs: AdamW
// 2e-5 for the pretrained weights, 1e-3 for the classifier, batch 16). Vanilla; attention AT and
// iAT on the last layer's self-attention and on every layer's; attention VAT on the last layer;
// word AT on the input word embeddings (the FreeLB-style baseline). 3 seeds; eps chosen on dev AUC
// from a small grid at seed 1. The explanation measured is the last layer's attention from [CLS]
// (mean over heads); remeasure the same runs with attention rollout from [CLS] with
// `--attention rollout_first_token --remeasure` (into a copy of the results folder).
//
//   allennlp prepare-attnat-data minilm
//   allennlp attention-study studies/sst_minilm.jsonnet -s docs/results/sst_minilm --jobs 1 \
//     --include-package attnat_allennlp
//
// Cost (measured on the shared 2-core machine, see the README's MiniLM bench): a vanilla step of
// 16 sentences took 2.6 s of wall time on one contended thread, so an epoch (433 steps) is about
// 20 min, the techniques 1.1-2x that; this study's 32 runs x 3 epochs (3 vanilla, 17 grid runs at
// seed 1, 12 at seeds 2-3) are about 40 hours on one such thread: run it on a GPU, or part by
// part on CPU (`--techniques vanilla attention_iat`; runs.csv keeps what is done).
local attention_grid = [0.5, 1, 5];
local word_grid = [1, 5];
{
  datasets: [{ name: 'sst_minilm', config: 'training_config/sst_minilm_cls_vanilla.jsonnet' }],
  techniques: [
    'vanilla',
    'attention_at', 'attention_iat',
    'attention_at_all_layers', 'attention_iat_all_layers',
    'attention_vat',
    'word_at',
  ],
  seeds: [1, 2, 3],
  eps: {
    attention_at: attention_grid,
    attention_iat: attention_grid,
    attention_at_all_layers: attention_grid,
    attention_iat_all_layers: attention_grid,
    attention_vat: attention_grid,
    word_at: word_grid,
  },
  // 3 epochs (the pretrained configs' default); the best dev AUC epoch is kept.
  epochs: 3,
  measures: { attention: 'first_token' },
}
