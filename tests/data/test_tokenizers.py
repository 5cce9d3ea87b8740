import pytest
from allennlp.common import Params, util
from allennlp.data import Tokenizer

from attnat_allennlp.data.tokenizers import JainWallaceTokenizer

TEXT = "The 2 Towers (2002) isn't bad, Frodo!"


def texts(tokenizer, text=TEXT):
    return [t.text for t in tokenizer.tokenize(text)]


@pytest.fixture
def private_spacy_cache(monkeypatch):
    """
    `split_on_spaces` replaces the tokenizer of allennlp's *cached, shared* spaCy model; give the
    test its own cache so that the change does not leak into every later tokenizer.
    """
    monkeypatch.setattr(util, "LOADED_SPACY_MODELS", {})


def test_defaults_lowercase_and_digits_to_qqq():
    assert texts(JainWallaceTokenizer()) == [
        "the",
        "qqq",
        "towers",
        "(",
        "qqq",
        ")",
        "is",
        "n't",
        "bad",
        ",",
        "frodo",
        "!",
    ]


def test_options():
    assert texts(JainWallaceTokenizer(lowercase=False))[:3] == ["The", "qqq", "Towers"]
    assert texts(JainWallaceTokenizer(digit_token=None))[:5] == ["the", "2", "towers", "(", "2002"]
    assert texts(JainWallaceTokenizer(digit_token="<num>"))[1] == "<num>"
    assert texts(JainWallaceTokenizer(max_length=3)) == ["the", "qqq", "towers"]


def test_split_on_spaces(private_spacy_cache):
    assert texts(JainWallaceTokenizer(split_on_spaces=True), "A b-c (3rd)") == ["a", "b-c", "qqq"]


def test_split_on_spaces_tolerates_repeated_spaces(private_spacy_cache):
    assert texts(JainWallaceTokenizer(split_on_spaces=True), "a  b") == ["a", "b"]


def test_split_on_spaces_leaves_other_tokenizers_alone(private_spacy_cache):
    default = JainWallaceTokenizer()
    JainWallaceTokenizer(split_on_spaces=True)
    assert texts(default, "(2002)") == ["(", "qqq", ")"]


def test_batch_tokenize_matches_tokenize():
    tokenizer = JainWallaceTokenizer()
    batch = tokenizer.batch_tokenize([TEXT, "Room 101"])
    assert [[t.text for t in tokens] for tokens in batch] == [texts(tokenizer), ["room", "qqq"]]


def test_round_trips_through_params():
    tokenizer = JainWallaceTokenizer(lowercase=False, digit_token=None, max_length=5)
    rebuilt = Tokenizer.from_params(Params(tokenizer.to_params().as_dict()))
    assert isinstance(rebuilt, JainWallaceTokenizer)
    assert texts(rebuilt) == texts(tokenizer) == ["The", "2", "Towers", "(", "2002"]


def test_a_bracket_between_letters_is_split_off_with_its_offsets():
    text = "the election)and (like)channel, in 2019)x"
    tokens = JainWallaceTokenizer().tokenize(text)
    assert [t.text for t in tokens] == [
        "the", "election", ")", "and", "(", "like", ")", "channel", ",", "in", "qqq",
    ]  # fmt: skip
    assert all(text[t.idx : t.idx_end].lower() == t.text for t in tokens if t.text != "qqq")
    batch = JainWallaceTokenizer().batch_tokenize([text])
    assert [t.text for t in batch[0]] == [t.text for t in tokens]
