"""
What the step benches (`bench/techniques.py`, `bench/transformer.py`) share: the batches, a row of
the bench (a model, its optimizer and the `adversarial_training` callback of its technique), the
timed step, the interleaved loop over the rows, the ratios to vanilla, and writing the results.
"""

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type

import torch
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.data_loaders import MultiProcessDataLoader
from allennlp.data.samplers import BucketBatchSampler

from attnat_allennlp.doc_blocks import write_between
from attnat_allennlp.models.base import AttentionModel
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

# The data of the configs, relative to the repository root (where `make bench` runs).
DEFAULT_DATA_DIR = os.path.join("..", "shared", "data")


class SavedBytes:
    """Counts the bytes of the tensors saved for backward while active."""

    def __init__(self) -> None:
        self.total = 0

    def pack(self, tensor):
        self.total += tensor.numel() * tensor.element_size()
        return tensor

    def __enter__(self):
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self.pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *args):
        self._hooks.__exit__(*args)


def load_batches(
    reader: DatasetReader,
    data: str,
    batch_size: int,
    count: int,
    vocab_class: Type[Vocabulary] = Vocabulary,
    cuda_device: Optional[torch.device] = None,
) -> Tuple[Vocabulary, List[Dict[str, Any]]]:
    """The vocabulary of `data` (a `vocab_class`) and its first `count` length-bucketed batches."""
    loader = MultiProcessDataLoader(
        reader,
        data,
        batch_sampler=BucketBatchSampler(batch_size),
        cuda_device=cuda_device,
        quiet=True,
    )
    vocab = vocab_class.from_instances(loader.iter_instances())
    loader.index_with(vocab)
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == count:
            break
    return vocab, batches


@dataclass
class Row:
    """
    One row of a bench: a model trained on the same batches as the other rows, with its optimizer
    and, but for vanilla, the callback of its technique; what each step took is appended to
    `times` (seconds), `memory` (MB) and `unlabeled_tokens` (the tokens its unlabeled stream read).
    """

    model: AttentionModel
    optimizer: torch.optim.Optimizer
    callback: Optional[AdversarialTrainingCallback] = None
    times: List[float] = field(default_factory=list)
    memory: List[float] = field(default_factory=list)
    unlabeled_tokens: List[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.trainer = TrainerStep(self.model)


def time_step(row: Row, batch: Dict[str, Any], device: torch.device) -> None:
    """
    One training step of `row` on `batch` (forward, backward through the callback, optimizer step),
    timed. Memory: on CUDA the peak allocated during the step; on CPU the bytes of the tensors
    saved for backward (torch keeps no CPU allocation peak).
    """
    stream = row.callback.unlabeled_stream if row.callback is not None else None
    tokens_before = stream.tokens_seen if stream is not None else 0
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    with SavedBytes() as saved:
        row.optimizer.zero_grad()
        outputs = row.model(**batch)
        if row.callback is None:
            outputs["loss"].backward()
        else:
            row.callback.backward(row.trainer, outputs)
        row.optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
        row.memory.append(torch.cuda.max_memory_allocated() / 2**20)
    else:
        row.memory.append(saved.total / 2**20)
    row.times.append(time.perf_counter() - start)
    row.unlabeled_tokens.append((stream.tokens_seen if stream is not None else 0) - tokens_before)


def run_interleaved(rows: Dict[str, Row], batches: List[Dict[str, Any]], device: torch.device):
    """Every row on batch i before batch i + 1, the order of the rows reversed every other batch,
    so that machine load hits them alike."""
    names = list(rows)
    for index, batch in enumerate(batches):
        for name in names if index % 2 == 0 else list(reversed(names)):
            time_step(rows[name], batch, device)


def step_results(rows: Dict[str, Row], warmup: int) -> Dict[str, Dict[str, Any]]:
    """
    For each row, after `warmup` steps: the median step in ms, the median over batches of its step
    divided by vanilla's on the same batch (adjacent in time), and the most memory of a step (MB).
    """
    vanilla = rows["vanilla"].times[warmup:]
    results = {}
    for name, row in rows.items():
        times, memory = row.times[warmup:], row.memory[warmup:]
        results[name] = {
            "median_step_ms": round(1000 * statistics.median(times), 2),
            "ratio_to_vanilla": round(statistics.median(t / v for t, v in zip(times, vanilla)), 3),
            "memory_mb": round(max(memory), 1),
        }
    return results


def write_json(summary: Dict, path: str) -> None:
    """Writes a bench run's summary as indented JSON (its folder made when missing)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)
        handle.write("\n")


def publish(
    settings: Dict[str, Any],
    results: Dict[str, Dict[str, Any]],
    output: Optional[str],
    command: str,
    argv: Optional[List[str]],
) -> Dict[str, Dict[str, Any]]:
    """
    Prints a bench run's summary as one JSON line and writes it to `output` when given
    (`write_json`): its `settings`, the torch version, the command line (`command` and `argv`,
    `sys.argv[1:]` when None) and the `results`, which it returns.
    """
    summary = {
        **settings,
        "torch": torch.__version__,
        "command": f"{command} " + " ".join(argv if argv is not None else sys.argv[1:]),
        "results": results,
    }
    print(json.dumps(summary))
    if output:
        write_json(summary, output)
    return results


def write_between_markers(into: str, name: str, table: str, generated: str) -> None:
    """Puts `table` (after the comment `generated`) into the file `into` between the lines
    `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, replacing what was there."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    write_between(into, start, end, f"\n<!-- {generated} -->\n\n{table}\n\n")
