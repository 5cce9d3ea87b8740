"""
Fixes allennlp 2.10.1's `allennlp/models/archival.py` `extracted_archive` (called by
`load_archive`), which extracts a model archive with no check of its members.

Model archives from elsewhere are untrusted. allennlp 2.10.1's `load_archive` extracts a
`model.tar.gz` with `tarfile.extractall` and no filter, so a member named `../../x`, an absolute
path, or a link pointing out (directly, or through a chain of links that earlier members create) is
written outside the temporary folder.

`install()` (called once by `attnat_allennlp.compat.install`, for allennlp 2.10.1 only) replaces that extraction
(`allennlp.models.archival.extracted_archive`, which `load_archive` calls for every archive:
`allennlp predict`, `evaluate`, and this package's `attention-report`, `-heatmap`, `-eps-sweep`,
`-compare` and `attention-study`) by one that first runs `check_archive` and then extracts with
Python's `tarfile` "data" filter. The rule of `check_archive` is simple on purpose: a model archive
holds regular files and folders only. A symbolic or hard link, a device, a FIFO, an absolute name or
a `..` in a name is refused, with the member named, before anything is extracted. Judging where a
link points from the text of its target is what let a chain of links through before (`a/b/up -> ..`,
then `esc -> a/b/up/../..`): the operating system follows links, the text does not, so no link is
accepted at all (`allennlp train` never writes one).
"""

import contextlib
import logging
import os
import shutil
import tarfile
import tempfile
from pathlib import PurePosixPath
from typing import Iterator, Union

from allennlp.common.checks import ConfigurationError

from attnat_allennlp.compat.guard import applies

logger = logging.getLogger(__name__)


class UnsafeArchiveError(ConfigurationError):
    """A model archive with a member that would be extracted outside its folder, or is not a plain
    file or folder."""


def _escapes(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _problem(member: tarfile.TarInfo) -> Union[str, None]:
    if _escapes(member.name):
        return "would be written outside the folder the archive is extracted to"
    if member.issym() or member.islnk():
        kind = "symbolic" if member.issym() else "hard"
        return (
            f"is a {kind} link to {member.linkname!r}; a model archive holds plain files and "
            "folders only, and a link can lead outside the folder it is extracted to"
        )
    if member.isfifo():
        return "is a FIFO (named pipe)"
    if member.isdev():
        return "is a device file"
    if not (member.isfile() or member.isdir()):
        return "is neither a plain file nor a folder"
    return None


def check_archive(archive_file: Union[str, os.PathLike]) -> None:
    """
    Raises `UnsafeArchiveError` unless every member of the tar archive `archive_file` is a plain
    file or folder that lands inside the folder the archive is extracted to: an absolute name, a
    `..` in a name, any symbolic or hard link (whatever its target), a device file or a FIFO is
    refused. A folder (an unpacked archive) passes.

    # Parameters

    archive_file : `Union[str, os.PathLike]`
        The `model.tar.gz` (any compression `tarfile` reads) or a folder.
    """
    if os.path.isdir(archive_file):
        return
    try:
        with tarfile.open(archive_file, "r:*") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ConfigurationError(
            f"{archive_file}: not a readable model archive ({error})"
        ) from None
    for member in members:
        problem = _problem(member)
        if problem:
            raise UnsafeArchiveError(
                f"{archive_file}: refusing to load this model archive: its member {member.name!r} "
                f"{problem}. Nothing was extracted; a model archive written by `allennlp train` has "
                "no such member, so this one was made or changed by someone else."
            )


def extract_archive(archive_file: Union[str, os.PathLike], folder: Union[str, os.PathLike]) -> None:
    """
    Checks `archive_file` (`check_archive`), then extracts it into `folder` with `tarfile`'s "data"
    filter (no absolute names, nothing outside `folder`, no links out, no device files, no
    set-uid bits), so that a member the check missed is still refused by the standard library.
    """
    check_archive(archive_file)
    with tarfile.open(archive_file, "r:*") as archive:
        try:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 (PEP 706)
                archive.extractall(folder, filter="data")
            else:  # pragma: no cover - older 3.11 patch releases: the check above is the guard
                archive.extractall(folder)
        except tarfile.FilterError as error:
            raise UnsafeArchiveError(
                f"{archive_file}: refusing to load this model archive: {error}"
            ) from None


@contextlib.contextmanager
def _checked_extracted_archive(resolved_archive_file, cleanup: bool = True) -> Iterator[str]:
    # allennlp 2.10.1's `extracted_archive`, with `extract_archive` in place of a bare `extractall`.
    tempdir = None
    try:
        tempdir = tempfile.mkdtemp()
        logger.info(f"extracting archive file {resolved_archive_file} to temp dir {tempdir}")
        extract_archive(resolved_archive_file, tempdir)
        yield tempdir
    finally:
        if tempdir is not None and cleanup:
            logger.info(f"removing temporary unarchived model dir at {tempdir}")
            shutil.rmtree(tempdir, ignore_errors=True)


def install() -> None:
    """
    Replaces allennlp's `archival.extracted_archive` by `_checked_extracted_archive` (once per
    process; allennlp 2.10.1 only, whose signature `(resolved_archive_file, cleanup=True)` it keeps).
    """
    from allennlp.models import archival

    if getattr(archival.extracted_archive, "_attnat_checked", False):
        return
    if not applies(
        "the archive extraction (allennlp.models.archival.extracted_archive)",
        "model archives are extracted without refusing links or members outside their folder; "
        "check an untrusted archive with `attnat_allennlp.compat.archive_safety.check_archive`",
    ):
        return
    _checked_extracted_archive._attnat_checked = True  # type: ignore
    archival.extracted_archive = _checked_extracted_archive
