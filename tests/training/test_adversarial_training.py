import json

import pytest
import torch
from allennlp.common.util import import_module_and_submodules
from allennlp.data.data_loaders import DataLoader
from allennlp.data.tokenizers import WhitespaceTokenizer
from allennlp.training import GradientDescentTrainer
from perturbations.tiny import tiny_batch, tiny_model

from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledTextReader
from attnat_allennlp.perturbations import CleanPass, Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep
from attnat_allennlp.training.unlabeled_stream import UnlabeledStream
from helpers import FIXTURES, fixture_overrides, load_config, train_config

HERE = FIXTURES.parent / "training"
TECHNIQUES = [
    "attention_rp",
    "attention_at",
    "attention_iat",
    "word_at",
    "word_iat",
    "word_vat",
    "attention_vat",
    "attention_ivat",
]


def small(dataset="rt_polarity", **extra):
    """Fixture overrides with a tiny model (embedding 8, BiLSTM 8 per direction)."""
    overrides = fixture_overrides(dataset, **extra)
    overrides.update(
        {
            "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
            "model.seq2vec_encoder.encoder.input_size": 8,
            "model.seq2vec_encoder.encoder.hidden_size": 8,
            "model.seq2vec_encoder.attention_dim": 8,
        }
    )
    return overrides


def callback(*names, weight=0.5, **kwargs):
    perturbations = [Perturbation.by_name(name)(eps=0.7, weight=weight) for name in names]
    return AdversarialTrainingCallback("/tmp/unused", perturbations, **kwargs)


def gradients(model):
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


def run_callback(model, cb, batch, step=None, seed=0):
    step = step or TrainerStep(model)
    cb.attach(model)
    torch.manual_seed(seed)
    outputs = model(**batch)
    cb.backward(step, outputs)
    return step


def by_hand(model, name, batch, weight=0.5, seed=0):
    """clean + weight * l(perturbed), one backward, the perturbation built independently."""
    torch.manual_seed(seed)
    outputs = model(**batch)
    state = outputs["attention_state"]
    perturbation = Perturbation.by_name(name)(eps=0.7)
    clean = CleanPass(outputs["logits"])
    r = perturbation.perturb(model, state, clean)
    extra = perturbation.extra_loss(model, state, r, clean)
    (outputs["loss"] + weight * extra).backward()


@pytest.mark.parametrize(
    "name", ["attention_at", "attention_iat", "word_at", "word_iat", "attention_vat", "word_vat"]
)
def test_gradients_equal_clean_plus_weighted_adversarial_by_hand(name):
    model = tiny_model()
    batch = tiny_batch()
    run_callback(model, callback(name), batch)
    produced = gradients(model)
    model.zero_grad(set_to_none=True)
    by_hand(model, name, batch)
    expected = gradients(model)
    assert produced.keys() == expected.keys() and len(expected) > 5
    for key in expected:
        torch.testing.assert_close(produced[key], expected[key])


@pytest.mark.parametrize("name", ["attention_at", "word_at"])
def test_gradient_accumulation_equals_one_big_batch(name):
    model = tiny_model()
    lengths = [6, 4, 5, 2]
    cb = callback(name)
    run_callback(model, cb, tiny_batch(lengths))
    whole = gradients(model)
    model.zero_grad(set_to_none=True)
    full = tiny_batch(lengths)
    ids, label = full["tokens"]["tokens"]["tokens"], full["label"]
    for half in (slice(0, 2), slice(2, 4)):
        part = {"tokens": {"tokens": {"tokens": ids[half]}}, "label": label[half]}
        run_callback(model, cb, part, TrainerStep(model, accumulation_group_size=2))
    accumulated = gradients(model)
    for key in whole:
        torch.testing.assert_close(accumulated[key], whole[key])


def test_accumulation_group_size_follows_the_trainer_including_the_last_short_group():
    model = tiny_model()
    sizes = {}
    for steps in (1, 2):
        trainer = GradientDescentTrainer(
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            FixedLength(5),
            num_gradient_accumulation_steps=steps,
        )
        for completed in (0, 1, 2):
            # the trainer's count of accumulation groups done so far in the epoch
            trainer._batches_in_epoch_completed = completed
            step = TrainerStep.from_trainer(trainer)
            assert step.model is model and step.grad_scaler is None and not step.use_amp
            sizes[steps, completed] = step.accumulation_group_size
    assert sizes == {(1, 0): 1, (1, 1): 1, (1, 2): 1, (2, 0): 2, (2, 1): 2, (2, 2): 1}


