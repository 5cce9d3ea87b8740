local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['babi1'], lib.techniques.attention_iat_released)
