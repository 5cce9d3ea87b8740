"""
Writes the survival rate of `make mutation` per package, from mutmut's own results in mutants/
(the `.meta` files that `mutmut run` leaves), with the name of every surviving mutant and, for those
read and found equivalent (no test can tell them from the code), the reason, from
`tests/mutation_equivalent.txt` (lines `NAME  reason`; a reason shared by the lines below it until
the next one can be written once, the names after it indented).

    python tests/mutation_report.py > docs/mutation.txt
"""

import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code

PACKAGES = ("perturbations", "interpret", "models")
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.txt")


def equivalent_reasons(path: Path = EQUIVALENT) -> Dict[str, str]:
    """`{mutant name: why it is equivalent}`: `NAME  reason` lines; an indented `NAME` line alone
    takes the reason of the line above; `#` lines are comments."""
    reasons: Dict[str, str] = {}
    reason = ""
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if not line.strip() or line.startswith("#"):
            continue
        name, _, text = line.strip().partition(" ")
        if text.strip():
            reason = text.strip()
        elif not line.startswith(" "):
            raise SystemExit(f"{path}: {name} has no reason")
        reasons[name] = reason
    return reasons


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
    reasons = equivalent_reasons()
    for package in PACKAGES:
        if survivors[package]:
            equivalent = [n for n in survivors[package] if n in reasons]
            print(
                f"\nsurviving in {package}/: {len(survivors[package])}, {len(equivalent)} of them "
                "read and equivalent (the reason after the name; tests/mutation_equivalent.txt), "
                f"{len(survivors[package]) - len(equivalent)} not (`.venv/bin/mutmut show NAME` "
                "prints the change):"
            )
            for name in survivors[package]:
                print(f"  {name}" + (f"  -- {reasons[name]}" if name in reasons else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
