// The from-scratch Transformer classifying from its first token (a [CLS] put before every text)
// instead of the attention pooling; the explanation is the last layer's attention from [CLS].
local tlib = import 'lib/transformer.libsonnet';
tlib.experiment_cls(tlib.datasets['rt_polarity'], tlib.techniques.attention_at)
