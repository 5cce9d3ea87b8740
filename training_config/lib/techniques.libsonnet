// The training techniques: each is `callbacks(dataset)`, the trainer callbacks it adds.
// Every technique but vanilla is one `adversarial_training` callback with one perturbation,
// with the defaults of attnat_allennlp/perturbations (docs/methods.md); adjust a knob with e.g.
// `lib.techniques.attention_iat + { perturbation+: { eps: 2.0 } }`.
// `normalize_embeddings` (on for the word-level ones) makes `experiment` use Miyato et al.'s
// normalised word embeddings (`attnat_normalized_embedding`, with the frequencies of an
// `attnat_counting` vocabulary), the vectors their eps = 5 is sized for; turn it off with
// `lib.techniques.word_at + { normalize_embeddings: false }`.
local tokenizer = import 'tokenizer.libsonnet';

local technique(type, semi_supervised=false, normalize_embeddings=false) = {
  local t = self,
  normalize_embeddings:: normalize_embeddings,
  perturbation:: { type: type },
  callbacks(d):: [
    {
      type: 'adversarial_training',
      perturbations: [t.perturbation],
    } + (
      if semi_supervised && d.unlabeled_data_path != null then {
        unlabeled_data_path: d.unlabeled_data_path,
        // Single texts, or pairs for the pair models (labels in the file are ignored). Texts
        // longer than unlabeled_max_tokens (else the dataset's max_tokens) are cut: the stream
        // costs what its tokens cost.
        unlabeled_dataset_reader: {
          type: if d.task == 'classification' then 'attnat_unlabeled_text' else 'attnat_unlabeled_pairs',
          tokenizer: tokenizer(d),
        } + (
          local max_tokens = if d.unlabeled_max_tokens != null then d.unlabeled_max_tokens else d.max_tokens;
          if max_tokens == null then {} else { max_tokens: max_tokens }
        ) + (if d.task != 'classification' && d.exact_match then { exact_match: true } else {}),
        unlabeled_batch_size: d.batch_size,
      } else {}
    ),
  ],
};

{
  // A technique of one's own: one registered `Perturbation` with its knobs, e.g.
  // `lib.techniques.custom({ type: 'scaled_random', eps: 1.0, scale: 0.5 })` (README, "Add a
  // perturbation"); semi_supervised: with the dataset's unlabeled stream, as the VAT family.
  custom(perturbation, semi_supervised=false, normalize_embeddings=false)::
    technique(perturbation.type, semi_supervised, normalize_embeddings)
    + { perturbation:: perturbation },
  vanilla: { normalize_embeddings:: false, callbacks(d):: [] },
  // Vanilla on the word-level techniques' normalised embeddings, no perturbation: the control that
  // separates what word AT/iAT/VAT owe to the normalisation from what they owe to the perturbation.
  vanilla_normalized: { normalize_embeddings:: true, callbacks(d):: [] },
  attention_rp: technique('attention_rp'),
  attention_at: technique('attention_at'),
  attention_iat: technique('attention_iat'),
  // Kitada & Iyatomi's released code's iAT step (-r_AT), not the paper's definition: the
  // released-code arm (attnat_allennlp/perturbations/attention_iat_released.py).
  attention_iat_released: technique('attention_iat_released'),
  word_at: technique('word_at', normalize_embeddings=true),
  word_iat: technique('word_iat', normalize_embeddings=true),
  word_vat: technique('word_vat', semi_supervised=true, normalize_embeddings=true),
  attention_vat: technique('attention_vat', semi_supervised=true),
  attention_ivat: technique('attention_ivat', semi_supervised=true),
}
