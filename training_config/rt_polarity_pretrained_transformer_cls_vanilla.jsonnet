// A pretrained BERT-family model classifying from its [CLS] token instead of the attention
// pooling; model_name is a hub name or a local directory (a top-level argument).
local tlib = import 'lib/transformer.libsonnet';
function(model_name='bert-base-uncased', hidden_size=768)
  tlib.pretrained_cls(tlib.datasets['rt_polarity'], tlib.techniques.vanilla, model_name, hidden_size=hidden_size)
