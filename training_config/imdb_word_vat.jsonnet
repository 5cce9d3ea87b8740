local lib = import 'lib/attnat.libsonnet';
lib.experiment(lib.datasets['imdb'], lib.techniques.word_vat)
