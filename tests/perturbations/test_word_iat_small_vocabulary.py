"""Word iAT on a vocabulary too small for a neighbour."""

import torch


def test_word_iat_without_a_neighbour_names_the_min_count():
    """A train-only vocabulary of a tiny data set can hold a single word: a clear error."""
    import pytest
    from allennlp.common.checks import ConfigurationError

    from attnat_allennlp.perturbations.word_iat import WordInterpretableAdversarialPerturbation

    with pytest.raises(ConfigurationError, match="min_count"):
        WordInterpretableAdversarialPerturbation().neighbours(
            torch.zeros(3, 4), torch.tensor([2]), [0, 1]
        )
