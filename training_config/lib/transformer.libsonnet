// Transformer versions of the experiments of attnat.libsonnet (issue 10): the BiLSTM under the
// attention pooling becomes a Transformer encoder whose self-attention the attention techniques
// perturb (the last layer's, `layers: [-1]`, in every technique of `techniques` below).
//
//   local tlib = import 'lib/transformer.libsonnet';
//   tlib.experiment(tlib.datasets.rt_polarity, tlib.techniques.attention_iat)           // from scratch
//   tlib.pretrained(tlib.datasets.rt_polarity, tlib.techniques.attention_iat, 'bert-base-uncased')
//   tlib.pretrained(tlib.datasets.sst, tlib.techniques.attention_iat_all_layers, tlib.minilm.model_name,
//                   hidden_size=tlib.minilm.hidden_size)                          // MiniLM, every layer
local lib = import 'attnat.libsonnet';

// The from-scratch encoder: small enough for CPU experiments.
local scratch = {
  hidden_dim: 64,
  num_layers: 2,
  num_heads: 4,
  feedforward_dim: 128,
  dropout: 0.1,
  positional_encoding: 'sinusoidal',
};

local scratch_encoder(d, s, input_dim) = {
  type: 'attnat_transformer',
  input_dim: input_dim,
  hidden_dim: s.hidden_dim,
  num_layers: s.num_layers,
  num_heads: s.num_heads,
  feedforward_dim: s.feedforward_dim,
  dropout: s.dropout,
  positional_encoding: s.positional_encoding,
};

local input_dim(d) = d.embedding_dim + (if d.exact_match then 1 else 0);

// The attention techniques perturb the self-attention of the last layer; the word-level ones are
// unchanged.
// `<name>_all_layers` perturbs every layer's (`layers: "all"`, one eps per layer and head).
local self_attention = { target: 'self_attention', layers: [-1] };
local attention = [
  'attention_rp', 'attention_at', 'attention_iat', 'attention_iat_released', 'attention_vat', 'attention_ivat',
];
local last_layer = lib.techniques + {
  [name]: lib.techniques[name] + { perturbation+: self_attention }
  for name in attention
};
local techniques = last_layer + {
  [name + '_all_layers']: last_layer[name] + { perturbation+: { layers: 'all' } }
  for name in attention
};

local pretrained_tokenizer(model_name) = { type: 'attnat_pretrained_transformer', model_name: model_name };
local pretrained_indexers = { tokens: { type: 'attnat_pretrained_transformer' } };
local pretrained_encoder(model_name) = { type: 'attnat_pretrained_transformer', model_name: model_name };

// First-token pooling (issue 10): the classifier takes the first token's state instead of the
// attention pooling; the explanation is the last layer's attention from that token. From scratch,
// a `[CLS]` token is put before every text (the pretrained tokenizers add their own).
local first_token(config) = config + {
  model+: { seq2vec_encoder+: { pooling: 'first_token' } },
};

{
  datasets: lib.datasets,
  techniques: techniques,
  vectors: lib.vectors,
  scratch: scratch,

  // sentence-transformers/all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads), the folder that
  // `allennlp prepare-attnat-data minilm` writes (relative to where allennlp runs, like the data
  // paths): the default model of the `<dataset>_minilm_*` configs.
  minilm: { model_name: 'data/minilm', hidden_size: 384 },

  // `experiment` (from scratch) with first-token pooling over a `[CLS]` token (classification).
  experiment_cls(d, t, s=scratch):: first_token($.experiment(d, t, s)) + {
    dataset_reader+: { tokenizer+: { start_tokens: ['[CLS]'] } },
    trainer+: {
      callbacks: [
        c + (if std.objectHas(c, 'unlabeled_dataset_reader') then {
               unlabeled_dataset_reader+: { tokenizer+: { start_tokens: ['[CLS]'] } },
             } else {})
        for c in super.callbacks
      ],
    },
  },

  // `pretrained` with first-token pooling over the model's own `[CLS]` (classification).
  pretrained_cls(d, t, model_name='bert-base-uncased', epochs=3, batch_size=16, hidden_size=768)::
    first_token($.pretrained(d, t, model_name, epochs, batch_size, hidden_size)),

  // The from-scratch Transformer (`s` adjusts its knobs: `tlib.scratch + { num_layers: 4 }`).
  experiment(d, t, s=scratch):: lib.experiment(d, t) + {
    model+: if d.task == 'classification' then {
      seq2vec_encoder+: { encoder: scratch_encoder(d, s, input_dim(d)), attention_dim: s.hidden_dim },
    } else {
      premise_encoder+: {
        encoder: scratch_encoder(d, s, input_dim(d)),
        attention_dim: s.hidden_dim,
        query_dim: s.hidden_dim,
      },
      hypothesis_encoder: scratch_encoder(d, s, input_dim(d)),
      output_dim: s.hidden_dim,
    },
  },

  // A pretrained BERT-family model (a hub name or a local directory), fine-tuned end to end under
  // the same attention pooling; wordpieces from the model's own tokenizer. `hidden_size` is the
  // model's (the pair model's query size).
  // The word-level exact-match flag of the pair models is off: the model's layers take its own
  // hidden size (VitaminC's BiLSTM needs the flags; see datasets.libsonnet).
  pretrained(d, t, model_name='bert-base-uncased', epochs=3, batch_size=16, hidden_size=768):: lib.experiment(d + {
    num_epochs: epochs,
    batch_size: batch_size,
    pretrained_file: null,
    exact_match: false,
  }, t) + {
    dataset_reader+: {
      tokenizer: pretrained_tokenizer(model_name),
      token_indexers: pretrained_indexers,
    },
    vocabulary: {},
    model+: {
      text_field_embedder: {
        token_embedders: { tokens: { type: 'attnat_pretrained_word_embeddings', model_name: model_name } },
      },
    } + (if d.task == 'classification' then {
      seq2vec_encoder+: { encoder: pretrained_encoder(model_name) },
    } else {
      premise_encoder+: { encoder: pretrained_encoder(model_name), query_dim: hidden_size },
      hypothesis_encoder: pretrained_encoder(model_name),
      output_dim: 128,
    }),
    trainer+: {
      // AdamW 2e-5 for the pretrained weights, 1e-3 for the new attention head and output layers.
      optimizer: {
        type: 'adamw',
        lr: 2e-5,
        weight_decay: 0.01,
        parameter_groups: [
          [if d.task == 'classification' then ['_attention_', '_classification_layer']
           else ['_attention_', '_output_layer', '_context_projection', '_query_projection'],
           { lr: 1e-3, weight_decay: 0.0 }],
        ],
      },
      callbacks: [
        c + (if std.objectHas(c, 'unlabeled_dataset_reader') then {
               unlabeled_dataset_reader+: {
                 tokenizer: pretrained_tokenizer(model_name),
                 token_indexers: pretrained_indexers,
               },
             } else {})
        for c in super.callbacks
      ],
    },
  },
}
