import logging
import os
import warnings
from typing import Any, Dict, List, Optional

from allennlp.commands.train import TrainModel
from allennlp.common import Lazy
from allennlp.common import util as common_util
from allennlp.common.checks import ConfigurationError
from allennlp.data import DataLoader, DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import archive_model
from allennlp.nn.parallel import DdpAccelerator
from allennlp.training import Trainer

from attnat_allennlp.data.dataset_readers.base import AttentionDatasetReader
from attnat_allennlp.errors import MissingDataFile, VectorsSizeError, vectors_size
from attnat_allennlp.training.console import quiet_console

logger = logging.getLogger(__name__)


class TestEvaluationError(ConfigurationError):
    """The evaluation on the test set failed after training; the trained model was kept."""

    __test__ = False  # not a test class for pytest


def check_data_files(
    dataset_reader: DatasetReader,
    train_data_path: Any,
    evaluation_reader: Optional[DatasetReader] = None,
    other_paths: Optional[Dict[str, Any]] = None,
) -> Dict[str, str]:
    """
    Checks the data files of a training run before anything is trained, in one pass over each file
    that tokenizes nothing (readers of this package only; others are left alone): no file may be
    empty, every line must be well-formed, and the labels of the other files (`other_paths`, e.g.
    `{"validation": path, "test": path}`) must be labels of the training file. From then on both
    readers keep to the training labels (`AttentionDatasetReader.restrict_labels`), so a label
    outside them is an error naming file, line and the known labels, or a counted skip
    (`dataset_reader.unseen_labels: "skip"`). Returns the training labels with where each was first
    seen (empty for other readers).
    """
    evaluation_reader = evaluation_reader or dataset_reader
    if not isinstance(dataset_reader, AttentionDatasetReader) or not isinstance(
        train_data_path, str
    ):
        return {}
    labels = dataset_reader.labels_in(train_data_path)
    logger.info(
        "%d labels in the training data %s: %s",
        len(labels),
        train_data_path,
        ", ".join(sorted(labels)),
    )
    for reader in {
        id(dataset_reader): dataset_reader,
        id(evaluation_reader): evaluation_reader,
    }.values():
        if isinstance(reader, AttentionDatasetReader):
            reader.restrict_labels(labels, train_data_path)
    if isinstance(evaluation_reader, AttentionDatasetReader):
        for path in (other_paths or {}).values():
            if isinstance(path, str):
                evaluation_reader.check_labels(path)
    return labels


def check_vectors_files(model: Lazy[Model]) -> None:
    """
    Raises `MissingDataFile` for a `pretrained_file` of the model's parameters (its word vectors)
    that is a local path and not there, and `VectorsSizeError` for one whose vectors are not of
    the `embedding_dim` beside it, before anything is read or built; allennlp's own errors come
    after the data are read and give no hint.
    """
    # `Lazy` keeps its parameters in `_params` (allennlp 2.10.1); without them, nothing is checked.
    params = getattr(model, "_params", None)
    stack = [params.as_dict(quiet=True) if hasattr(params, "as_dict") else None]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            path = value.get("pretrained_file")
            if isinstance(path, str) and "://" not in path and "!" not in path:
                if not os.path.exists(path):
                    raise MissingDataFile(path, "word vectors file")
                size, configured = vectors_size(path), value.get("embedding_dim")
                if size is not None and isinstance(configured, int) and size != configured:
                    raise VectorsSizeError(path, size, configured)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


@TrainModel.register("attnat", constructor="from_partial_objects")
class AttnatTrainModel(TrainModel):
    """
    allennlp's training loop (`TrainModel`, the top level of a training config), with two
    safeguards: the data files are checked before the first batch (`check_data_files`: empty
    files, malformed lines, validation or test labels that the training data does not have), and a
    run that has trained never loses its model: when the evaluation on the test set fails, the
    archive (`model.tar.gz`) and `metrics.json` (the training metrics, with `test_error`) are
    written anyway, and the error says what failed. Every config of `training_config/` selects it
    with `"type": "attnat"`; the parameters are those of allennlp's default.

    Registered as a `TrainModel` with name "attnat".
    """

    @classmethod
    def from_params(cls, *args, **kwargs):  # type: ignore
        # before the configuration is read (and listed): parameter listings and batch dumps go to
        # out.log only (console.py)
        quiet_console()
        return super().from_params(*args, **kwargs)

    def __init__(self, *args, test_data_path: Any = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.test_data_path = test_data_path

    def run(self) -> Dict[str, Any]:
        # allennlp 2.10.1's trainer enters the deprecated `torch.cuda.amp.autocast` on every batch,
        # and today's torch prints a FutureWarning each time (268 in a 2-epoch rt-polarity log):
        # silenced for the training run only, not in the importing process.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r".*torch\.cuda\.amp\.autocast", category=FutureWarning
            )
            return super().run()

    def finish(self, metrics: Dict[str, Any]) -> None:
        try:
            super().finish(metrics)
        except Exception as error:
            metrics_path = os.path.join(self.serialization_dir, "metrics.json")
            metrics["test_error"] = f"{type(error).__name__}: {error}"
            common_util.dump_metrics(metrics_path, metrics, log=True)
            archive_model(self.serialization_dir)
            raise TestEvaluationError(
                f"the evaluation on the test set {self.test_data_path} failed after training "
                f"({type(error).__name__}: {error}); the trained model is kept in "
                f"{os.path.join(self.serialization_dir, 'model.tar.gz')} and the training metrics "
                f"in {metrics_path}: evaluate it with `allennlp evaluate` once the test file is fixed"
            ) from error

    @classmethod
    def from_partial_objects(  # type: ignore
        cls,
        serialization_dir: str,
        local_rank: int,
        dataset_reader: DatasetReader,
        train_data_path: Any,
        model: Lazy[Model],
        data_loader: Lazy[DataLoader],
        trainer: Lazy[Trainer],
        vocabulary: Lazy[Vocabulary] = Lazy(Vocabulary),
        datasets_for_vocab_creation: Optional[List[str]] = None,
        validation_dataset_reader: Optional[DatasetReader] = None,
        validation_data_path: Any = None,
        validation_data_loader: Optional[Lazy[DataLoader]] = None,
        test_data_path: Any = None,
        evaluate_on_test: bool = False,
        batch_weight_key: str = "",
        ddp_accelerator: Optional[DdpAccelerator] = None,
    ) -> "AttnatTrainModel":
        check_vectors_files(model)
        check_data_files(
            dataset_reader,
            train_data_path,
            validation_dataset_reader,
            {"validation": validation_data_path, "test": test_data_path},
        )
        loop = super().from_partial_objects(  # type: ignore
            serialization_dir=serialization_dir,
            local_rank=local_rank,
            dataset_reader=dataset_reader,
            train_data_path=train_data_path,
            model=model,
            data_loader=data_loader,
            trainer=trainer,
            vocabulary=vocabulary,
            datasets_for_vocab_creation=datasets_for_vocab_creation,
            validation_dataset_reader=validation_dataset_reader,
            validation_data_path=validation_data_path,
            validation_data_loader=validation_data_loader,
            test_data_path=test_data_path,
            evaluate_on_test=evaluate_on_test,
            batch_weight_key=batch_weight_key,
            ddp_accelerator=ddp_accelerator,
        )
        loop.test_data_path = test_data_path
        return loop
