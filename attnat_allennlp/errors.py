"""
Errors that a user fixes by doing something (prepare a dataset, point a config at a file), not by
reading a traceback: `MissingDataFile` says which `allennlp prepare-attnat-data` command writes a
missing file. When one ends an `allennlp` command, `brief_exit` prints its message alone.
"""

import os
import sys
from pathlib import PurePath
from types import TracebackType
from typing import Optional, Type

# The folder of the vectors that `prepare-attnat-data glove-6b-50d` writes, and their file name.
_VECTORS = {"glove": ("glove.6B.50d", "glove-6b-50d")}


def prepare_command(file_path: str) -> Optional[str]:
    """
    The `allennlp prepare-attnat-data NAME` command that writes `file_path` (a path under a
    `data/NAME/` folder, as the configs of `training_config/` name them), or None.
    """
    from attnat_allennlp.commands.prepare.recipes import DATASETS

    parts = PurePath(file_path.split("!")[0]).parts
    for index, part in enumerate(parts[:-1]):
        if part != "data" or (index > 0 and parts[index - 1] == "shared"):
            continue
        name = parts[index + 1]
        if name in DATASETS:
            source = DATASETS[name].offline_source
            if source is not None and os.path.isdir(source):
                return f"allennlp prepare-attnat-data {name} --source {source}"
            return f"allennlp prepare-attnat-data {name}"
        if name in _VECTORS and parts[-1].startswith(_VECTORS[name][0]):
            return f"allennlp prepare-attnat-data {_VECTORS[name][1]}"
    return None


class MissingDataFile(FileNotFoundError):
    """
    A data or vectors file that is not there, with what makes it: the `prepare-attnat-data`
    command for the files of `data/NAME/`, the README of `../shared/data` for the offline data,
    otherwise how to point a config at one's own file.
    """

    def __init__(self, file_path: str, what: str = "data file") -> None:
        command = prepare_command(file_path)
        if command is not None:
            hint = f"run `{command}` first (from the repository root); it writes this file"
        elif "shared/data" in file_path.replace(os.sep, "/"):
            hint = (
                "this config reads the offline data of ../shared/data beside the repository "
                "(see docs/datasets.md); to train on your own files instead, override the paths: "
                '-o \'{"train_data_path": "my/train.jsonl", "validation_data_path": ..., '
                '"test_data_path": ...}\''
            )
        else:
            hint = "check the path (relative paths start at the directory you run allennlp in)"
        super().__init__(f"{what} {file_path} not found: {hint}")
        self.file_path = file_path
        brief_exit(type(self))

    def __str__(self) -> str:
        return str(self.args[0])


class VectorsSizeError(ValueError):
    """A word vectors file whose vectors are not of the size the config gives them."""

    def __init__(self, file_path: str, found: int, configured: int) -> None:
        super().__init__(
            f"word vectors file {file_path} has {found}-dimensional vectors, but the config's "
            f"embedding_dim is {configured}: set both with the dataset's vectors knob, "
            f"lib.datasets.NAME + lib.vectors('{file_path}', {found}) (docs/configs.md)"
        )
        brief_exit(type(self))


def vectors_size(file_path: str) -> Optional[int]:
    """The size of the vectors of a local "word v1 ... vN" file (gzip or plain), from its first
    line (a word2vec header "count size" is read as such); None when that cannot be told."""
    import gzip

    try:
        opener = gzip.open if file_path.endswith(".gz") else open
        with opener(file_path, "rt", encoding="utf-8", errors="replace") as handle:
            fields = handle.readline().rstrip().split(" ")
    except (OSError, EOFError):
        return None
    if len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit():
        return int(fields[1])
    return len(fields) - 1 if len(fields) > 2 else None


# ---------------------------------------------------------------------------------------------
# The one place that changes how an `allennlp` command ends. allennlp 2.10.1's `allennlp` entry
# point lets every exception reach the interpreter, which prints its whole traceback (20 frames
# of allennlp's construction code for a missing file). For the error classes registered here, and
# only when such an error ends the process, the hook prints `error: <message>` instead; everything
# else goes to the hook that was there before. Installed when such an error is first made, not on
# import. ATTNAT_TRACEBACK=1 keeps the full traceback.
_BRIEF: set = set()


def _hook(
    previous, kind: Type[BaseException], error: BaseException, trace: Optional[TracebackType]
) -> None:
    if issubclass(kind, tuple(_BRIEF)) and not os.environ.get("ATTNAT_TRACEBACK"):
        print(
            f"error: {error}\n(the full traceback: run again with ATTNAT_TRACEBACK=1)",
            file=sys.stderr,
        )
        return
    previous(kind, error, trace)


def brief_exit(kind: Type[BaseException]) -> None:
    """Errors of class `kind` that end the process print their message without a traceback."""
    if not _BRIEF:
        previous = sys.excepthook
        sys.excepthook = lambda k, e, t: _hook(previous, k, e, t)
    _BRIEF.add(kind)
