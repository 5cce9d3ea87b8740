// A pretrained BERT-family model, fine-tuned; model_name is a hub name or a local directory
// (a top-level argument: `(import 'rt_polarity_pretrained_transformer_word_at.jsonnet')(model_name='roberta-base')`).
local tlib = import 'lib/transformer.libsonnet';
function(model_name='bert-base-uncased', hidden_size=768)
  tlib.pretrained(tlib.datasets['rt_polarity'], tlib.techniques.word_at, model_name, hidden_size=hidden_size)
