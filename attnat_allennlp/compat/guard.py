"""
The version guard every workaround of `attnat_allennlp.compat` shares: a workaround replaces or
wraps a private function of allennlp 2.10.1, whose signature and behaviour it was written against,
so it is applied for that release only; any other release is left untouched, with a logged warning
naming what is then missing.
"""

import logging

logger = logging.getLogger(__name__)

# The allennlp release the workarounds of this package were written against.
ALLENNLP_VERSION = "2.10.1"


def applies(workaround: str, consequence: str) -> bool:
    """
    Whether the installed allennlp is `ALLENNLP_VERSION`; if not, logs a warning naming the
    workaround (which is then not installed) and what that means for the user.

    # Parameters

    workaround : `str`
        What the workaround replaces, e.g. "the archive extraction
        (allennlp.models.archival.extracted_archive)".
    consequence : `str`
        What a user of another allennlp release gets instead.

    # Returns

    `bool`
        `True` when the workaround is to be installed.
    """
    import allennlp

    if allennlp.__version__ == ALLENNLP_VERSION:
        return True
    logger.warning(
        "attnat_allennlp's workaround for %s is written for allennlp %s, and this is allennlp %s: %s",
        workaround,
        ALLENNLP_VERSION,
        allennlp.__version__,
        consequence,
    )
    return False
