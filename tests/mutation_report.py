"""
Writes the survival rate of `make mutation` per package, from mutmut's own results in mutants/
(the `.meta` files that `mutmut run` leaves), with the name of every surviving mutant.

    python tests/mutation_report.py > docs/mutation.txt
"""

import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code

PACKAGES = ("perturbations", "interpret", "models")


def main() -> int:
    counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: Dict[str, List[str]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted(Path("attnat_allennlp", package).glob("*.py")):
            data = SourceFileMutationData(path=path)
            data.load()
            for name, exit_code in data.exit_code_by_key.items():
                status = status_by_exit_code[exit_code]
                counts[package][status] += 1
                if status == "survived":
                    survivors[package].append(name)
    print("mutmut over attnat_allennlp (`make mutation`): mutants per package and status")
    print(
        f"{'package':<15}{'run':>6}{'killed':>8}{'survived':>10}{'timeout':>9}{'no tests':>10}  survival"
    )
    for package in PACKAGES:
        c = counts[package]
        run = sum(n for status, n in c.items() if status not in ("not checked", "skipped"))
        if not run:
            print(f"{package:<15}  not run")
            continue
        print(
            f"{package:<15}{run:>6}{c['killed']:>8}{c['survived']:>10}{c['timeout']:>9}"
            f"{c['no tests']:>10}  {100 * c['survived'] / run:.1f}%"
        )
    for package in PACKAGES:
        if survivors[package]:
            print(f"\nsurviving in {package}/ (`.venv/bin/mutmut show NAME` prints the change):")
            for name in survivors[package]:
                print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
