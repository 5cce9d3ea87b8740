local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['rotten_tomatoes'], lib.techniques.vanilla_normalized)
