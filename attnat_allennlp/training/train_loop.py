import logging
import os
import shutil
import tarfile
import warnings
import zlib
from typing import Any, Dict, List, Optional

from allennlp.commands.train import TrainModel
from allennlp.common import Lazy
from allennlp.common import util as common_util
from allennlp.common.checks import ConfigurationError
from allennlp.data import DataLoader, DatasetReader, Vocabulary
from allennlp.models import Model, archival
from allennlp.nn.parallel import DdpAccelerator
from allennlp.training import Trainer

from attnat_allennlp.data.dataset_readers.base import AttentionDatasetReader
from attnat_allennlp.errors import MissingDataFile, VectorsSizeError, vectors_size
from attnat_allennlp.training.console import quiet_console

logger = logging.getLogger(__name__)


def archive_atomically(
    serialization_dir: str,
    weights: str = "best.th",
    archive_path: Optional[str] = None,
    include_in_archive: Optional[List[str]] = None,
) -> str:
    """
    allennlp's `archive_model` (same parameters), written under a temporary name in the same
    folder (`.model.tar.gz.partial`) and renamed when complete: a process killed while archiving
    leaves no truncated `model.tar.gz` (the rename replaces an older archive at once). Importing
    this package makes `allennlp train` archive this way (`install_atomic_archives`).
    """
    final = archive_path or os.path.join(serialization_dir, "model.tar.gz")
    if os.path.isdir(final):
        final = os.path.join(final, "model.tar.gz")
    temporary = os.path.join(os.path.dirname(final), f".{os.path.basename(final)}.partial")
    try:
        archival.archive_model(serialization_dir, weights, temporary, include_in_archive)
        os.replace(temporary, final)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return final


archive_atomically._attnat_atomic = True  # type: ignore


def install_atomic_archives() -> None:
    """Makes `allennlp train` (`allennlp.commands.train`) archive with `archive_atomically`."""
    from allennlp.commands import train

    if not getattr(train.archive_model, "_attnat_atomic", False):
        train.archive_model = archive_atomically


def archive_problem(path: str) -> Optional[str]:
    """
    What is wrong with the model archive `path` (missing, not a readable tar file, without its
    weights, config or vocabulary), or `None` when it reads. Reads the whole archive once.
    """
    if not os.path.isfile(path):
        return "is missing"
    try:
        with tarfile.open(path, "r:*") as archive:
            names = {member.name for member in archive.getmembers()}
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        return f"does not read ({type(error).__name__}: {error})"
    missing = [name for name in ("config.json", "weights.th", "vocabulary") if name not in names]
    return f"lacks {', '.join(missing)}" if missing else None


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
    empty or have every example skipped (all texts empty, every label unseen with
    `unseen_labels: "skip"`), every line must be well-formed, every file must have labels (a
    misnamed label field is named), and the labels of the other files (`other_paths`, e.g.
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
    readers = {id(dataset_reader): dataset_reader, id(evaluation_reader): evaluation_reader}
    for reader in readers.values():
        if isinstance(reader, AttentionDatasetReader):
            # The labels come from the training file, not from an earlier vocabulary (--recover).
            reader.restrict_labels(None, "")
    labels = dataset_reader.labels_in(train_data_path)
    if not labels:
        raise ConfigurationError(dataset_reader.no_labels_message(train_data_path))
    logger.info(
        "%d labels in the training data %s: %s",
        len(labels),
        train_data_path,
        ", ".join(sorted(labels)),
    )
    for reader in readers.values():
        if isinstance(reader, AttentionDatasetReader):
            reader.restrict_labels(labels, f"the training data {train_data_path}")
    if isinstance(evaluation_reader, AttentionDatasetReader):
        for path in (other_paths or {}).values():
            if isinstance(path, str):
                evaluation_reader.check_labels(path)
    return labels


# What `allennlp train` writes in the serialization folder before the first batch.
_BEFORE_TRAINING = {"config.json", "meta.json", "out.log", "vocabulary"}


def remove_untrained(serialization_dir: str) -> None:
    """
    Empties a serialization folder that holds only what `allennlp train` writes before training
    (`config.json`, `meta.json`, `out.log`, `vocabulary/`), so that the plain rerun after a
    failed check is accepted (allennlp refuses a non-empty folder without `--recover`). A folder
    with anything else (a checkpoint, weights, an archive, metrics) is left as it is.
    """
    try:
        names = set(os.listdir(serialization_dir))
    except OSError:
        return
    if not names or not names <= _BEFORE_TRAINING:
        return
    for name in names:
        path = os.path.join(serialization_dir, name)
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
    logger.info(
        "Nothing was trained: removed %s from %s, so that the same command can run again",
        ", ".join(sorted(names)),
        serialization_dir,
    )


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
    written anyway, and the error says what failed. A run that fails before training (a data
    check, a knob check) leaves its serialization folder empty (`remove_untrained`), so that the
    same command runs again once the input is fixed. Every config of `training_config/` selects it
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
            archive_atomically(self.serialization_dir)
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
        arguments = {name: value for name, value in locals().items() if name != "cls"}
        try:
            return cls._checked_partial_objects(**arguments)
        except Exception:
            remove_untrained(serialization_dir)
            raise

    @classmethod
    def _checked_partial_objects(cls, **arguments: Any) -> "AttnatTrainModel":
        check_vectors_files(arguments["model"])
        check_data_files(
            arguments["dataset_reader"],
            arguments["train_data_path"],
            arguments["validation_dataset_reader"],
            {
                "validation": arguments["validation_data_path"],
                "test": arguments["test_data_path"],
            },
        )
        loop = super().from_partial_objects(**arguments)  # type: ignore
        loop.test_data_path = arguments["test_data_path"]
        return loop


install_atomic_archives()
