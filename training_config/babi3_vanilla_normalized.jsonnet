local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['babi3'], lib.techniques.vanilla_normalized)
