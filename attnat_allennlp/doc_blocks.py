"""
The generated parts of the docs: text that a script writes between two marker lines of a page
(`<!-- name -->` ... `<!-- /name -->`), replacing what was there, so that a number in a doc comes
from a file the project wrote. Every renderer of the package (the benches, the study's results
page, the executor's overhead, the vectors' coverage) writes through these two functions.
"""

from pathlib import Path
from typing import Union


def replace_between(text: str, start: str, end: str, inner: str, where: str = "the text") -> str:
    """
    `text` with what lies between its first `start` and the `end` after it replaced by `inner`
    (the markers stay). Without both markers: `SystemExit` naming `where` and the markers.
    """
    if start not in text or end not in text:
        raise SystemExit(
            f"{where} has no lines {start} ... {end} to put the generated text between"
        )
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    return f"{before}{start}{inner}{end}{after}"


def write_between(path: Union[str, Path], start: str, end: str, inner: str) -> None:
    """Rewrites the file `path` with `inner` between its markers (`replace_between`)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    text = replace_between(text, start, end, inner, str(path))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
