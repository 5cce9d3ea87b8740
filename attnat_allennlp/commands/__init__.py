"""
The package's `allennlp` subcommands, one module each, named after the subcommand: the argument
parsing and a thin call into the library (`interpret/`, `study/`, `commands/prepare/`). Importing
this package registers them.
"""

from attnat_allennlp.commands import (  # noqa: F401  (registers the subcommands)
    attention_compare,
    attention_eps_sweep,
    attention_heatmap,
    attention_report,
    attention_study,
    prepare_attnat_data,
)
