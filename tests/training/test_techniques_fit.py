"""Every technique still learns: a tiny model fits a tiny separable dataset through the callback."""

import pytest
import torch
from perturbations.tiny import WORDS, tiny_model

from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

TECHNIQUES = [
    "vanilla",
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_vat",
    "attention_ivat",
    "word_at",
    "word_iat",
    "word_vat",
]


def separable_batch(size: int = 16, seed: int = 0):
    """Positive texts use the first half of the words, negative ones the second half (ids from 2)."""
    generator = torch.Generator().manual_seed(seed)
    half = len(WORDS) // 2
    label = torch.tensor([i % 2 for i in range(size)])
    lengths = torch.randint(3, 7, (size,), generator=generator)
    ids = torch.zeros(size, int(lengths.max()), dtype=torch.long)
    for row in range(size):
        words = torch.randint(0, half, (int(lengths[row]),), generator=generator)
        ids[row, : lengths[row]] = 2 + words + half * label[row]
    return {"tokens": {"tokens": {"tokens": ids}}, "label": label}


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_each_technique_fits_a_tiny_separable_dataset(technique):
    model = tiny_model(seed=0)
    batch = separable_batch()
    callback = None
    if technique != "vanilla":
        perturbation = Perturbation.by_name(technique)(eps=0.1)
        callback = AdversarialTrainingCallback("/tmp/unused", [perturbation])
        callback.attach(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    step = TrainerStep(model)
    torch.manual_seed(0)
    losses = []
    for _ in range(25):
        optimizer.zero_grad()
        outputs = model(**batch)
        losses.append(float(outputs["loss"].detach()))
        if callback is None:
            outputs["loss"].backward()
        else:
            callback.backward(step, outputs)
        optimizer.step()
    model.eval()
    with torch.no_grad():
        outputs = model(**batch)
        accuracy = float((outputs["logits"].argmax(-1) == batch["label"]).double().mean())
    assert losses[0] > 0.6  # chance: ln 2
    assert float(outputs["loss"]) < 0.3 * losses[0], losses
    assert accuracy >= 0.9
