import pytest

from helpers import FIXTURE_DATA, fixture_overrides, train_config

BAD = FIXTURE_DATA / "bad"


def tiny(dataset: str, **paths):
    return fixture_overrides(
        dataset,
        **paths,
        **{
            "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
            (
                "model.seq2vec_encoder.encoder.input_size"
                if dataset == "rt_polarity"
                else "model.premise_encoder.encoder.input_size"
            ): 8,
            **({} if dataset == "rt_polarity" else {"model.hypothesis_encoder.input_size": 8}),
        },
    )


@pytest.fixture(scope="session")
def classifier_archive(tmp_path_factory):
    """A tiny trained `attnat_classifier` (one epoch on tests/fixtures/data/bad/train.jsonl)."""
    out = tmp_path_factory.mktemp("classifier")
    path = str(BAD / "train.jsonl")
    train_config(
        "rt_polarity_vanilla",
        out,
        tiny("rt_polarity", train_data_path=path, validation_data_path=path, test_data_path=path),
    )
    return out / "model.tar.gz"


@pytest.fixture(scope="session")
def pair_archive(tmp_path_factory):
    """A tiny trained `attnat_pair_classifier` (one epoch on the NLI fixture)."""
    out = tmp_path_factory.mktemp("pair")
    train_config(
        "vitaminc_vanilla",
        out,
        tiny(
            "vitaminc", **{"model.exact_match_features": False, "dataset_reader.exact_match": False}
        ),
    )
    return out / "model.tar.gz"
