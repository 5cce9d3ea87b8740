local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['cnn'], lib.techniques.attention_iat_released)
