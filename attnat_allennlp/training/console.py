"""
What a training run shows on the console. allennlp 2.10.1's `prepare_global_logging` sends every
INFO line to both the run's `out.log` and the console: ~180 lines of configuration parameters,
every initialised weight, the optimizer's parameter groups and a dump of the first batch's tensors
drown the progress bar. `quiet_console` keeps those in `out.log` only; the console keeps the
progress bar, the per-epoch metrics table, the data checks' lines, every warning and error, and
the final metrics. `ATTNAT_CONSOLE=full` keeps allennlp's console as it was.
"""

import logging
import os

# logger: the prefixes of its INFO lines that go to out.log only (empty: all of them).
_FILE_ONLY = {
    "allennlp.common.params": (),
    "allennlp.common.from_params": (),
    "allennlp.nn.initializers": (),
    "allennlp.data.samplers.bucket_batch_sampler": (),
    # the frozen/tunable parameter listing, one name a line (the final "Metrics:" stay)
    "allennlp.common.util": (),
    "allennlp.training.optimizers": ("Group ", "Done constructing parameter groups"),
    "allennlp.training.callbacks.console_logger": ("Batch inputs", "batch_input/", "Field : "),
}


class FileOnlyFilter(logging.Filter):
    """Drops the INFO (and DEBUG) lines of `_FILE_ONLY` from the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or record.name not in _FILE_ONLY:
            return True
        message = record.getMessage()
        if record.name == "allennlp.common.util":
            return message.startswith("Metrics")
        prefixes = _FILE_ONLY[record.name]
        return bool(prefixes) and not message.startswith(prefixes)


def quiet_console() -> None:
    """
    Attaches `FileOnlyFilter` to the console handlers of the root logger (those that
    `prepare_global_logging` made for this run; the next run makes new ones), not to its files.
    """
    if os.environ.get("ATTNAT_CONSOLE") == "full":
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) or not isinstance(
            handler, logging.StreamHandler
        ):
            continue
        if not any(isinstance(f, FileOnlyFilter) for f in handler.filters):
            handler.addFilter(FileOnlyFilter())
