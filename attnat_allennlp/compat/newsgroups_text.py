"""
The three functions with which scikit-learn's `fetch_20newsgroups(remove=...)` strips the
headers, the footer and the quoted lines of a 20 Newsgroups post, copied from scikit-learn 1.9.1
(`sklearn/datasets/_twenty_newsgroups.py`; BSD-3-Clause, Copyright the scikit-learn developers)
with their behaviour unchanged, for the `attnat_20news` reader.

Not an allennlp workaround: the functions live in a private scikit-learn module
(`sklearn.datasets._twenty_newsgroups`), which a scikit-learn release may rename or change
without notice. A copy of 30 lines keeps the reader's text, and so the vocabulary and every
result on 20News, identical across scikit-learn releases; a guarded import would instead turn
such a release into a reader that cannot run. `tests/data/test_20news_reader.py` checks the copy
against scikit-learn's functions while scikit-learn still has them. Nothing is installed.
"""

import re

_QUOTE_RE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")


def strip_newsgroup_header(text: str) -> str:
    """`text` without its mail headers: everything before the first blank line is removed."""
    _before, _blankline, after = text.partition("\n\n")
    return after


def strip_newsgroup_quoting(text: str) -> str:
    """
    `text` without the lines starting with the quote characters `>` or `|`, and without the
    lines that often introduce a quoted section (containing "writes:", "wrote:", ...).
    """
    good_lines = [line for line in text.split("\n") if not _QUOTE_RE.search(line)]
    return "\n".join(good_lines)


def strip_newsgroup_footer(text: str) -> str:
    """
    `text` without its signature block, by a rough heuristic: a signature is set apart by a
    blank line or a line of hyphens, and is after the last such line of the text (blank lines at
    its end disregarded).
    """
    lines = text.strip().split("\n")
    for line_num in range(len(lines) - 1, -1, -1):
        line = lines[line_num]
        if line.strip().strip("-") == "":
            break

    if line_num > 0:
        return "\n".join(lines[:line_num])
    else:
        return text
