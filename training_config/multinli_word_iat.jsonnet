local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['multinli'], lib.techniques.word_iat)
