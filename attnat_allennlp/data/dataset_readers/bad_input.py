"""
What a reader raises for bad input (a skipped example, a malformed line, a value it cannot use),
and the label helpers of its messages.
"""

from typing import Iterable, Optional

from allennlp.common.checks import ConfigurationError


class SkipExample(Exception):
    """Raised by `text_to_instance` for an example that is skipped and counted, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DataFormatError(ConfigurationError):
    """A malformed input line; the message names the file and the line number."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.location = location


class BadValue(Exception):
    """
    Raised by `text_to_instance` (and its helpers) for a value it cannot use; `_read` turns it into a
    `DataFormatError` naming the file and line, the predictors into an `error` of that input.
    """


def describe_labels(labels: Iterable[str], limit: int = 20) -> str:
    """`'0', '1'` (at most `limit` labels, then how many more)."""
    labels = sorted(labels)
    shown = ", ".join(repr(label) for label in labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _normal_label(label: str) -> str:
    return " ".join(label.split()).lower()


def near_duplicate(label: str, labels: Iterable[str]) -> Optional[str]:
    """A label of `labels` that differs from `label` only in case or spaces, if there is one."""
    normal = _normal_label(label)
    return next(
        (other for other in labels if other != label and _normal_label(other) == normal), None
    )
