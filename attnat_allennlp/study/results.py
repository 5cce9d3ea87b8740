"""`runs.csv`: one row per finished run of a study, read back with its types."""

from typing import Any, Dict, List, Optional, Tuple

from attnat_allennlp.interpret.csv_rows import read_rows, write_rows
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


def read_runs(path: str) -> List[Dict[str, Any]]:
    """The rows of a `runs.csv` (none when the file does not exist)."""
    return read_rows(path, TEXT_COLUMNS, {"seed"})


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
    write_rows(path, rows, KEY_COLUMNS, lambda row: _order(study, row))
