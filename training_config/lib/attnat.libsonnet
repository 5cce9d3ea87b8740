// The shared pieces of every attnat-allennlp training config.
//
// A config is one call: `lib.experiment(lib.datasets.<name>, lib.techniques.<name>)`; both
// arguments are plain objects, so a config can adjust them with `+ {...}`.
local datasets = import 'datasets.libsonnet';
local techniques = import 'techniques.libsonnet';

local tokenizer = import 'tokenizer.libsonnet';

local reader(d) = d.reader + { tokenizer: tokenizer(d) } + (
  if d.max_tokens == null then {} else { max_tokens: d.max_tokens, long_texts: d.long_texts }
) + (if d.exact_match then { exact_match: true } else {});

// normalize: Miyato et al.'s normalised embeddings (word-level techniques, `normalize_embeddings`).
local embedder(d, normalize=false) = {
  token_embedders: {
    tokens: {
      type: if normalize then 'attnat_normalized_embedding' else 'embedding',
      embedding_dim: d.embedding_dim,
      trainable: true,
    } + (if d.pretrained_file == null then {} else { pretrained_file: d.pretrained_file }),
  },
};

local bilstm(d) = {
  type: d.lstm,
  input_size: d.embedding_dim + (if d.exact_match then 1 else 0),
  hidden_size: d.hidden_size,
} + (if d.lstm == 'lstm' then { bidirectional: true } else {});

local attention(d, query_dim=null) = {
  type: 'attnat_attention',
  encoder: bilstm(d),
  scorer: d.scorer,
  attention_dim: d.hidden_size,
} + (if query_dim == null then {} else { query_dim: query_dim });

local model(d, normalize=false) =
  if d.task == 'classification' then {
    type: 'attnat_classifier',
    text_field_embedder: embedder(d, normalize),
    seq2vec_encoder: attention(d),
    [if d.positive_label != null then 'positive_label']: d.positive_label,
  } else {
    type: 'attnat_pair_classifier',
    text_field_embedder: embedder(d, normalize),
    premise_encoder: attention(d, 2 * d.hidden_size),
    hypothesis_encoder: bilstm(d),
    output_dim: d.hidden_size,
    [if d.exact_match then 'exact_match_features']: true,
  };

{
  datasets: datasets,
  techniques: techniques,

  // The one knob for a dataset's word vectors: their file (a path or URL of "word v1 ... vN" lines,
  // or null for random vectors) and their size N. Every model of the dataset follows, single text
  // and pair, BiLSTM and Transformer (the embedder, the encoders' input sizes):
  //   lib.experiment(lib.datasets.snli + lib.vectors('data/glove/glove.6B.50d.txt.gz', 50), t)
  vectors(file, dim):: { pretrained_file: file, embedding_dim: dim },

  // A dataset's files: `lib.datasets.rt_polarity + lib.files('my/train.csv', 'my/dev.csv',
  // 'my/test.csv')` trains rt-polarity's set-up on one's own data (jsonl, CSV or TSV; the readers'
  // text_key/label_key name the fields), without its unlabeled stream.
  files(train, validation, test):: {
    train_data_path: train,
    validation_data_path: validation,
    test_data_path: test,
    unlabeled_data_path: null,
  },

  // Adam (amsgrad) 1e-3, weight decay 1e-5 except on the attention parameters (docs/methods.md).
  optimizer: {
    type: 'adam',
    lr: 1e-3,
    amsgrad: true,
    weight_decay: 1e-5,
    parameter_groups: [[['_attention_'], { weight_decay: 0.0 }]],
  },

  experiment(d, t):: {
    // allennlp's training loop, checking the data files before training and keeping the model
    // when the test evaluation fails (attnat_allennlp/training/train_loop.py).
    type: 'attnat',
    local normalize = std.objectHasAll(t, 'normalize_embeddings') && t.normalize_embeddings,
    dataset_reader: reader(d),
    train_data_path: d.train_data_path,
    validation_data_path: d.validation_data_path,
    test_data_path: d.test_data_path,
    evaluate_on_test: true,
    // The vocabulary comes from the training data only (allennlp's default also reads the
    // validation and test files): a word seen only in dev or test is OOV, as in Jain & Wallace's
    // and Kitada & Iyatomi's code, and gets no pretrained vector. The unlabeled stream of VAT is
    // indexed with this vocabulary and adds nothing to it.
    datasets_for_vocab_creation: ['train'],
    // The normalised embeddings take their word frequencies from the vocabulary's counts (so from
    // the training data only, too).
    vocabulary: (if normalize then { type: 'attnat_counting' } else {})
                + { min_count: { tokens: d.min_count } },
    model: model(d, normalize),
    data_loader: {
      batch_sampler: { type: 'bucket', batch_size: d.batch_size },
    },
    validation_data_loader: {
      batch_sampler: { type: 'bucket', batch_size: d.batch_size, shuffle: false },
    },
    trainer: {
      optimizer: $.optimizer,
      num_epochs: d.num_epochs,
      validation_metric: d.validation_metric,
      checkpointer: { type: 'attnat', keep_most_recent_by_count: 1 },
      callbacks: [{ type: 'tensorboard' }] + t.callbacks(d),
    },
  },
}
