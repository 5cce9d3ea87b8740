local tlib = import 'lib/transformer.libsonnet';
tlib.experiment(tlib.datasets['snli'], tlib.techniques.word_iat)
