"""
The lines and fields of the readers' files: UTF-8 lines and JSON records numbered `path:line`, and
the fields a record must have; every error is a `DataFormatError` naming the file and the line.
"""

import json
import os
from typing import Any, Dict, Iterator, Optional, Tuple

from allennlp.common.file_utils import cached_path

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.errors import MissingDataFile


def local_path(file_path: str) -> str:
    """
    The local path of a file, folder or URL, through `cached_path`: downloads are cached, and
    `archive.tar.gz!inner/path` opens `inner/path` inside the (extracted) archive. A local file
    that is not there raises `MissingDataFile`, naming the `prepare-attnat-data` command that
    writes it where there is one.
    """
    local = str(file_path).split("!")[0]
    if "://" not in local and not os.path.exists(os.path.expanduser(local)):
        raise MissingDataFile(str(file_path))
    return cached_path(file_path, extract_archive="!" in file_path)


def not_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    """What is wrong with a line that does not decode as UTF-8: the byte and its column."""
    return (
        f"byte 0x{raw[error.start]:02x} at column {error.start + 1} is not UTF-8 "
        "(convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)"
    )


def decode_line(raw: bytes, location: str, first: bool = False) -> str:
    """
    A line of a UTF-8 file as text (a byte order mark on the first line is dropped); a byte that is
    not UTF-8 raises a `DataFormatError` naming the location and the column.
    """
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as error:
        raise DataFormatError(location, not_utf8(raw, error)) from None


def read_text(path: Any, location: str) -> str:
    """The text of a whole UTF-8 file (a byte order mark dropped), errors naming `location`."""
    with open(path, "rb") as handle:
        raw = handle.read()
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        decode_line(line, f"{location}:{number}", first=number == 1)
    return raw.decode("utf-8-sig")


def numbered_lines(file_path: str, skip_blank: bool = True) -> Iterator[Tuple[str, str]]:
    """
    Yields `("path:line", line without its newline)` for the lines of a (cached) UTF-8 file; a
    byte order mark is dropped, a byte that is not UTF-8 raises a `DataFormatError` naming the line.
    """
    with open(local_path(file_path), "rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            location = f"{file_path}:{line_number}"
            line = decode_line(raw, location, first=line_number == 1).rstrip("\r\n")
            if skip_blank and not line.strip():
                continue
            yield location, line


def read_jsonl(file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Yields `("path:line", record)`; a line that is not a JSON object raises `DataFormatError`."""
    for location, line in numbered_lines(file_path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(location, f"malformed JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DataFormatError(location, "expected a JSON object")
        yield location, record


def require(record: Dict[str, Any], key: str, location: str) -> Any:
    if key not in record:
        raise DataFormatError(location, f"missing field {key!r} (has {sorted(record)})")
    return record[key]


def require_text(record: Dict[str, Any], key: str, location: str) -> Optional[str]:
    """`require`, and the value must be a string (or null, an empty text)."""
    value = require(record, key, location)
    if value is not None and not isinstance(value, str):
        raise DataFormatError(
            location,
            f"field {key!r} is {type(value).__name__} {json.dumps(value)[:80]}, expected a string",
        )
    return value
