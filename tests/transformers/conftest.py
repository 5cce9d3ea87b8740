"""Fixtures of the Transformer tests."""

import pytest
from tiny_bert_fixture import make_tiny_bert


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    """A tiny random BERT saved as a "pretrained" directory (see `tiny_bert_fixture`)."""
    return make_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))
