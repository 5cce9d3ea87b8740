local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['sst_300d'], lib.techniques.attention_iat_released)
