import json
import os

import pytest
import torch
from allennlp.common.testing import ModelTestCase
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor
from allennlp.training.callbacks import TrainerCallback

from attnat_allennlp.models import AttentionClassifier, AttentionPairClassifier
from attnat_allennlp.predictors import AttentionClassifierPredictor
from helpers import FIXTURES, train_config

TINY = {
    "classifier": FIXTURES / "configs" / "tiny_classifier.jsonnet",
    "pair": FIXTURES / "configs" / "tiny_pair.jsonnet",
    "pair_exact_match": FIXTURES / "configs" / "tiny_pair_exact_match.jsonnet",
}
DATA = {
    "classifier": FIXTURES / "data" / "text_classification.jsonl",
    "pair": FIXTURES / "data" / "nli.jsonl",
}
# The save/load check compares the batches of two loaders: they must come in the same order.
UNSHUFFLED = json.dumps({"data_loader.batch_sampler.shuffle": False})


class TestAttentionClassifier(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(TINY["classifier"], DATA["classifier"])

    def test_can_train_save_and_load(self):
        # Trains, archives, reloads and checks the reloaded model predicts the same.
        self.ensure_model_can_train_save_and_load(TINY["classifier"], overrides=UNSHUFFLED)

    def test_batch_predictions_are_consistent(self):
        self.ensure_batch_predictions_are_consistent(keys_to_ignore=["attention_state"])

    def test_outputs_and_metrics(self):
        assert isinstance(self.model, AttentionClassifier)
        self.model.train()
        output = self.model.forward(**self.dataset.as_tensor_dict())
        mask = output["attention_mask"]
        assert torch.allclose(output["attention"].sum(-1), torch.ones(len(self.instances)))
        assert (output["attention"][~mask] == 0).all()
        assert torch.allclose(output["probs"].sum(-1), torch.ones(len(self.instances)))
        assert "attention_state" in output  # for the perturbations, in training mode only
        self.model.eval()
        output = self.model.forward(**self.dataset.as_tensor_dict())
        assert "attention_state" not in output
        assert set(self.model.get_metrics()) == {"accuracy", "f1", "auc"}
        readable = self.model.make_output_human_readable(output)
        for tokens, weights in zip(readable["tokens"], readable["attention"]):
            assert len(tokens) == len(weights)
            assert sum(weights) == pytest.approx(1.0, abs=1e-5)
        assert set(readable["label"]) <= {"positive", "negative"}

    def test_metrics_match_sklearn(self):
        from sklearn.metrics import f1_score, roc_auc_score

        self.model.eval()
        output = self.model.forward(**self.dataset.as_tensor_dict())
        metrics = self.model.get_metrics(reset=True)
        positive = self.vocab.get_token_index("positive", "labels")
        gold = (self.dataset.as_tensor_dict()["label"] == positive).numpy()
        probs = output["probs"][:, positive].detach().numpy()
        predicted = output["probs"].argmax(-1).numpy() == positive
        assert metrics["auc"] == pytest.approx(roc_auc_score(gold, probs), abs=1e-6)
        assert metrics["f1"] == pytest.approx(f1_score(gold, predicted), abs=1e-6)
        assert metrics["accuracy"] == pytest.approx((predicted == gold).mean())


class TestAttentionPairClassifier(ModelTestCase):
    config = TINY["pair"]

    def setup_method(self):
        super().setup_method()
        self.set_up_model(self.config, DATA["pair"])

    def test_can_train_save_and_load(self):
        self.ensure_model_can_train_save_and_load(self.config, overrides=UNSHUFFLED)

    def test_batch_predictions_are_consistent(self):
        self.ensure_batch_predictions_are_consistent()

    def test_attention_is_over_the_premise_and_conditioned_on_the_hypothesis(self):
        assert isinstance(self.model, AttentionPairClassifier)
        self.model.eval()
        tensors = self.dataset.as_tensor_dict()
        output = self.model(**tensors)
        premise_mask = tensors["premise"]["tokens"]["tokens"] != 0
        assert output["attention"].shape == premise_mask.shape
        assert (output["attention"][~premise_mask] == 0).all()
        # Swapping the hypotheses changes the attention over the same premises.
        swapped = dict(
            tensors,
            hypothesis={"tokens": {"tokens": tensors["hypothesis"]["tokens"]["tokens"].flip(0)}},
        )
        other = self.model(**swapped)
        assert not torch.allclose(other["attention"], output["attention"])

    def test_answer_candidates_mask_the_logits(self):
        self.model.eval()
        tensors = self.dataset.as_tensor_dict()
        candidates = torch.zeros(len(self.instances), self.vocab.get_vocab_size("labels"))
        candidates[:, 0] = 1
        output = self.model(**tensors, answer_candidates=candidates)
        assert (output["probs"].argmax(-1) == 0).all()
        assert output["probs"][:, 1:].max() < 1e-6


class TestAttentionPairClassifierWithExactMatch(TestAttentionPairClassifier):
    # Every test of the plain pair model, and these, with the exact-match flags.
    config = TINY["pair_exact_match"]

    def test_the_flags_go_into_both_encoders_and_are_not_perturbed(self):
        from attnat_allennlp.perturbations import Perturbation

        assert self.model.exact_match_features
        tensors = self.dataset.as_tensor_dict()
        # The first instance: 'made', 'under', '23.5', 'sales' ... of the claim; '23.5' is not in
        # the evidence ("more than 23 million"), 'westlife' is.
        hypothesis = self.instances[0]["hypothesis"].tokens
        flags = tensors["hypothesis_exact_match"][0]
        expected = {"westlife": 1.0, "under": 0.0, "23.5": 0.0, "sales": 1.0}
        found = {
            token.text: float(flags[i])
            for i, token in enumerate(hypothesis)
            if token.text in expected
        }
        assert found == expected
        assert flags[len(hypothesis) :].eq(0).all()  # padding
        self.model.eval()
        output = self.model(**tensors)
        for name in ("premise_exact_match", "hypothesis_exact_match"):
            flipped = dict(tensors, **{name: 1.0 - tensors[name]})
            assert not torch.allclose(self.model(**flipped)["probs"], output["probs"])
        # Word-level perturbations move the embeddings; the flags stay.
        self.model.train()
        state = self.model(**tensors)["attention_state"]
        assert state.embeddings["premise"].size(-1) == 10
        assert set(state.features) == {"premise", "hypothesis"}
        r = Perturbation.by_name("word_at")(eps=1.0).perturb(self.model, state)
        assert {name: value.size(-1) for name, value in r.items()} == {
            "premise": 10,
            "hypothesis": 10,
        }
        rerun = self.model.rerun_from_embeddings(
            state, {name: torch.zeros_like(v) for name, v in r.items()}
        )
        torch.testing.assert_close(rerun.scores, state.scores)

    def test_missing_flags_and_wrong_encoder_sizes_are_clear_errors(self):
        from allennlp.common import Params
        from allennlp.common.checks import ConfigurationError
        from allennlp.models import Model

        tensors = self.dataset.as_tensor_dict()
        del tensors["hypothesis_exact_match"]
        with pytest.raises(ConfigurationError, match="'hypothesis_exact_match'.*exact_match: true"):
            self.model(**tensors)
        params = Params.from_file(str(TINY["pair"])).pop("model")
        params["exact_match_features"] = True  # the encoders still take embedding_dim inputs
        with pytest.raises(
            ConfigurationError,
            match="premise_encoder input dim must match text_field_embedder output dim \\+ 1 exact-match flag, but got 10 and 11",
        ):
            Model.from_params(vocab=self.vocab, params=params)


def test_saved_archive_predicts_like_the_trained_model(tmp_path):
    model = train_config(str(TINY["classifier"]), tmp_path / "run", {"trainer.num_epochs": 1})
    archive = load_archive(tmp_path / "run" / "model.tar.gz")
    predictor = Predictor.from_archive(archive, "attnat_classifier")
    direct = AttentionClassifierPredictor(model.eval(), predictor._dataset_reader)
    line = "A gorgeous, witty, seductive movie."
    a = predictor.predict_json(predictor.load_line(line))
    b = direct.predict_json(direct.load_line(json.dumps({"text": line})))
    assert a["tokens"] == ["a", "gorgeous", ",", "witty", ",", "seductive", "movie", "."]
    assert a["probs"] == pytest.approx(b["probs"], abs=1e-6)
    assert a["attention"] == pytest.approx(b["attention"], abs=1e-6)
    assert sum(a["attention"]) == pytest.approx(1.0, abs=1e-5)
    assert set(a["label_probs"]) == {"positive", "negative"}
    assert a["label"] == max(a["label_probs"], key=a["label_probs"].get)


@TrainerCallback.register("test_crash_once")
class CrashOnce(TrainerCallback):
    """Simulates a crash in the second epoch of the first run (before its checkpoint is saved)."""

    def on_epoch(self, trainer, metrics, epoch, is_primary=True, **kwargs) -> None:
        marker = os.path.join(self.serialization_dir, "crashed-once")
        if epoch == 1 and not os.path.exists(marker):
            open(marker, "w").close()
            raise RuntimeError("simulated crash")


def test_recover_continues_an_interrupted_run(tmp_path):
    overrides = {"trainer.num_epochs": 2, "trainer.callbacks": [{"type": "test_crash_once"}]}
    with pytest.raises(RuntimeError, match="simulated crash"):
        train_config(str(TINY["classifier"]), tmp_path, overrides)
    assert not (tmp_path / "metrics.json").exists() and not (tmp_path / "model.tar.gz").exists()
    assert (tmp_path / "model_state_e1_b0.th").exists()  # the checkpoint after the first epoch
    train_config(str(TINY["classifier"]), tmp_path, overrides, recover=True)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epoch"] == 1
    assert (tmp_path / "model.tar.gz").exists()
