local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['movie_reviews'], lib.techniques.attention_iat_released)
