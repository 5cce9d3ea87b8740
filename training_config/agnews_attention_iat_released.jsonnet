local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['agnews'], lib.techniques.attention_iat_released)
