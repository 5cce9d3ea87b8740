local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['sst'], lib.techniques.attention_iat_released)
