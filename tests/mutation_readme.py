"""
Copies the per-package table of `docs/mutation.txt` (what `tests/mutation_report.py` wrote after
the last `make mutation`) into README's development section, between its markers.

    python tests/mutation_readme.py            # rewrites the README block
"""

import sys
from pathlib import Path

from attnat_allennlp.doc_blocks import replace_between

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- mutation: copied from docs/mutation.txt by python tests/mutation_readme.py -->"
END = "<!-- /mutation -->"


def table(report: str) -> str:
    """The header and package lines of a mutation report (up to the first blank line)."""
    lines = report.split("\n\n")[0].strip().splitlines()
    return "\n".join(["```", *lines, "```"])


def rewrite(readme: str, report: str) -> str:
    return replace_between(readme, BEGIN, END, f"\n{table(report)}\n", "README.md")


def main() -> int:
    readme = ROOT / "README.md"
    report = (ROOT / "docs" / "mutation.txt").read_text()
    readme.write_text(rewrite(readme.read_text(), report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
