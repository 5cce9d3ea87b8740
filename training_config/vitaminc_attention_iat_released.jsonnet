local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['vitaminc'], lib.techniques.attention_iat_released)
