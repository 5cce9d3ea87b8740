local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['rotten_tomatoes'], lib.techniques.attention_iat_released)
