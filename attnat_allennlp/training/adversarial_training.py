import logging
import math
import random
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader
from allennlp.training.callbacks import TrainerCallback
from allennlp.training.callbacks.backward import OnBackwardException
from allennlp.training.metrics import Average

from attnat_allennlp.models.base import AttentionModel, AttentionState, model_device
from attnat_allennlp.perturbations.base import TARGETS, CleanPass, Perturbation, target_fields
from attnat_allennlp.perturbations.util import Fields
from attnat_allennlp.training.trainer_step import TrainerStep
from attnat_allennlp.training.unlabeled_stream import UnlabeledStream

if TYPE_CHECKING:
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer

logger = logging.getLogger(__name__)


@TrainerCallback.register("adversarial_training")
class AdversarialTrainingCallback(TrainerCallback):
    """
    Trains an [`AttentionModel`](../models/base.md) with the techniques of Kitada & Iyatomi: for each
    batch, the loss is `clean_loss + sum_i weight_i * extra_loss_i`, one extra loss per
    `Perturbation` (attention RP/AT/iAT/VAT/iVAT, word AT/iAT/VAT). The callback does the backward
    pass itself (`on_backward`), so the trainer's optimizer step sees the combined gradient.

    - Gradient accumulation and mixed precision: the losses are divided by the size of the current
      accumulation group and scaled through the trainer's `GradScaler`, as the trainer does its own
      (a [`TrainerStep`](trainer_step.md) says how; `on_backward` is `backward(TrainerStep.from_trainer(trainer), outputs)`,
      and `backward` can be called without a trainer).
    - The clean pass is computed once per batch and shared by the perturbations as a `CleanPass`
      (logits, and the gradients of the clean loss that AT and iAT need): with respect to the
      attention scores by a pass through the attention head only; with respect to the word
      embeddings together with the parameters' gradients of the clean loss, so that the combined
      loss costs no extra encoder backward (see `clean_pass`).
    - Techniques that need no labels (the VAT family) also learn from an optional stream of unlabeled
      text (an [`UnlabeledStream`](unlabeled_stream.md)): batched as allennlp batches training data
      (length-bucketed batches of `unlabeled_batch_size`, shuffled, cycling through the data, sharded
      across distributed and loader workers, on the trainer's device), `unlabeled_batches_per_step`
      of its batches per training batch run through the model in training mode without labels, and
      the VAT loss is averaged over the labeled and unlabeled examples together. The stream costs
      about what its tokens cost: limit their length with the unlabeled reader's `max_tokens` (the
      configs' `unlabeled_max_tokens`). After `--recover` it continues where it stopped. Without
      the stream, VAT uses the labeled batch.
    - Each extra loss (unweighted) is reported as a model metric `<name>_loss` (e.g.
      `attention_iat_loss`), so it shows in the training log, `metrics.json` and TensorBoard.

    The model's output dict must carry `attention_state` in training mode (every `AttentionModel`
    does).

    Registered as a `TrainerCallback` with name "adversarial_training".

    # Parameters

    serialization_dir : `str`
        Given by the trainer.
    perturbations : `List[Perturbation]`
        The techniques, e.g. `[{"type": "attention_iat", "eps": 1.0}]`.
    unlabeled_data_path : `Optional[str]`, optional (default = `None`)
        Unlabeled text for the techniques that need no labels.
    unlabeled_dataset_reader : `Optional[DatasetReader]`, optional (default = `None`)
        Reads `unlabeled_data_path`; `None` means `{"type": "attnat_unlabeled_text"}` (one text a
        line, or jsonl with a `text` key); pair models need `{"type": "attnat_unlabeled_pairs"}`.
        Any `label` field it produces is dropped.
    unlabeled_batch_size : `int`, optional (default = `32`)
        The size of the unlabeled batches.
    unlabeled_batches_per_step : `float`, optional (default = `1.0`)
        Unlabeled batches per training batch: 2.0 draws two with each, 0.5 one with every other
        (the cost of the stream grows with it).
    """

    def __init__(
        self,
        serialization_dir: str,
        perturbations: List[Perturbation],
        unlabeled_data_path: Optional[str] = None,
        unlabeled_dataset_reader: Optional[DatasetReader] = None,
        unlabeled_batch_size: int = 32,
        unlabeled_batches_per_step: float = 1.0,
    ) -> None:
        super().__init__(serialization_dir)
        if not perturbations:
            raise ConfigurationError("adversarial_training needs at least one perturbation")
        if unlabeled_data_path is not None and all(p.requires_labels for p in perturbations):
            raise ConfigurationError(
                "unlabeled_data_path is given but every perturbation needs labels; "
                "only the VAT family (word_vat, attention_vat, attention_ivat) learns from unlabeled text"
            )
        self.perturbations = perturbations
        self.metric_names = self._unique_names(perturbations)
        self._metrics = {name: Average() for name in self.metric_names}
        self.unlabeled_data_path = unlabeled_data_path
        self._unlabeled_reader = unlabeled_dataset_reader
        if unlabeled_batch_size < 1:
            raise ConfigurationError(
                f"unlabeled_batch_size must be at least 1, got {unlabeled_batch_size}"
            )
        if not unlabeled_batches_per_step > 0:
            raise ConfigurationError(
                f"unlabeled_batches_per_step must be positive, got {unlabeled_batches_per_step}"
            )
        self.unlabeled_batch_size = unlabeled_batch_size
        self.unlabeled_batches_per_step = unlabeled_batches_per_step
        self.unlabeled_stream: Optional[UnlabeledStream] = None
        # Training state (Python scalars only, so that checkpoints load under weights_only).
        self.labeled_batches_seen = 0
        self.unlabeled_batches_seen = 0
        self.unlabeled_seed = random.randrange(2**31)
        # Real tokens of the labeled batches of this run (the stream counts its own).
        self.labeled_tokens_seen = 0

    @staticmethod
    def _unique_names(perturbations: List[Perturbation]) -> List[str]:
        names: List[str] = []
        for perturbation in perturbations:
            base = f"{type(perturbation).registered_name()}_loss"
            name, index = base, 2
            while name in names:
                name, index = f"{base}_{index}", index + 1
            names.append(name)
        return names

    # ---- trainer hooks ------------------------------------------------------------------------
    def on_start(
        self, trainer: "GradientDescentTrainer", is_primary: bool = True, **kwargs
    ) -> None:
        super().on_start(trainer, is_primary, **kwargs)
        self.attach(
            trainer.model,
            num_workers=getattr(trainer.data_loader, "num_workers", 0),
            cuda_device=trainer.cuda_device,
        )

    def on_backward(
        self,
        trainer: "GradientDescentTrainer",
        batch_outputs: Dict[str, Any],
        backward_called: bool,
        **kwargs,
    ) -> bool:
        if backward_called:
            raise OnBackwardException("adversarial_training must be the only backward callback")
        self.backward(TrainerStep.from_trainer(trainer), batch_outputs)
        return True

    def on_end(
        self,
        trainer: "GradientDescentTrainer",
        metrics: Optional[Dict[str, Any]] = None,
        epoch: Optional[int] = None,
        is_primary: bool = True,
        **kwargs,
    ) -> None:
        super().on_end(trainer, metrics, epoch, is_primary, **kwargs)
        stream = self.unlabeled_stream
        if stream is not None and self.labeled_tokens_seen:
            logger.info(
                "adversarial_training: the unlabeled stream gave %d tokens (%d with padding) for %d "
                "labeled tokens in this run: %.2f unlabeled per labeled token",
                stream.tokens_seen,
                stream.padded_tokens_seen,
                self.labeled_tokens_seen,
                stream.tokens_seen / self.labeled_tokens_seen,
            )

    def state_dict(self) -> Dict[str, Any]:
        return {
            "labeled_batches_seen": int(self.labeled_batches_seen),
            "unlabeled_batches_seen": int(self.unlabeled_batches_seen),
            "unlabeled_seed": int(self.unlabeled_seed),
        }

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self.labeled_batches_seen = int(state_dict.get("labeled_batches_seen", 0))
        self.unlabeled_batches_seen = int(state_dict.get("unlabeled_batches_seen", 0))
        self.unlabeled_seed = int(state_dict.get("unlabeled_seed", self.unlabeled_seed))
        if self.unlabeled_stream is not None:
            self.unlabeled_stream.seed = self.unlabeled_seed
            self.unlabeled_stream.skip(self.unlabeled_batches_seen)

    # ---- the work, without a trainer ---------------------------------------------------------
    def attach(
        self,
        model: AttentionModel,
        num_workers: int = 0,
        cuda_device: Optional[Union[int, str, torch.device]] = None,
    ) -> None:
        """
        Checks the model, registers the loss metrics with it, and reads the unlabeled stream (with
        `num_workers` loader workers, its batches put on `cuda_device`, by default the model's).
        """
        if not isinstance(model, AttentionModel):
            raise ConfigurationError(
                f"adversarial_training needs an attnat model (AttentionModel), got {type(model).__name__}"
            )
        if not model.attention_encoder.has_pooling_attention:
            for index, perturbation in enumerate(self.perturbations):
                if perturbation.target == "scores":
                    raise ConfigurationError(
                        f"trainer.callbacks[adversarial_training].perturbations[{index}].target is "
                        f"'scores' ({type(perturbation).registered_name()}'s default), but the "
                        'model pools its first token (pooling: "first_token"), so it has no '
                        "pooling attention whose scores could be perturbed: set target: "
                        '"self_attention" (with layers, e.g. [-1])'
                    )
        model.extra_metrics.update(self._metrics)
        if self.unlabeled_data_path is not None and self.unlabeled_stream is None:
            reader = self._unlabeled_reader or DatasetReader.by_name("attnat_unlabeled_text")()
            self.unlabeled_stream = UnlabeledStream(
                reader,
                self.unlabeled_data_path,
                self.unlabeled_batch_size,
                model.vocab,
                seed=self.unlabeled_seed,
                num_workers=num_workers,
                cuda_device=cuda_device if cuda_device is not None else model_device(model),
            )
            self.unlabeled_stream.skip(self.unlabeled_batches_seen)

    def backward(self, step: TrainerStep, batch_outputs: Dict[str, Any]) -> None:
        """
        Backpropagates `clean_loss + sum_i weight_i * extra_loss_i` of one batch (scaled as the
        trainer scales its loss), given the model's outputs for the batch.
        """
        state = batch_outputs.get("attention_state")
        if not isinstance(state, AttentionState):
            raise ConfigurationError(
                "adversarial_training needs the model's 'attention_state' output in training mode; "
                f"the outputs have {sorted(batch_outputs)}"
            )
        clean_loss = batch_outputs["loss"]
        with step.autocast():
            clean = self.clean_pass(step, state, batch_outputs["logits"], clean_loss)
            extra = self._extra_loss(step, state, clean)
        if not clean.parameters_hold_gradient:
            step.scale(clean_loss + extra).backward()
            return
        # The clean loss's gradient below the word embeddings (the embedder; for a normalised
        # embedding the moments of the whole matrix) goes down in the extra losses' pass, once.
        embeddings = clean.gradients.get("embeddings", {})
        names = [name for name in embeddings if state.embeddings[name].requires_grad]
        roots = [state.embeddings[name] for name in names]
        grads = [embeddings[name] for name in names]
        if extra.requires_grad:
            roots, grads = roots + [step.scale(extra)], grads + [None]
        if roots:
            torch.autograd.backward(roots, grads)

    def clean_pass(
        self, step: TrainerStep, state: AttentionState, logits: torch.Tensor, loss: torch.Tensor
    ) -> CleanPass:
        """
        The clean pass of a batch, with the gradient of the clean loss with respect to every target
        that a perturbation asks for (`uses_clean_gradient`), all from one `autograd.grad` call.

        When a target lies below the encoder (the word embeddings), that call runs the encoder's
        backward pass anyway, so it also takes the gradients of the parameters above the
        embeddings and adds them to their `.grad` (`parameters_hold_gradient`): the final backward
        pass then carries the extra losses and, from the embeddings down, the clean loss's gradient
        with respect to them, so that the clean loss costs one encoder backward, not two, and the
        embedder (a whole-vocabulary gradient; the moments of a normalised embedding) is
        backpropagated once. (The gradients are added by hand, not by a second `backward`, so that
        under distributed training the all-reduce of the one real backward pass syncs them with
        the rest.)
        """
        targets = sorted({p.target for p in self.perturbations if p.uses_clean_gradient})
        if not targets:
            return CleanPass(logits=logits)
        fields = {target: target_fields(state, target)[0] for target in targets}
        inputs = [value for target in targets for value in fields[target].values()]
        parameters: List[torch.nn.Parameter] = []
        if any(TARGETS[target].below_encoder for target in targets):
            # the embedder's share goes down from the embeddings in the final pass (`backward`)
            below = embedder_only_parameters(step.model) if "embeddings" in targets else set()
            parameters = [
                p for p in step.model.parameters() if p.requires_grad and id(p) not in below
            ]
        grads = iter(
            torch.autograd.grad(
                step.scale(loss), inputs + parameters, retain_graph=True, allow_unused=True
            )
        )
        gradients: Dict[str, Fields] = {}
        for target in targets:
            gradients[target] = {}
            for name, value in fields[target].items():
                grad = next(grads)
                gradients[target][name] = torch.zeros_like(value) if grad is None else grad.detach()
        for parameter, grad in zip(parameters, grads):
            if grad is not None:
                if parameter.grad is None:
                    parameter.grad = grad.detach().clone()
                else:
                    parameter.grad.add_(grad)
        return CleanPass(logits, gradients, parameters_hold_gradient=bool(parameters))

    def _extra_loss(
        self, step: TrainerStep, state: AttentionState, clean: CleanPass
    ) -> torch.Tensor:
        """`sum_i weight_i * loss_i`, each loss also averaged over the unlabeled batches."""
        model = step.model
        unlabeled: Optional[List[Tuple[AttentionState, CleanPass]]] = None
        total = clean.logits.new_zeros(())
        for perturbation, name in zip(self.perturbations, self.metric_names):
            if perturbation.requires_labels and state.label is None:
                raise ConfigurationError(f"{name[:-5]} needs labels, and this batch has none")
            loss = perturbation.loss(model, state, clean)
            if not perturbation.requires_labels and self.unlabeled_stream is not None:
                if unlabeled is None:  # drawn once per batch, shared by the VAT family
                    unlabeled = [self._unlabeled_pass(model) for _ in range(self._unlabeled_due())]
                if unlabeled:
                    # the mean over the labeled and the unlabeled examples together
                    loss = loss * state.batch_size
                    size = state.batch_size
                    for unlabeled_state, unlabeled_clean in unlabeled:
                        unlabeled_loss = perturbation.loss(model, unlabeled_state, unlabeled_clean)
                        loss = loss + unlabeled_state.batch_size * unlabeled_loss
                        size += unlabeled_state.batch_size
                    loss = loss / size
            self._metrics[name](loss.detach().float())
            total = total + perturbation.weight * loss
        self.labeled_batches_seen += 1
        self.labeled_tokens_seen += sum(int(mask.sum()) for mask in state.masks.values())
        return total

    def _unlabeled_due(self) -> int:
        """How many unlabeled batches go with the current labeled batch (on average the rate)."""
        rate, seen = self.unlabeled_batches_per_step, self.labeled_batches_seen
        # floor((seen + 1) * rate) - floor(seen * rate), robust to rounding (1e-9)
        return math.floor((seen + 1) * rate + 1e-9) - math.floor(seen * rate + 1e-9)

    # ---- the unlabeled stream -----------------------------------------------------------------
    def _unlabeled_pass(self, model: AttentionModel) -> Tuple[AttentionState, CleanPass]:
        """Runs the next unlabeled batch through the model; returns its state and clean pass."""
        assert self.unlabeled_stream is not None
        batch = next(self.unlabeled_stream)
        batch.pop("label", None)
        try:
            outputs = model(**batch)
        except TypeError as error:
            raise ConfigurationError(
                f"the unlabeled batches (fields {sorted(batch)}) do not fit the model's forward: "
                f"{error}; give an unlabeled_dataset_reader that produces the model's text fields "
                "(attnat_unlabeled_pairs for pair models)"
            ) from error
        self.unlabeled_batches_seen = self.unlabeled_stream.batches_seen
        return outputs["attention_state"], CleanPass(outputs["logits"])


def embedder_only_parameters(model: AttentionModel) -> Set[int]:
    """
    The ids of the parameters of the model's text field embedder that no other module shares: the
    loss depends on them only through the word embeddings (`AttentionState.embeddings`).
    """
    embedder = model.text_field_embedder
    elsewhere = {
        id(p) for child in model.children() if child is not embedder for p in child.parameters()
    }
    elsewhere |= {id(p) for p in model.parameters(recurse=False)}
    return {id(p) for p in embedder.parameters()} - elsewhere
