import csv
import html
import re
from typing import Any, Dict, Iterator, Optional, Tuple

from allennlp.data import DatasetReader

from attnat_allennlp.data.dataset_readers.bad_input import DataFormatError
from attnat_allennlp.data.dataset_readers.base import TextClassificationReader
from attnat_allennlp.data.dataset_readers.lines import decode_line, local_path

# AG News writes "&#39;" as " #39;" (and similar) and marks line breaks with a backslash.
_BARE_ENTITY = re.compile(r"(?<!&)#(\d+);")
_CLASSES = ("1", "2", "3", "4")  # World, Sports, Business, Sci/Tech


def clean_agnews(text: str) -> str:
    """Undoes AG News' escapes: backslashes (`\\n`, lone `\\`) -> spaces, `#39;`/`&amp;` -> chars."""
    text = text.replace("\\n", " ").replace("\\", " ")
    return html.unescape(_BARE_ENTITY.sub(r"&#\1;", text))


@DatasetReader.register("attnat_agnews")
class AgNewsReader(TextClassificationReader):
    """
    Reads the AG News topic classification CSV files of Zhang et al. (2015) as distributed
    (`ag_news_csv/{train,test}.csv`): rows `"class","title","description"` without a header, classes
    1-4 (World, Sports, Business, Sci/Tech). The text is the title and the description joined by a
    space, with the escapes of the files undone (backslash line breaks -> spaces, `#39;` and HTML
    entities -> characters).

    `label_map` defaults to Jain & Wallace's binary task, World (1) -> `"0"` vs. Business (3) -> `"1"`;
    rows of other classes are skipped and counted. A row without three columns or with a class
    outside 1-4 raises a `DataFormatError` naming file and line.

    Registered as a `DatasetReader` with name "attnat_agnews".

    # Parameters

    label_map : `Optional[Dict[str, str]]`, optional (default = `{"1": "0", "3": "1"}`)
    **kwargs
        `tokenizer`, `token_indexers`, `max_tokens` as in `AttentionDatasetReader`.
    """

    def __init__(self, label_map: Optional[Dict[str, str]] = None, **kwargs) -> None:
        super().__init__(label_map=label_map or {"1": "0", "3": "1"}, **kwargs)

    def examples(self, file_path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
        with open(local_path(file_path), encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            line_number = 1
            try:
                for row in rows:
                    location = f"{file_path}:{line_number}"
                    line_number = rows.line_num + 1
                    if not row:
                        continue
                    if len(row) != 3:
                        raise DataFormatError(location, f"expected 3 columns, found {len(row)}")
                    label, title, description = row
                    if label not in _CLASSES:
                        raise DataFormatError(location, f"class {label!r} is not one of 1-4")
                    text = clean_agnews(f"{title} {description}")
                    yield location, {"text": text, "label": label}
            except csv.Error as error:
                raise DataFormatError(
                    f"{file_path}:{line_number}", f"malformed CSV ({error})"
                ) from None
            except UnicodeDecodeError:
                # The csv module reads ahead; find the line again to name it and the byte.
                with open(local_path(file_path), "rb") as raw_lines:
                    for number, raw in enumerate(raw_lines, start=1):
                        decode_line(raw, f"{file_path}:{number}", first=number == 1)
                raise
