"""
Fixes allennlp 2.10.1's `allennlp/commands/predict.py` `_PredictManager._get_json_data`, which
reads the input file as text, drops blank lines (so output line n no longer answers input line n)
and stops the whole run with a `UnicodeDecodeError` at the first line that is not UTF-8; and
`_PredictManager.run`, which has no place to report, after the last line, how many inputs could not
be predicted.

`install()` replaces both, for a predictor that reads raw lines itself (one with a
`load_raw_line(raw: bytes) -> JsonDict` and a `report_errors()` method: this package's
`attnat_classifier` and `attnat_pair` predictors). For such a predictor `allennlp predict` reads
the input lines as bytes and hands every one, blank or not, to `load_raw_line`, and calls
`report_errors()` when `run` is done, also when it stops on an error; any other predictor keeps
allennlp's behaviour. The predictor is recognised by these two methods rather than by its class,
so that this module imports nothing from the package's higher floors.
"""

import sys
from typing import Any

from attnat_allennlp.compat.guard import applies


def reads_raw_lines(predictor: Any) -> bool:
    """Whether `predictor` reads the raw input lines itself (`load_raw_line`, `report_errors`)."""
    return callable(getattr(predictor, "load_raw_line", None)) and callable(
        getattr(predictor, "report_errors", None)
    )


def install() -> None:
    """
    Replaces `_PredictManager._get_json_data` and `_PredictManager.run` (once per process; allennlp
    2.10.1 only).
    """
    from allennlp.commands import predict
    from allennlp.common.file_utils import cached_path, open_compressed

    manager = predict._PredictManager
    if getattr(manager._get_json_data, "_attnat", False):
        return
    if not applies(
        "the input reading of `allennlp predict` (allennlp.commands.predict._PredictManager)",
        "blank input lines are dropped, a line that is not UTF-8 stops the run, and the number of "
        "inputs that could not be predicted is not logged",
    ):
        return
    original_data, original_run = manager._get_json_data, manager.run

    def _get_json_data(self):
        if not reads_raw_lines(self._predictor):
            yield from original_data(self)
        elif self._input_file == "-":
            for raw in sys.stdin.buffer:
                yield self._predictor.load_raw_line(raw)
        else:
            with open_compressed(cached_path(self._input_file), "rb", encoding=None) as handle:
                for raw in handle:
                    yield self._predictor.load_raw_line(raw)

    def run(self) -> None:
        try:
            original_run(self)
        finally:
            if reads_raw_lines(self._predictor):
                self._predictor.report_errors()

    _get_json_data._attnat = True  # type: ignore
    manager._get_json_data = _get_json_data
    manager.run = run
