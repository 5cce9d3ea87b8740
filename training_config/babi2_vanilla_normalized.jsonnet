local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['babi2'], lib.techniques.vanilla_normalized)
