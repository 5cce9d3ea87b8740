"""`runs.csv`: one row per finished run of a study, read back with its types."""

import csv
import os
from typing import Any, Dict, List, Optional, Tuple

from attnat_allennlp.study.spec import RunSpec, StudySpec

KEY_COLUMNS = ("dataset", "technique", "eps", "seed", "phase")
# Columns read back as text even when they look like numbers (a commit hash of digits and one e).
TEXT_COLUMNS = {
    "commit",
    "measure_commit",
    "config_hash",
    "torch_version",
    "allennlp_version",
    "transformers_version",
}


def run_key(run: RunSpec) -> Tuple:
    return (run.dataset, run.technique, run.eps, run.seed)


def row_key(row: Dict[str, Any]) -> Tuple:
    eps = row.get("eps")
    return (row["dataset"], row["technique"], None if eps is None else float(eps), int(row["seed"]))


def _value(column: str, text: str) -> Any:
    if text == "":
        return None
    if column in TEXT_COLUMNS:
        return text
    if column == "seed":
        return int(float(text))
    if text in ("True", "False"):
        return text == "True"
    try:
        return float(text)
    except ValueError:
        return text


def read_runs(path: str) -> List[Dict[str, Any]]:
    """The rows of a `runs.csv` (none when the file does not exist)."""
    if not os.path.isfile(path):
        return []
    with open(path, newline="") as handle:
        return [{k: _value(k, v) for k, v in row.items()} for row in csv.DictReader(handle)]


def _order(study: Optional[StudySpec], row: Dict[str, Any]) -> Tuple:
    datasets = [d.name for d in study.datasets] if study else []
    techniques = study.techniques if study else []
    return (
        datasets.index(row["dataset"]) if row["dataset"] in datasets else len(datasets),
        row["dataset"],
        techniques.index(row["technique"]) if row["technique"] in techniques else len(techniques),
        row["technique"],
        -1.0 if row.get("eps") is None else float(row["eps"]),
        int(row["seed"]),
    )


def write_runs(path: str, rows: List[Dict[str, Any]], study: Optional[StudySpec] = None) -> None:
    """Writes rows (key columns first, then every other column in order of appearance), atomically."""
    columns: List[str] = list(KEY_COLUMNS)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    temporary = path + ".tmp"
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in sorted(rows, key=lambda r: _order(study, r)):
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    os.replace(temporary, path)
