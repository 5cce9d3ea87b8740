local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['rt_polarity'], lib.techniques.attention_iat_released)
