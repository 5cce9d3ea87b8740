"""
Reads allennlp 2.10.1's `allennlp/modules/token_embedders/embedding.py` `Embedding._projection`:
the `Linear` layer that `projection_dim` adds after the lookup, which `Embedding` applies in its
`forward` and offers no public accessor for. Word iAT applies it to the neighbours it moves towards,
as the embedder does to the words, and `attnat_normalized_embedding` applies it after normalising.

Nothing is replaced: this is the one place that reads the private attribute. Under another allennlp
release `compat.install()` warns (`guard.applies`) and the read goes on while the attribute is
there; where it is gone, `embedding_projection` raises an error naming it.
"""

from typing import Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp.compat.guard import applies

# What the read is, as `guard.applies` names it.
WORKAROUND = "the embedding's projection (allennlp.modules.token_embedders.Embedding._projection)"


def embedding_projection(embedding: Embedding) -> Optional[torch.nn.Module]:
    """
    The projection layer of an allennlp `Embedding` (`projection_dim`), `None` without one.

    # Parameters

    embedding : `Embedding`
        allennlp's `Embedding`, or a subclass of it.

    # Returns

    `Optional[torch.nn.Module]`
        What the embedding's `forward` applies to the looked-up vectors, or `None`.
    """
    if not hasattr(embedding, "_projection"):
        import allennlp

        raise ConfigurationError(
            f"allennlp {allennlp.__version__}'s Embedding has no _projection, which "
            "attnat_allennlp reads (word_iat's neighbours, attnat_normalized_embedding) and was "
            "written against allennlp 2.10.1: install allennlp==2.10.1"
        )
    return embedding._projection


def check() -> None:
    """Warns (once per `compat.install()`) when the installed allennlp is not 2.10.1."""
    applies(
        WORKAROUND,
        "word_iat and attnat_normalized_embedding still read it: check that an embedder with a "
        "projection_dim projects the neighbours as it projects the words",
    )
