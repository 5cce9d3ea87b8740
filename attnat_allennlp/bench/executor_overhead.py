"""
The overhead of the cluster executor on one machine: the same tiny study (the test fixture
sentences, vanilla and attention AT, 1 epoch, light measures) with `--jobs 2` and on a local Dask
cluster of 2 worker processes (1 thread each), each in a fresh folder; the JSON goes to `--output`
and `--render` puts its sentence into docs/study.md (between `<!-- overhead -->` lines).

    python -m attnat_allennlp.bench.executor_overhead --output docs/results/study/executor_overhead.json
    python -m attnat_allennlp.bench.executor_overhead --render docs/results/study/executor_overhead.json
"""

import argparse
import datetime
import json
import os
import shutil
import tempfile
import time
from typing import Any, Dict, List, Optional

from attnat_allennlp.doc_blocks import write_between
from attnat_allennlp.study.scheduler import run_study
from attnat_allennlp.study.spec import parse_study

DATA = "tests/fixtures/data/text_classification.jsonl"
COMMAND = "python -m attnat_allennlp.bench.executor_overhead --output {output}"


def tiny_study(data: str, seeds: List[int]) -> Dict[str, Any]:
    paths = {k: data for k in ("train_data_path", "validation_data_path", "test_data_path")}
    embedding = "model.text_field_embedder.token_embedders.tokens.pretrained_file"
    return {
        "datasets": [
            {"name": "tiny", "config": "rt_polarity", "overrides": {**paths, embedding: None}}
        ],
        "techniques": ["vanilla", "attention_at"],
        "seeds": seeds,
        "eps": {"attention_at": [1.0]},
        "epochs": 1,
        "measures": {"leave_one_out": False, "attributions": [], "max_instances": 16},
    }


def measure(data: str = DATA, seeds: int = 3) -> Dict[str, Any]:
    """Seconds of the tiny study with `--jobs 2`, and with 2 local Dask workers (cluster started)."""
    from attnat_allennlp.study.dask_executor import DaskExecutor, local_cluster

    study = parse_study(tiny_study(os.path.abspath(data), list(range(1, seeds + 1))))
    root = tempfile.mkdtemp(prefix="executor_overhead_")
    try:
        started = time.time()
        run_study(study, os.path.join(root, "jobs"), jobs=2, progress=False)
        jobs_seconds = time.time() - started
        started = time.time()
        with local_cluster(workers=2) as cluster:
            cluster_seconds = time.time() - started
            started = time.time()
            executor = DaskExecutor(cluster.scheduler_address)
            run_study(study, os.path.join(root, "dask"), progress=False, executor=executor)
            dask_seconds = time.time() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "runs": study.num_runs(),
        "jobs2_seconds": round(jobs_seconds, 1),
        "dask2_seconds": round(dask_seconds, 1),
        "dask_cluster_start_seconds": round(cluster_seconds, 1),
        "overhead_seconds_per_run": round((dask_seconds - jobs_seconds) / study.num_runs(), 2),
        "ratio": round(dask_seconds / jobs_seconds, 2),
        "cpus": os.cpu_count(),
        "date": datetime.date.today().isoformat(),
    }


def sentence(result: Dict[str, Any], json_path: str) -> str:
    extra = result["dask2_seconds"] - result["jobs2_seconds"]
    return (
        f"On this machine ({result['cpus']} cores, shared with other jobs; {result['date']}), the "
        f"tiny study of {result['runs']} runs of a few seconds each took "
        f"{result['jobs2_seconds']:.1f} s with `--jobs 2` and {result['dask2_seconds']:.1f} s on 2 "
        f"local Dask workers ({result['ratio']:.2f}x, {extra:.1f} s more; starting the cluster "
        f"took {result['dask_cluster_start_seconds']:.1f} s before that). The extra time should be "
        "mostly a fixed cost per worker, not per run (each worker imports the package, then "
        "starts the fork server its runs train under, which imports it again; not timed "
        f"separately), which runs of minutes would hide and tiny runs do not. From `{json_path}`, written by "
        f"`{COMMAND.format(output=json_path)}`."
    )


def render(json_path: str, into: str) -> None:
    """Puts the sentence of `json_path` into `into` between `<!-- overhead -->` lines."""
    start, end = "<!-- overhead -->", "<!-- /overhead -->"
    with open(json_path, encoding="utf-8") as handle:
        text_of_result = sentence(json.load(handle), json_path)
    write_between(into, start, end, f"\n{text_of_result}\n")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m attnat_allennlp.bench.executor_overhead",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--data", default=DATA, help="the sentences of the tiny study")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--output", default=None, help="the JSON file of the timings")
    parser.add_argument("--render", default=None, metavar="JSON", help="run nothing: render JSON")
    parser.add_argument("--into", default="docs/study.md")
    args = parser.parse_args(argv)
    if args.render:
        render(args.render, args.into)
        return
    result = measure(args.data, args.seeds)
    print(json.dumps(result))
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as handle:
            json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
