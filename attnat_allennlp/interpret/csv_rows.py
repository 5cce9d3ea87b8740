"""
The one CSV writer (and reader) of the package's tables of rows: a study's `runs.csv` and an eps
sweep's `sweep.csv` (`attnat_allennlp.study`), read back by `attention-heatmap --sweep` too.
"""

import csv
import os
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence


def write_rows(
    path: str,
    rows: List[Dict[str, Any]],
    first_columns: Sequence[str] = (),
    order: Optional[Callable[[Dict[str, Any]], Any]] = None,
) -> None:
    """
    Writes `rows` to the CSV file `path`, atomically (a temporary file renamed over it).

    # Parameters

    path : `str`
        The CSV file.
    rows : `List[Dict[str, Any]]`
        The rows; `None` is written as an empty cell.
    first_columns : `Sequence[str]`, optional (default = `()`)
        The columns that come first (always written, even when no row has them); every other
        column follows in order of first appearance.
    order : `Callable`, optional (default = `None`)
        The sort key of the rows; `None` keeps their order.
    """
    columns: List[str] = list(first_columns)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    ordered = rows if order is None else sorted(rows, key=order)
    temporary = path + ".tmp"
    with open(temporary, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in ordered:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    os.replace(temporary, path)


def read_rows(
    path: str, text_columns: Collection[str] = (), int_columns: Collection[str] = ()
) -> List[Dict[str, Any]]:
    """
    The rows of a CSV file written by `write_rows` (none when the file does not exist): empty cells
    as `None`, `True`/`False` as booleans, numbers as floats (`int_columns` as ints), the rest, and
    every cell of `text_columns`, as text.
    """
    if not os.path.isfile(path):
        return []

    def value(column: str, text: str) -> Any:
        if text == "":
            return None
        if column in text_columns:
            return text
        if column in int_columns:
            return int(float(text))
        if text in ("True", "False"):
            return text == "True"
        try:
            return float(text)
        except ValueError:
            return text

    with open(path, newline="") as handle:
        return [{k: value(k, v) for k, v in row.items()} for row in csv.DictReader(handle)]