class FixedLength(DataLoader):
    """A data loader of `n` batches, for building a trainer (never iterated)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def set_target_device(self, device):
        pass


class FakeScaler:
    def scale(self, loss):
        return loss * 4.0


@pytest.mark.parametrize("name", ["attention_iat", "word_at"])
def test_amp_losses_go_through_the_grad_scaler(name):
    model = tiny_model()
    run_callback(model, callback(name), tiny_batch())
    plain = gradients(model)
    model.zero_grad(set_to_none=True)
    run_callback(model, callback(name), tiny_batch(), TrainerStep(model, grad_scaler=FakeScaler()))
    scaled = gradients(model)
    for key in plain:
        torch.testing.assert_close(scaled[key], 4.0 * plain[key])


def test_unlabeled_stream_is_consumed_cycled_and_changes_the_vat_loss():
    model = tiny_model()
    batch = tiny_batch()
    cb = callback(
        "attention_vat",
        unlabeled_data_path=str(HERE / "unlabeled_short.txt"),
        unlabeled_batch_size=2,
    )
    for _ in range(3):  # 3 texts in batches of 2: the third draw starts a new cycle
        run_callback(model, cb, batch, seed=0)
        model.zero_grad(set_to_none=True)
    assert cb.unlabeled_batches_seen == 3
    with_stream = model.get_metrics(reset=True)["attention_vat_loss"]
    plain_model = tiny_model()
    plain = callback("attention_vat")
    for _ in range(3):
        run_callback(plain_model, plain, batch, seed=0)
    without = plain_model.get_metrics(reset=True)["attention_vat_loss"]
    assert with_stream > 0 and without > 0 and with_stream != pytest.approx(without)
    state = cb.state_dict()
    assert state["unlabeled_batches_seen"] == 3 and state["labeled_batches_seen"] == 3


def lengths_file(tmp_path):
    """16 unlabeled texts in four lengths (3, 6, 12 and 24 words), the lengths mixed up."""
    lines = [" ".join(f"w{(i + j) % 30}" for j in range(3 * 2 ** (i % 4))) for i in range(16)]
    path = tmp_path / "unlabeled.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def stream(path, seed=0, batch_size=4, max_tokens=None):
    reader = UnlabeledTextReader(tokenizer=WhitespaceTokenizer(), max_tokens=max_tokens)
    return UnlabeledStream(reader, str(path), batch_size, tiny_model().vocab, seed=seed)


def batch_lengths(batch):
    return batch["tokens"]["tokens"]["tokens"].ne(0).sum(-1).tolist()


def test_the_unlabeled_stream_is_length_bucketed_shuffled_cut_and_cycles(tmp_path):
    path = lengths_file(tmp_path)
    texts = stream(path)
    assert texts.batches_per_cycle == 4
    orders = []
    for _ in range(3):  # three cycles
        cycle = [batch_lengths(next(texts)) for _ in range(4)]
        # every batch holds texts of one length (padded to exactly that), every text once a cycle
        assert sorted(cycle) == [[3] * 4, [6] * 4, [12] * 4, [24] * 4]
        orders.append([lengths[0] for lengths in cycle])
    assert len({tuple(order) for order in orders}) > 1  # a new order each cycle
    assert texts.tokens_seen == texts.padded_tokens_seen == 3 * 4 * (3 + 6 + 12 + 24)
    cut = stream(path, max_tokens=5)
    assert sorted(max(batch_lengths(next(cut))) for _ in range(4)) == [3, 5, 5, 5]


def test_the_unlabeled_stream_continues_where_it_stopped(tmp_path):
    path = lengths_file(tmp_path)
    first = stream(path, seed=7)
    drawn = [batch_lengths(next(first)) for _ in range(11)]
    again = stream(path, seed=7)
    again.skip(6)
    assert [batch_lengths(next(again)) for _ in range(5)] == drawn[6:]
    # ... and through the callback's state, restored before the trainer's on_start
    model = tiny_model()
    cb = callback("attention_vat", unlabeled_data_path=str(path), unlabeled_batch_size=4)
    for _ in range(6):
        run_callback(model, cb, tiny_batch())
    state = cb.state_dict()
    assert state["unlabeled_batches_seen"] == 6
    expected = [batch_lengths(next(cb.unlabeled_stream)) for _ in range(3)]
    resumed = callback("attention_vat", unlabeled_data_path=str(path), unlabeled_batch_size=4)
    resumed.load_state_dict(state)
    resumed.attach(model)
    assert [batch_lengths(next(resumed.unlabeled_stream)) for _ in range(3)] == expected


@pytest.mark.parametrize("rate, expected", [(1.0, 6), (0.5, 3), (2.0, 12), (1 / 3, 2)])
def test_unlabeled_batches_per_step(tmp_path, rate, expected):
    model = tiny_model()
    cb = callback(
        "attention_vat",
        unlabeled_data_path=str(lengths_file(tmp_path)),
        unlabeled_batch_size=4,
        unlabeled_batches_per_step=rate,
    )
    for _ in range(6):
        run_callback(model, cb, tiny_batch())
    assert cb.unlabeled_batches_seen == expected
    with pytest.raises(Exception, match="unlabeled_batches_per_step must be positive, got 0"):
        callback("attention_vat", unlabeled_data_path="x.txt", unlabeled_batches_per_step=0)


def test_the_vat_loss_is_the_mean_over_labeled_and_unlabeled_examples(tmp_path):
    path = lengths_file(tmp_path)
    model = tiny_model()
    cb = callback(
        "attention_vat",
        unlabeled_data_path=str(path),
        unlabeled_batch_size=4,
        unlabeled_dataset_reader=UnlabeledTextReader(tokenizer=WhitespaceTokenizer()),
    )
    run_callback(model, cb, tiny_batch(), seed=0)
    reported = model.get_metrics(reset=True)["attention_vat_loss"]
    # by hand: the same random draws, in the same order (labeled batch first, then unlabeled)
    texts = stream(path, seed=cb.unlabeled_seed)
    unlabeled = next(texts)
    torch.manual_seed(0)
    labeled_outputs = model(**tiny_batch())
    perturbation = Perturbation.by_name("attention_vat")(eps=0.7)
    labeled = perturbation.loss(
        model, labeled_outputs["attention_state"], CleanPass(labeled_outputs["logits"])
    )
    outputs = model(**unlabeled)
    other = perturbation.loss(model, outputs["attention_state"], CleanPass(outputs["logits"]))
    assert reported == pytest.approx(float((4 * labeled + 4 * other).detach() / 8), rel=1e-9)


def test_the_metric_is_reported_in_training_mode_only():
    model = tiny_model()
    run_callback(model, callback("attention_at"), tiny_batch())
    assert model.get_metrics()["attention_at_loss"] > 0
    model.eval()
    assert "attention_at_loss" not in model.get_metrics()


def test_labels_are_required_by_labelled_techniques_and_errors_are_clear():
    with pytest.raises(Exception, match="needs labels"):
        callback("attention_at", unlabeled_data_path="x.txt")
    model = tiny_model()
    with pytest.raises(Exception, match="attention_state"):
        callback("attention_at").backward(TrainerStep(model), {"loss": torch.tensor(1.0)})


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_each_technique_trains_one_epoch_from_its_config(tmp_path, technique):
    overrides = small()
    overrides["trainer.callbacks.1.unlabeled_data_path"] = (
        str(HERE / "unlabeled_short.txt") if "vat" in technique else None
    )
    train_config(f"rt_polarity_{technique}", tmp_path, overrides)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics[f"training_{technique}_loss"] >= 0
    assert f"validation_{technique}_loss" not in metrics


def test_recover_continues_training_with_the_callback(tmp_path):
    overrides = small()
    train_config("rt_polarity_attention_iat", tmp_path, overrides)
    config = json.loads((tmp_path / "config.json").read_text())
    config["trainer"]["num_epochs"] = 2
    (tmp_path / "config.json").write_text(json.dumps(config))
    overrides["trainer.num_epochs"] = 2
    train_config("rt_polarity_attention_iat", tmp_path, overrides, recover=True)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epoch"] == 1
    assert metrics["training_attention_iat_loss"] > 0


def test_snli_iat_is_attention_iat():
    callbacks = load_config("snli_iat").as_dict()["trainer"]["callbacks"]
    assert callbacks[1]["perturbations"][0]["type"] == "attention_iat"


def test_a_plugin_perturbation_trains_via_include_package(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES / "plugin_example"))
    import_module_and_submodules(
        "my_perturbations"
    )  # what `--include-package my_perturbations` does
    overrides = small()
    overrides["trainer.callbacks.1.perturbations"] = [
        {"type": "scaled_random", "eps": 2.0, "scale": 0.5}
    ]
    train_config(
        "rt_polarity_attention_rp", tmp_path, overrides, include_package=["my_perturbations"]
    )
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training_scaled_random_loss"] > 0


@pytest.mark.distributed
def test_distributed_training_with_two_cpu_workers_keeps_the_replicas_in_sync(
    tmp_path, monkeypatch
):
    monkeypatch.syspath_prepend(str(FIXTURES / "plugin_example"))
    monkeypatch.setenv("PYTHONPATH", str(FIXTURES / "plugin_example"))
    overrides = small()
    overrides["distributed"] = {"cuda_devices": [-1, -1]}
    overrides["evaluate_on_test"] = (
        False  # allennlp evaluates on rank 0 alone, and its metrics all-reduce
    )
    overrides["trainer.callbacks"] = [
        {
            "type": "adversarial_training",
            "perturbations": [{"type": "word_at"}, {"type": "attention_at"}],
        },
        {"type": "parameter_checksum"},
    ]
    # The attention_at config: its embedder is a plain one. allennlp 2.10.1's distributed
    # train_model hands the workers a plain `from_files` vocabulary, without the token counts that
    # the word-level configs' normalised embedding needs (its error says so).
    params = load_config("rt_polarity_attention_at", overrides)
    from allennlp.commands.train import train_model

    train_model(params, str(tmp_path), include_package=["my_perturbations", "attnat_allennlp"])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["training_word_at_loss"] > 0 and metrics["training_attention_at_loss"] > 0
    sums = [json.loads((tmp_path / f"rank_{r}.json").read_text())["sum"] for r in (0, 1)]
    assert sums[0] == pytest.approx(sums[1], abs=1e-9)
