"""
Model archives from elsewhere are untrusted: allennlp 2.10.1's `load_archive` extracts a
`model.tar.gz` with `tarfile.extractall` and no filter, so a member named `../../x` (or an absolute
path, or a link pointing out) is written outside the temporary folder. Importing this package
installs `check_archive` in front of that extraction (`allennlp.models.archival.extracted_archive`,
which `load_archive` calls for every archive): `allennlp predict`, `evaluate`, and this package's
`attention-report`, `-heatmap`, `-eps-sweep` and `attention-study` all load through it, so an unsafe
archive is refused, with the member named, before anything is extracted.
"""

import contextlib
import os
import tarfile
from pathlib import PurePosixPath
from typing import Union

from allennlp.common.checks import ConfigurationError


class UnsafeArchiveError(ConfigurationError):
    """A model archive with a member that would be extracted outside its folder."""


def _escapes(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def check_archive(archive_file: Union[str, os.PathLike]) -> None:
    """
    Raises `UnsafeArchiveError` when a member of the tar archive `archive_file` would land outside
    the folder it is extracted to: an absolute name, a `..` in the name, a symbolic or hard link
    whose target is absolute or climbs out, or a device file. A folder (an unpacked archive) passes.
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
        problem = None
        if _escapes(member.name):
            problem = "would be written outside the folder the archive is extracted to"
        elif member.issym() or member.islnk():
            target = member.linkname
            base = PurePosixPath(member.name).parent if member.issym() else PurePosixPath()
            if _escapes(target) and (
                PurePosixPath(target).is_absolute() or _climbs_out(base / target)
            ):
                problem = f"is a link to {target!r}, outside the folder the archive is extracted to"
        elif member.isdev():
            problem = "is a device file"
        if problem:
            raise UnsafeArchiveError(
                f"{archive_file}: refusing to load this model archive: its member {member.name!r} "
                f"{problem}. Nothing was extracted; a model archive written by `allennlp train` has "
                "no such member, so this one was made or changed by someone else."
            )


def _climbs_out(path: PurePosixPath) -> bool:
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else (0 if part in (".", "") else 1)
        if depth < 0:
            return True
    return False


def install() -> None:
    """Puts `check_archive` in front of allennlp's archive extraction (once per process)."""
    from allennlp.models import archival

    original = archival.extracted_archive
    if getattr(original, "_attnat_checked", False):
        return

    @contextlib.contextmanager
    def checked_extracted_archive(resolved_archive_file, cleanup=True):
        check_archive(resolved_archive_file)
        with original(resolved_archive_file, cleanup=cleanup) as tempdir:
            yield tempdir

    checked_extracted_archive._attnat_checked = True  # type: ignore
    archival.extracted_archive = checked_extracted_archive
