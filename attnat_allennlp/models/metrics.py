import logging

import torch
import torch.distributed as dist
from allennlp.common.util import is_distributed
from allennlp.training.metrics import Auc

logger = logging.getLogger(__name__)


class GatheredAuc(Auc):
    """
    allennlp's `Auc`, gathering the predictions of all workers only when the metric is read.

    allennlp 2.10.1's `Auc.__call__` all-gathers the *accumulated* predictions on every batch under
    distributed training and keeps the concatenation, so each worker's store doubles per batch
    (memory grows as 2^batches). Here each worker accumulates its own predictions and `get_metric`
    gathers them once.

    When the labels read so far are all of one class the ROC AUC is undefined (scikit-learn returns
    NaN); this metric then returns 0.5, as allennlp's does for no labels at all, and logs a warning
    once, so that `metrics.json` and a `+auc` validation metric never see NaN.
    """

    def __call__(self, predictions, gold_labels, mask=None):
        predictions, gold_labels, mask = self.detach_tensors(predictions, gold_labels, mask)
        if mask is None:
            mask = torch.ones_like(gold_labels, dtype=torch.bool)
        self._all_predictions = torch.cat(
            [self._all_predictions.to(predictions.device), predictions[mask].float()]
        )
        self._all_gold_labels = torch.cat(
            [self._all_gold_labels.to(gold_labels.device), gold_labels[mask].long()]
        )

    def get_metric(self, reset: bool = False):
        if not is_distributed():
            return self._defined_auc(reset)
        local = (self._all_predictions.cpu(), self._all_gold_labels.cpu())
        gathered = [None] * dist.get_world_size()
        dist.all_gather_object(gathered, local)
        mine = local
        self._all_predictions = torch.cat([g[0] for g in gathered])
        self._all_gold_labels = torch.cat([g[1] for g in gathered])
        try:
            # `Auc.get_metric` has no collective calls of its own.
            value = self._defined_auc(reset=False)
        finally:
            self._all_predictions, self._all_gold_labels = mine
        if reset:
            self.reset()
        return value

    def _defined_auc(self, reset: bool) -> float:
        """`Auc.get_metric`, or 0.5 when the gold labels have fewer than two classes."""
        labels = self._all_gold_labels
        if labels.numel() > 0 and torch.unique(labels).numel() < 2:
            logger.warning_once(
                f"auc: every gold label read is {int(labels[0])}, so the ROC AUC is undefined; "
                "reported as 0.5"
            )
            if reset:
                self.reset()
            return 0.5
        return super().get_metric(reset)
