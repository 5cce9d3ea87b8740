"""
Which code trained (and measured) a study's run: the git commit of this package's checkout and
whether its tracked files had changes, the versions of torch, allennlp and transformers, and a hash
of the run's resolved config. Recorded in every row of `runs.csv`; the summary says when a table
mixes commits.
"""

import functools
import hashlib
import json
import os
import subprocess
from typing import Any, Dict, List, Optional

# The columns of runs.csv written by `training_provenance` and `measuring_provenance`.
TRAINING_COLUMNS = (
    "commit",
    "dirty",
    "torch_version",
    "allennlp_version",
    "transformers_version",
    "config_hash",
)
MEASURING_COLUMNS = ("measure_commit", "measure_dirty")
# What a run trained before provenance was recorded has in the commit column of the summary.
UNRECORDED = "unrecorded"


def _git(*args: str) -> Optional[str]:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        result = subprocess.run(
            ["git", "-C", root, *args], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def git_state() -> Dict[str, Any]:
    """
    `{"commit": ..., "dirty": ...}` of the checkout this package is imported from: the commit
    hash, and whether tracked files differ from it (untracked files do not count). Both `None`
    outside a git checkout (an installed wheel).
    """
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


@functools.lru_cache(maxsize=None)
def versions() -> Dict[str, Optional[str]]:
    """The versions of torch, allennlp and transformers (`None` for one that is not installed)."""
    from importlib import metadata

    found: Dict[str, Optional[str]] = {}
    for package in ("torch", "allennlp", "transformers"):
        try:
            found[f"{package}_version"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[f"{package}_version"] = None
    return found


def config_hash(config: Dict[str, Any]) -> str:
    """The first 16 hex digits of the SHA-256 of a config dict as canonical JSON (sorted keys)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def training_provenance(config: Dict[str, Any]) -> Dict[str, Any]:
    """The `TRAINING_COLUMNS` of a run trained now with `config`."""
    return {**git_state(), **versions(), "config_hash": config_hash(config)}


def measuring_provenance() -> Dict[str, Any]:
    """The `MEASURING_COLUMNS`: the commit that computes the measures now."""
    state = git_state()
    return {"measure_commit": state["commit"], "measure_dirty": state["dirty"]}


def commit_label(row: Dict[str, Any]) -> str:
    """A row's training commit, short, `+dirty` when its tree had changes; `UNRECORDED` if none."""
    commit = row.get("commit")
    if not commit:
        return UNRECORDED
    return str(commit)[:10] + ("+dirty" if row.get("dirty") is True else "")


def commits_of(rows: List[Dict[str, Any]]) -> Dict[str, int]:
    """How many of `rows` each training commit (`commit_label`) trained, most first."""
    counts: Dict[str, int] = {}
    for row in rows:
        label = commit_label(row)
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
