"""
The cost of the measures: seconds per 1,000 test texts of `study_measures` with only the cheap
measures, then with each expensive one added (leave-one-out, each standard attribution), for one
trained model, in one process (one torch thread; the ratios are what compare across machines).
Then the attack and the stability (which `study_measures` computes with `attack`, `stability`),
each timed on its own and added to the cheap measures' time: the word-substitution attack (`interpret/attack.py`, its defaults) and
the stability under the attack and under embedding noise (`interpret/stability.py`, given the
attack's results).

    python -m attnat_allennlp.bench.measures MODEL.tar.gz DATA --max-instances 1000 \
        --output docs/results/measure_costs.json

The SST model of `docs/results/measure_costs_sst.json` (a 2-epoch vanilla BiLSTM, GloVe 50d):

    allennlp train training_config/sst_vanilla.jsonnet -s /tmp/sst_vanilla \
        -o '{"trainer.num_epochs": 2}' --include-package attnat_allennlp

prints a Markdown table and writes the numbers as JSON; `--table-of JSON` prints the table of a
JSON written before (what the docs quote).
"""

import argparse
import json
import platform
import time
from typing import Any, Dict, List, Optional

import torch

from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS

# The cheap measures only: no leave-one-out, no attributions, no robustness, no attack, no stability.
_BASE: Dict[str, Any] = {
    "leave_one_out": False,
    "attributions": (),
    "robustness_eps": {},
    "attack": False,
    "stability": False,
}


def _variants() -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = [{"added": "nothing (metrics, gradient, entropy, AOPC)", **_BASE}]
    rows.append({**_BASE, "added": "leave_one_out", "leave_one_out": True})
    rows.extend({**_BASE, "added": m, "attributions": (m,)} for m in ATTRIBUTION_METHODS)
    return rows


def main(arguments: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m attnat_allennlp.bench.measures", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("archive", nargs="?")
    parser.add_argument("data", nargs="?")
    parser.add_argument(
        "--table-of", default=None, help="print the table of a JSON this command wrote, and stop"
    )
    parser.add_argument("--max-instances", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(arguments)
    if args.table_of:
        with open(args.table_of) as handle:
            result = json.load(handle)
        print(format_table(result))
        return result
    if not (args.archive and args.data):
        parser.error("give ARCHIVE and DATA (or --table-of JSON)")
    torch.set_num_threads(args.threads)

    from allennlp.models.archival import load_archive

    import attnat_allennlp  # noqa: F401  (registers the components)
    from attnat_allennlp.interpret.report import load_instances, study_measures

    archive = load_archive(args.archive)
    instances = load_instances(archive.validation_dataset_reader, args.data, args.max_instances)
    rows = []
    for variant in _variants():
        options = {k: v for k, v in variant.items() if k != "added"}
        start = time.process_time()
        study_measures(archive.model, instances, **options)
        seconds = time.process_time() - start
        rows.append(
            {
                "added": variant["added"],
                "cpu_seconds": round(seconds, 2),
                "cpu_seconds_per_1000": round(seconds * 1000 / len(instances), 2),
            }
        )
    rows.extend(_own_rows(archive.model, instances, rows[0]["cpu_seconds"]))
    base = rows[0]["cpu_seconds"]
    for row in rows:
        row["ratio_to_base"] = round(row["cpu_seconds"] / base, 2) if base else None
    result = {
        "archive": args.archive,
        "data": args.data,
        "instances": len(instances),
        "threads": args.threads,
        "machine": platform.machine(),
        "clock": "process CPU time (time.process_time), so the other processes on the machine "
        "do not count",
        "rows": rows,
    }
    print(format_table(result))
    if args.output:
        with open(args.output, "w") as handle:
            json.dump(result, handle, indent=2)
    return result


def _own_rows(model, instances, base: float) -> List[Dict[str, Any]]:
    """The attack's and the stability's rows: each timed alone, then added to `base`."""
    from attnat_allennlp.interpret.attack import word_substitution_attack
    from attnat_allennlp.interpret.stability import explanation_stability

    start = time.process_time()
    results, attack = word_substitution_attack(model, instances)
    attack_seconds = time.process_time() - start
    start = time.process_time()
    _, stability = explanation_stability(model, instances, results)
    stability_seconds = time.process_time() - start
    rows = []
    for added, seconds, measures in (
        ("word_substitution_attack", attack_seconds, attack),
        ("stability (attack and noise; the attack's results given)", stability_seconds, stability),
    ):
        rows.append(
            {
                "added": added,
                "own_cpu_seconds": round(seconds, 2),
                "cpu_seconds": round(base + seconds, 2),
                "cpu_seconds_per_1000": round((base + seconds) * 1000 / len(instances), 2),
                "measures": measures,
            }
        )
    return rows


def format_table(result: Dict[str, Any]) -> str:
    """The Markdown table of a result of `main`."""
    lines = [
        f"CPU seconds of `study_measures` per 1,000 texts ({result['instances']} texts of "
        f"{result['data']}, {result['threads']} thread(s)):",
        "",
        "| measure added | CPU s / 1,000 texts | x the cheap measures |",
        "|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['added']} | {row['cpu_seconds_per_1000']:.1f} | {row['ratio_to_base']:.2f} |"
        )
    measured = [row for row in result["rows"] if row.get("measures")]
    if measured:
        lines += ["", "What those runs measured on the same texts:", ""]
    for row in measured:
        values = ", ".join(
            f"{name} {'-' if value is None else format(value, '.3f')}"
            for name, value in row["measures"].items()
        )
        lines.append(f"- {row['added']}: {values}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
