local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['rt_polarity'], lib.techniques.vanilla_normalized)
