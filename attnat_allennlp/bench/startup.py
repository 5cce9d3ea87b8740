"""
Times the start of an `allennlp` command: `allennlp --help` run from the repository root (which
imports every plugin: allennlp's default plugins such as `allennlp_models` when installed, and this
package through `.allennlp_plugins`), several times, plus one `python -X importtime` run of the
same command. Writes one JSON file (wall and CPU seconds of each run, the machine's load average
before each, the lines it printed to stderr that are not allennlp's INFO log lines, and the
cumulative import time of the modules that dominate), and rewrites the table of
`docs/startup.md` from every JSON file in the folder.

    python -m attnat_allennlp.bench.startup --label after [--repeats 5] [--dir docs/startup]

The machine's load is part of what is measured: read the load average beside the times.
"""

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

# Modules whose cumulative import time the JSON keeps (those present in the run).
MODULES = [
    "allennlp.commands",
    "allennlp.data",
    "torch",
    "torchvision",
    "torch._dynamo",
    "transformers",
    "spacy",
    "allennlp_models",
    "nltk",
    "attnat_allennlp",
]
_INFO_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ - INFO - ")
_TABLE_START = "<!-- startup-table: written by python -m attnat_allennlp.bench.startup -->"
_TABLE_END = "<!-- end of startup-table -->"


def _command(importtime: bool = False) -> List[str]:
    flags = ["-X", "importtime"] if importtime else []
    return [sys.executable, *flags, "-m", "allennlp", "--help"]


def _run_once() -> Dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(_command(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    noise = [line for line in done.stderr.splitlines() if line and not _INFO_LINE.match(line)]
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "load_1min": round(load, 2),
        "returncode": done.returncode,
        "stderr_lines": noise,
    }


def _import_times() -> Dict[str, float]:
    """
    Cumulative import seconds of `MODULES` (a package with all its submodules, wherever they were
    imported from; `all` = every import) in one `-X importtime` run of the command.
    """
    done = subprocess.run(_command(importtime=True), capture_output=True, text=True)
    entries = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", line)
        if match:
            entries.append((len(match.group(2)) // 2, match.group(3), int(match.group(1))))
    times = {module: 0 for module in MODULES + ["all"]}
    ancestors: List[str] = []  # the listing is children first: read backwards, parents come first
    for depth, name, cumulative in reversed(entries):
        del ancestors[depth:]
        if depth == 0:
            times["all"] += cumulative
        for module in MODULES:
            inside = name == module or name.startswith(module + ".")
            if inside and not any(a == module or a.startswith(module + ".") for a in ancestors):
                times[module] += cumulative
        ancestors.append(name)
    return {module: round(value / 1e6, 2) for module, value in times.items() if value}


def measure(label: str, repeats: int) -> Dict[str, Any]:
    runs = [_run_once() for _ in range(repeats)]
    walls = [run["wall_s"] for run in runs]
    cpus = [run["cpu_s"] for run in runs]
    try:
        import importlib.metadata as metadata

        models: Optional[str] = metadata.version("allennlp-models")
    except Exception:
        models = None
    return {
        "label": label,
        "command": "allennlp --help (from the repository root)",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "allennlp_models": models,
        "repeats": repeats,
        "wall_s_median": round(statistics.median(walls), 2),
        "wall_s_min": min(walls),
        "cpu_s_median": round(statistics.median(cpus), 2),
        "load_1min_median": round(statistics.median(run["load_1min"] for run in runs), 2),
        "stderr_lines": runs[0]["stderr_lines"],
        "import_s": _import_times(),
        "runs": runs,
    }


def table(folder: Path) -> str:
    results = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    results.sort(key=lambda r: r["date"])
    modules = [m for m in ["all"] + MODULES if any(m in r["import_s"] for r in results)]
    head = ["", *(r["label"] for r in results)]
    rows = [
        ["measured", *(r["date"] for r in results)],
        ["allennlp-models installed", *(r["allennlp_models"] or "no" for r in results)],
        ["repeats", *(str(r["repeats"]) for r in results)],
        ["wall s, median (min)", *(f"{r['wall_s_median']} ({r['wall_s_min']})" for r in results)],
        ["CPU s (user+sys), median", *(str(r["cpu_s_median"]) for r in results)],
        [
            "CPU time vs. the first column",
            *(f"{r['cpu_s_median'] / results[0]['cpu_s_median'] - 1:+.0%}" for r in results),
        ],
        ["load average (1 min), median", *(str(r["load_1min_median"]) for r in results)],
        ["lines on stderr besides INFO logs", *(str(len(r["stderr_lines"])) for r in results)],
    ]
    for module in modules:
        rows.append(
            [
                "import s, " + ("all modules" if module == "all" else f"`{module}`"),
                *(str(r["import_s"].get(module, "-")) for r in results),
            ]
        )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m attnat_allennlp.bench.startup", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--label", required=True, help="the name of this measurement (a column)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("docs/startup"))
    parser.add_argument("--doc", type=Path, default=Path("docs/startup.md"))
    parser.add_argument("--table-only", action="store_true", help="only rewrite the doc's table")
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="measure the import times again into the existing JSON file of --label",
    )
    args = parser.parse_args(argv)
    result: Dict[str, Any] = {}
    if args.imports_only:
        path = args.dir / f"{args.label}.json"
        result = json.loads(path.read_text())
        result["import_s"] = _import_times()
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result["import_s"]))
    elif not args.table_only:
        result = measure(args.label, args.repeats)
        args.dir.mkdir(parents=True, exist_ok=True)
        (args.dir / f"{args.label}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))
    if args.doc.exists():
        # here, not at the top: importing the package would start what this module measures
        from attnat_allennlp.doc_blocks import replace_between

        text = args.doc.read_text()
        if _TABLE_START in text and _TABLE_END in text:
            args.doc.write_text(
                replace_between(text, _TABLE_START, _TABLE_END, f"\n{table(args.dir)}\n")
            )
    return result


if __name__ == "__main__":
    main()
