local tlib = import 'lib/transformer.libsonnet';
tlib.experiment(tlib.datasets['rt_polarity'], tlib.techniques.word_iat)
