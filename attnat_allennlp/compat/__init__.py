"""
Every workaround of allennlp 2.10.1 in this package, one module each, each saying which allennlp
function it fixes. The plugin's entry point (`attnat_allennlp/__init__.py`, which
`--include-package attnat_allennlp` and `.allennlp_plugins` import) calls `install()` once;
importing any module, this one included, installs nothing. Each workaround is applied for allennlp
2.10.1 only (`guard.applies`): another release is left untouched, with a logged warning.

| module | allennlp 2.10.1 behaviour it fixes |
| --- | --- |
| `archive_safety` | `allennlp/models/archival.py` `extracted_archive` extracts a model archive with a bare `extractall`: a member `../x` or a link is written outside the folder. Replaced by a checked extraction. |
| `jsonnet_library` | `allennlp/common/params.py` `Params.from_file` evaluates a config with no Jsonnet library path. `evaluate_file` is wrapped to add `training_config/lib/`. |
| `predict_manager` | `allennlp/commands/predict.py` `_PredictManager._get_json_data` drops blank lines and stops at a line that is not UTF-8; `run` cannot report the lines that failed. Both replaced, for predictors that read raw lines. |
| `attnat_allennlp.data.counting_vocabulary` | `allennlp/data/vocabulary.py` `Vocabulary` keeps no token counts: the registered subclass `attnat_counting` overrides the private `Vocabulary._extend`. It stays in `data/`, where it is registered with the other data components; `install()` only checks the version for it. |
| `attnat_allennlp.data.pretrained_transformer` | `allennlp/data/tokenizers/pretrained_transformer_tokenizer.py` and the matching indexer fail with today's `transformers` ("add_special_tokens conflicts"): replaced by registered components of their own (`attnat_pretrained_transformer`), not by a patch. |
| `embedding_projection` | `allennlp/modules/token_embedders/embedding.py` `Embedding` keeps its `projection_dim` layer in the private `_projection`, with no accessor. Nothing is replaced: `embedding_projection()` is the one read of it (word iAT, `attnat_normalized_embedding`); `install()` only checks the version for it. |
| `newsgroups_text` | Not allennlp: scikit-learn's private `sklearn.datasets._twenty_newsgroups`, copied (BSD-3-Clause) rather than imported. Nothing to install. |

Uses of allennlp that change nothing of it and so stay where they are used: `errors.py`
`brief_exit` (an `sys.excepthook` that prints a user error's message alone), `training/console.py`
(logging filters on the console handlers of `prepare_global_logging`), `training/train_loop.py`
(the FutureWarning filter of a training run) and `training/trainer_step.py` (the one place that
reads the `GradientDescentTrainer`'s private state).
"""

from attnat_allennlp.compat import (
    archive_safety,
    embedding_projection,
    jsonnet_library,
    predict_manager,
)
from attnat_allennlp.compat.guard import applies


def install() -> None:
    """
    Installs every workaround (once per process: a second call changes nothing). Called by the
    plugin's `attnat_allennlp/__init__.py`.
    """
    archive_safety.install()
    jsonnet_library.install()
    predict_manager.install()
    embedding_projection.check()
    applies(
        "the vocabulary extension (allennlp.data.vocabulary.Vocabulary._extend)",
        "the `attnat_counting` vocabulary still overrides it: check that its token counts "
        "(`get_index_counts`, Miyato's word frequencies) match the instances",
    )
