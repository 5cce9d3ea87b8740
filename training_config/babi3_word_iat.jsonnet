local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['babi3'], lib.techniques.word_iat)
