local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['snli'], lib.techniques.attention_iat_released)
