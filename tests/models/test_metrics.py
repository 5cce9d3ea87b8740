"""`GatheredAuc`: the ROC AUC of allennlp's `Auc`, defined (0.5) when only one class was read."""

import math
import warnings

import pytest
import torch
from sklearn.metrics import roc_auc_score

from attnat_allennlp.models import metrics
from attnat_allennlp.models.metrics import GatheredAuc


def test_auc_matches_sklearn_over_batches():
    auc = GatheredAuc(positive_label=1)
    scores = torch.tensor([0.9, 0.2, 0.6, 0.4, 0.7, 0.1])
    gold = torch.tensor([1, 0, 0, 1, 1, 0])
    auc(scores[:3], gold[:3])
    auc(scores[3:], gold[3:], mask=torch.tensor([True, True, False]))
    kept = [0, 1, 2, 3, 4]
    assert auc.get_metric() == pytest.approx(roc_auc_score(gold[kept], scores[kept]))


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_gives_half_not_nan(label, monkeypatch):
    warned = []
    monkeypatch.setattr(metrics.logger, "warning_once", warned.append)
    auc = GatheredAuc(positive_label=1)
    auc(torch.tensor([0.9, 0.2, 0.6]), torch.full((3,), label))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's UndefinedMetricWarning is not reached
        value = auc.get_metric(reset=True)
    assert value == 0.5 and not math.isnan(value)
    assert len(warned) == 1 and f"every gold label read is {label}" in warned[0]
    # reset: a later batch with both classes is scored on its own
    auc(torch.tensor([0.9, 0.2]), torch.tensor([1, 0]))
    assert auc.get_metric() == 1.0
