"""The shared core of the gradient-based techniques (AT and iAT, on the scores or the embeddings)."""

from typing import Optional

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import CleanPass, Perturbation, detach_fields
from attnat_allennlp.perturbations.util import Fields


class GradientPerturbation(Perturbation):
    """
    Base of AT and iAT: the perturbation is a function of the gradient g of the clean task loss with
    respect to the target, `direction(model, state, g)`, scaled to norm eps per example.
    Subclasses implement `direction`.
    """

    uses_clean_gradient = True

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        raise NotImplementedError

    def perturb(
        self, model: AttentionModel, state: AttentionState, clean: Optional[CleanPass] = None
    ) -> Fields:
        gradient = self.clean_gradient(model, state, clean)
        direction = self.direction(model, state, gradient)
        return self.normalize(detach_fields(direction), self.target_masks(state), self.eps)


class AdversarialPerturbation(GradientPerturbation):
    """AT: the direction is the gradient itself, r = eps * g / ||g||_2 per example."""

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        return gradient
