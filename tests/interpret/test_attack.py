"""The word-substitution attack on a hand-made model whose right substitution is known."""

import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder

from attnat_allennlp.interpret.attack import attack_measures, word_substitution_attack
from attnat_allennlp.interpret.report import load_instances
from hand_made import hand_made_model, instance, probability_of
from helpers import FIXTURE_PATHS, TINY_TRANSFORMER, fixture_overrides, train_config


def test_the_attack_finds_the_known_substitution_and_counts_its_queries():
    model = hand_made_model()
    (result,), measures = word_substitution_attack(model, [instance("movie good")])
    # "good" matters most (OOV in its place lowers p(pos), in place of "movie" raises it); of its
    # candidates "okay" (tried first, more similar) does not flip, "nice" does
    assert result.success and result.attacked
    assert result.changes == [(1, "good", "nice")]
    assert result.tokens == ["movie", "nice"]
    # 1 prediction + 2 importance passes + 2 candidates
    assert result.queries == 5
    assert result.words_changed == 0.5
    assert [t.text for t in result.instance["tokens"].tokens] == ["movie", "nice"]
    assert result.instance["metadata"].metadata["tokens"] == ["movie", "nice"]
    # the search's probability is the model's on the attacked instance: mean dim 0 = -0.45
    after = 1 / (1 + torch.exp(torch.tensor(8 * 0.45)))
    assert result.gold_probability[1] == pytest.approx(float(after), abs=1e-6)
    assert probability_of(model, result.instance) == pytest.approx(float(after), abs=1e-6)
    assert measures == {
        "attack_accuracy": 0.0,
        "attack_success_rate": 1.0,
        "attack_words_changed": 0.5,
        "attack_queries": 5.0,
    }


def test_the_query_budget_stops_the_attack():
    model = hand_made_model()
    (result,), _ = word_substitution_attack(model, [instance("movie good")], query_budget=4)
    # room for the prediction, the two importance passes and one candidate ("okay"): kept, as it
    # lowers p(pos), but no flip
    assert result.queries == 4
    assert not result.success
    assert result.changes == [(1, "good", "okay")]


def test_stop_words_are_left_alone():
    model = hand_made_model()
    text = [instance("the good movie")]
    (kept,), _ = word_substitution_attack(model, text, max_words_changed=1.0)
    # "the" -> "thee" would flip it; "good" -> "nice" alone does not; "movie" has no candidate
    assert not kept.success
    assert kept.tokens == ["the", "nice", "movie"]
    (free,), _ = word_substitution_attack(model, text, max_words_changed=1.0, stop_words=())
    assert free.success and free.changes == [(0, "the", "thee")]


def test_at_most_the_share_of_words_changes():
    model = hand_made_model()
    text = [instance("good good movie movie movie")]  # 5 words; two "nice" flip it, one does not
    (limited,), measures = word_substitution_attack(model, text, max_words_changed=0.2)
    assert not limited.success and len(limited.changes) == 1  # ceil(0.2 * 5) = 1
    assert measures["attack_accuracy"] == 1.0 and measures["attack_success_rate"] == 0.0
    assert measures["attack_words_changed"] is None  # no successful attack
    (wider,), _ = word_substitution_attack(model, text, max_words_changed=0.4)
    assert wider.success
    # after one "nice" (sum of dimension 0: 0.3) "okay" flips it too (-0.5): of the flipping
    # candidates the one most similar to "good" is kept (TextAttack's choice)
    assert wider.changes == [(0, "good", "nice"), (1, "good", "okay")]


def test_only_correct_examples_are_attacked_and_no_neighbour_below_the_threshold():
    model = hand_made_model()
    wrong, right = instance("movie good", "neg"), instance("movie good")
    results, measures = word_substitution_attack(model, [wrong, right], min_cos_sim=0.85)
    assert not results[0].attacked and results[0].queries == 0
    # at 0.85 "nice" (0.8) is no candidate, "okay" (0.918) is
    assert results[1].tokens == ["movie", "okay"] and not results[1].success
    assert measures["attack_accuracy"] == 0.5 and measures["attack_success_rate"] == 0.0
    assert attack_measures(results) == measures


def test_bad_options_name_the_knob():
    model = hand_made_model()
    with pytest.raises(ConfigurationError, match="max_words_changed must be a share"):
        word_substitution_attack(model, [instance("movie good")], max_words_changed=0.0)
    with pytest.raises(ConfigurationError, match="min_cos_sim"):
        word_substitution_attack(model, [instance("movie good")], min_cos_sim=2.0)
    model._text_field_embedder = BasicTextFieldEmbedder({})
    with pytest.raises(ConfigurationError, match="from the model's word embedding table: it needs"):
        word_substitution_attack(model, [instance("movie good")])


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("attack_pair")
    overrides = fixture_overrides(
        "vitaminc",
        **{
            "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
            "model.premise_encoder.encoder.input_size": 9,
            "model.hypothesis_encoder.input_size": 9,
        },
    )
    train_config("vitaminc_vanilla", out, overrides)
    archive = load_archive(str(out / "model.tar.gz"))
    data = FIXTURE_PATHS["vitaminc"]["test_data_path"]
    return archive.model.eval(), load_instances(archive.dataset_reader, data, 16)


def test_a_pair_model_has_only_its_hypothesis_changed(pair):
    model, instances = pair
    assert model.exact_match_features
    results, _ = word_substitution_attack(model, instances, min_cos_sim=-1.0, max_words_changed=1.0)
    attacked = [r for r in results if r.attacked]
    assert attacked and any(r.changes for r in attacked)
    for result, original in zip(results, instances):
        assert result.text_field == "hypothesis"
        premise = [t.text for t in original["premise"].tokens]
        assert [t.text for t in result.instance["premise"].tokens] == premise
        for position, old, _ in result.changes:
            # never a stop word, punctuation or a word of the premise
            assert old.lower() not in {"the", "a", "of", "is", "in", "."}
            assert old.lower() not in {w.lower() for w in premise}
        if result.changes:
            # the exact-match flags and the ids the search used are those of the new instance
            label = original["label"].label
            assert probability_of(model, result.instance, label) == pytest.approx(
                result.gold_probability[1], abs=1e-5
            )


def test_a_transformer_over_words_is_attacked(tmp_path):
    overrides = {**FIXTURE_PATHS["rt_polarity"], **TINY_TRANSFORMER, "trainer.num_epochs": 1}
    train_config("rt_polarity_transformer_vanilla", tmp_path, overrides)
    archive = load_archive(str(tmp_path / "model.tar.gz"))
    model = archive.model.eval()
    data = FIXTURE_PATHS["rt_polarity"]["test_data_path"]
    instances = load_instances(archive.dataset_reader, data, 8)
    results, measures = word_substitution_attack(model, instances, min_cos_sim=-1.0)
    assert measures["attack_queries"] is not None
    for result in results:
        if result.changes:
            label = result.instance["label"].label
            assert probability_of(model, result.instance, label) == pytest.approx(
                result.gold_probability[1], abs=1e-5
            )
