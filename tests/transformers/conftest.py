"""Fixtures of the Transformer tests."""

import pytest
from tiny_bert_fixture import TINY_BERT


@pytest.fixture(scope="session")
def tiny_bert():
    """The tiny "pretrained" BERT folder of the fixtures (see `tiny_bert_fixture.TINY_BERT`)."""
    return TINY_BERT
