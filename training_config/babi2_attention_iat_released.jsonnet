local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['babi2'], lib.techniques.attention_iat_released)
