local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['imdb'], lib.techniques.vanilla_normalized)
