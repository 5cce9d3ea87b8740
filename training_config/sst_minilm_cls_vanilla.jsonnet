local tlib = import 'lib/transformer.libsonnet';
function(model_name=tlib.minilm.model_name, hidden_size=tlib.minilm.hidden_size)
  tlib.pretrained_cls(tlib.datasets['sst'], tlib.techniques.vanilla, model_name, hidden_size=hidden_size)
