local tlib = import 'lib/transformer.libsonnet';
tlib.experiment(tlib.datasets['sst'], tlib.techniques.word_iat)
