local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['20news'], lib.techniques.attention_iat_released)
