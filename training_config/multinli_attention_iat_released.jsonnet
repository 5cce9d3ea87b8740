local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['multinli'], lib.techniques.attention_iat_released)
