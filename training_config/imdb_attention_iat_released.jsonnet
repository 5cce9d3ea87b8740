local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['imdb'], lib.techniques.attention_iat_released)
