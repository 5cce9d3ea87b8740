"""
Times training steps (forward + backward, through the `adversarial_training` callback, + optimizer
step) of every technique against vanilla on the same batches of rt-polarity, with Jain & Wallace's
model (embedding 50, GloVe when present, BiLSTM 128 per direction, additive attention, batch 32,
length-bucketed batches as the configs make them). As in the configs, the word-level techniques
run on Miyato et al.'s normalised embeddings (`attnat_normalized_embedding`, word frequencies from
an `attnat_counting` vocabulary) and the others on a plain `Embedding`; every ratio is to plain
vanilla, what a user's vanilla config costs, and the row `vanilla_normalized` (no perturbation)
shows what the normalisation alone adds. Techniques are interleaved step by step so that
machine load hits them alike. Prints a table and one JSON line: for each technique the median step
time, the median over batches of its step time divided by vanilla's on the same batch, and its
memory.

The VAT family is also timed with an unlabeled stream (rows `<technique>+<stream>`): `plot` is
rt-polarity's unlabeled plot snippets (texts cut at `--unlabeled-max-tokens`), `train` the
training texts themselves read as unlabeled text (as long as the labeled ones). For those rows,
`U/L` is the number of unlabeled over labeled tokens (without padding) in the same timed steps, and
the target is 1.2 x (1 + U/L).

    python -m attnat_allennlp.bench [--steps 20] [--threads 2] [--techniques attention_at word_at]
        [--streams attention_vat+plot] [--data-dir ../shared/data] [--output run.json]
    python -m attnat_allennlp.bench --render run1.json [run2.json ...] [--into docs/benchmarks.md]

Memory: on CUDA the peak allocated during a step; on CPU the bytes of the tensors saved for backward
during a step (what grows with the number of passes), since torch keeps no CPU allocation peak.
"""

import argparse
import json
import os
import statistics
import sys
import time
from typing import Dict, List, Optional

import torch
from allennlp.data.data_loaders import MultiProcessDataLoader
from allennlp.data.samplers import BucketBatchSampler
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn.util import get_text_field_mask

import attnat_allennlp  # noqa: F401
from attnat_allennlp.data.counting_vocabulary import CountingVocabulary
from attnat_allennlp.data.dataset_readers.jsonl import JsonlTextClassificationReader
from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledTextReader
from attnat_allennlp.doc_blocks import write_between
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.normalized_embedding import NormalizedEmbedding
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

TECHNIQUES = [
    "vanilla_normalized",
    "attention_rp",
    "attention_at",
    "attention_iat",
    "attention_vat",
    "attention_ivat",
    "word_at",
    "word_iat",
    "word_vat",
]
STREAMS = ["attention_vat+train", "attention_vat+plot", "attention_ivat+plot", "word_vat+plot"]
# The unlabeled text of each stream, under --data-dir.
STREAM_FILES = {
    "plot": os.path.join("rt-polarity", "unlabeled-plot.jsonl"),
    "train": os.path.join("rt-polarity", "train.jsonl"),
}
# The data of the configs, relative to the repository root (where `make bench` runs).
DEFAULT_DATA_DIR = os.path.join("..", "shared", "data")


# Rows that run on the normalised embeddings, as their configs do (`normalize_embeddings`).
NORMALIZED = ("vanilla_normalized", "word_at", "word_iat", "word_vat")

# The most x vanilla each technique may cost (issue targets); a stream row's is 1.2 x (1 + U/L).
TARGETS = {
    "attention_rp": 1.15,
    "attention_at": 1.15,
    "attention_iat": 1.15,
    "attention_vat": 1.15,
    "attention_ivat": 1.15,
    "word_at": 2.1,
    "word_iat": 2.2,
    "word_vat": 2.7,
}


def markdown_table(summaries: List[Dict]) -> str:
    """
    The Markdown table of one or more runs' JSON (`--output`): with one run, a row per technique
    (step time, x vanilla, U/L, target, memory); with several, x vanilla of each run side by side
    for the rows they share.
    """
    first = summaries[0]["results"]
    names = [n for n in first if all(n in s["results"] for s in summaries)]

    def target(row: Dict) -> str:
        return "" if row.get("target") is None else f"<= {row['target']:g}"

    def met(rows: List[Dict]) -> str:
        if rows[0].get("target") is None:
            return ""
        return "yes" if all(r["ratio_to_vanilla"] <= r["target"] for r in rows) else "**no**"

    if len(summaries) == 1:
        lines = [
            "| technique | median step (ms) | x vanilla | U/L | target | met | saved for backward (MB) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in names:
            row = first[name]
            ratio = row.get("unlabeled_per_labeled_token")
            lines.append(
                f"| {name} | {row['median_step_ms']:.1f} | {row['ratio_to_vanilla']:.3f} | "
                f"{'' if ratio is None else f'{ratio:.2f}'} | {target(row)} | {met([row])} | "
                f"{row['memory_mb']:.1f} |"
            )
    else:
        runs = " | ".join(f"x vanilla, run {i}" for i in range(1, len(summaries) + 1))
        lines = [
            f"| technique | {runs} | target | met in every run |",
            "|---|" + "---|" * (len(summaries) + 2),
        ]
        for name in names:
            rows = [s["results"][name] for s in summaries]
            ratios = " | ".join(f"{r['ratio_to_vanilla']:.3f}" for r in rows)
            # a stream row's target moves with its U/L: shown is the smallest of the runs'
            shown = min(rows, key=lambda r: r.get("target") or 0)
            lines.append(f"| {name} | {ratios} | {target(shown)} | {met(rows)} |")
    captions = [
        f"run {i}: vanilla {s['results']['vanilla']['median_step_ms']:.1f} ms a step, "
        f"{s['threads']} thread(s), {s['steps']} steps, torch {s['torch']}, `{s['command']}`"
        for i, s in enumerate(summaries, 1)
    ]
    return "\n".join(lines + [""] + ["; ".join(captions) if len(captions) > 1 else captions[0]])


def write_json(summary: Dict, path: str) -> None:
    """Writes a bench run's summary as indented JSON (its folder made when missing)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)
        handle.write("\n")


def write_between_markers(into: str, name: str, table: str, generated: str) -> None:
    """Puts `table` (after the comment `generated`) into the file `into` between the lines
    `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, replacing what was there."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    write_between(into, start, end, f"\n<!-- {generated} -->\n\n{table}\n\n")


def render(json_paths: List[str], into: str, name: Optional[str] = None) -> None:
    """
    Writes the table of the runs `json_paths` into `into` between the lines
    `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, NAME `name` or the first file's stem.
    """
    summaries = []
    for path in json_paths:
        with open(path, encoding="utf-8") as handle:
            summaries.append(json.load(handle))
    generated = f"generated from {' '.join(json_paths)} by python -m attnat_allennlp.bench --render"
    name = name or os.path.splitext(os.path.basename(json_paths[0]))[0]
    write_between_markers(into, name, markdown_table(summaries), generated)


def build_model(
    vocab: CountingVocabulary, glove: str, seed: int, normalize: bool = False
) -> AttentionClassifier:
    torch.manual_seed(seed)
    pretrained = glove if os.path.exists(glove) else None
    embedding_class = NormalizedEmbedding if normalize else Embedding
    embedding = embedding_class(
        embedding_dim=50, vocab=vocab, pretrained_file=pretrained, trainable=True
    )
    encoder = AttentionSeq2VecEncoder(
        LstmSeq2SeqEncoder(50, 128, bidirectional=True), attention_dim=128
    )
    return AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)


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


def tokens(batch) -> int:
    """The real tokens of the text fields of a tensor batch."""
    return sum(int(get_text_field_mask(v).sum()) for v in batch.values() if isinstance(v, dict))


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=DEFAULT_DATA_DIR,
        help="the folder with rt-polarity/ and glove/ (default: %(default)s)",
    )
    parser.add_argument(
        "--data", default=None, help="labeled jsonl (default: rt-polarity/train.jsonl)"
    )
    parser.add_argument(
        "--glove",
        default=None,
        help="vectors (default: glove/glove.6B.50d.subset.txt.gz; random without)",
    )
    parser.add_argument("--steps", type=int, default=20, help="timed steps per technique")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--techniques", nargs="*", default=TECHNIQUES)
    parser.add_argument(
        "--streams",
        nargs="*",
        default=STREAMS,
        help="VAT techniques with an unlabeled stream, as technique+stream",
    )
    parser.add_argument(
        "--unlabeled-max-tokens",
        type=int,
        default=60,
        help="unlabeled texts are cut to this many tokens (the configs' unlabeled_max_tokens)",
    )
    parser.add_argument(
        "--plain-embeddings",
        action="store_true",
        help="run the word-level rows on a plain Embedding too (their configs with "
        "normalize_embeddings: false)",
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--output", default=None, help="also write the JSON line to this file")
    parser.add_argument(
        "--render",
        nargs="+",
        default=None,
        metavar="JSON",
        help="run nothing: put the table of these --output files (one run, or several side by "
        "side) into --into, between the lines <!-- bench:NAME --> and <!-- /bench:NAME -->, NAME "
        "the first file's stem",
    )
    parser.add_argument(
        "--into", default="docs/benchmarks.md", help="the file --render writes into"
    )
    parser.add_argument(
        "--name",
        default=None,
        help="--render: NAME of the markers (default: the first file's stem)",
    )
    args = parser.parse_args(argv)
    if args.render:
        render(args.render, args.into, args.name)
        return {}
    data = args.data or os.path.join(args.data_dir, "rt-polarity", "train.jsonl")
    glove = args.glove or os.path.join(args.data_dir, "glove", "glove.6B.50d.subset.txt.gz")
    if not os.path.exists(data):
        parser.error(
            f"no labeled data at {data}: give --data-dir (the folder of ../shared/data) or --data"
        )
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    reader = JsonlTextClassificationReader()
    loader = MultiProcessDataLoader(
        reader,
        data,
        batch_sampler=BucketBatchSampler(args.batch_size),
        cuda_device=device,
        quiet=True,
    )
    vocab = CountingVocabulary.from_instances(loader.iter_instances())
    loader.index_with(vocab)
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == args.steps + args.warmup:
            break

    names = ["vanilla"] + list(args.techniques) + list(args.streams)
    normalized = ("vanilla_normalized",) if args.plain_embeddings else NORMALIZED
    runs = {}
    setup: Dict[str, float] = {}
    for name in names:
        technique, _, stream = name.partition("+")
        model = build_model(vocab, glove, seed=0, normalize=technique in normalized).to(device)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
        trainer = TrainerStep(model)
        callback = None
        if technique not in ("vanilla", "vanilla_normalized"):
            perturbation = Perturbation.by_name(technique)()
            unlabeled = {}
            if stream:
                unlabeled = {
                    "unlabeled_data_path": os.path.join(args.data_dir, STREAM_FILES[stream]),
                    "unlabeled_dataset_reader": UnlabeledTextReader(
                        max_tokens=args.unlabeled_max_tokens
                    ),
                    "unlabeled_batch_size": args.batch_size,
                }
            callback = AdversarialTrainingCallback("", [perturbation], **unlabeled)
            callback.attach(model, cuda_device=device)
            if hasattr(perturbation, "fill_neighbours"):
                # Word iAT searches each word's neighbours once, when a batch first contains it:
                # a cost of the first epoch, timed here on its own rather than in the steps.
                start = time.perf_counter()
                perturbation.fill_neighbours(model)
                setup[name] = time.perf_counter() - start
        runs[name] = (model, optimizer, trainer, callback, [], [], [])

    def step(name: str, batch) -> None:
        model, optimizer, trainer, callback, times, memory, unlabeled_tokens = runs[name]
        stream = callback.unlabeled_stream if callback is not None else None
        tokens_before = stream.tokens_seen if stream is not None else 0
        if device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        with SavedBytes() as saved:
            optimizer.zero_grad()
            outputs = model(**batch)
            if callback is None:
                outputs["loss"].backward()
            else:
                callback.backward(trainer, outputs)
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
            memory.append(torch.cuda.max_memory_allocated() / 2**20)
        else:
            memory.append(saved.total / 2**20)
        times.append(time.perf_counter() - start)
        unlabeled_tokens.append((stream.tokens_seen if stream is not None else 0) - tokens_before)

    for index, batch in enumerate(batches):
        order = names if index % 2 == 0 else list(reversed(names))
        for name in order:
            step(name, batch)

    results = {}
    vanilla = runs["vanilla"][4][args.warmup :]
    labeled_tokens = sum(tokens(batch) for batch in batches[args.warmup :])
    for name in names:
        times, memory = runs[name][4][args.warmup :], runs[name][5][args.warmup :]
        median = statistics.median(times)
        results[name] = {
            "median_step_ms": round(1000 * median, 2),
            # the median over batches of the paired ratio (same batch, adjacent in time)
            "ratio_to_vanilla": round(statistics.median(t / v for t, v in zip(times, vanilla)), 3),
            "memory_mb": round(max(memory), 1),
        }
        if "+" in name:
            ratio = sum(runs[name][6][args.warmup :]) / labeled_tokens
            results[name]["unlabeled_per_labeled_token"] = round(ratio, 3)
            results[name]["target_ratio"] = round(1.2 * (1 + ratio), 3)
        target = results[name].get("target_ratio", TARGETS.get(name))
        if target is not None:
            results[name]["target"] = target
            results[name]["met"] = results[name]["ratio_to_vanilla"] <= target
        if name in setup:
            results[name]["one_time_search_s"] = round(setup[name], 2)
            results[name]["one_time_search_in_vanilla_steps"] = round(
                setup[name] / statistics.median(vanilla), 1
            )
    memory_kind = "peak CUDA MB" if device.type == "cuda" else "saved-for-backward MB"
    print(
        f"{'technique':<22}{'median ms':>11}{'x vanilla':>11}{'U/L':>8}{'1.2(1+U/L)':>12}{memory_kind:>24}"
    )
    for name, row in results.items():
        ratio = row.get("unlabeled_per_labeled_token")
        extra = (
            f"{ratio:>8.2f}{row['target_ratio']:>12.2f}"
            if ratio is not None
            else f"{'':>8}{'':>12}"
        )
        print(
            f"{name:<22}{row['median_step_ms']:>11.1f}{row['ratio_to_vanilla']:>11.3f}{extra}"
            f"{row['memory_mb']:>24.1f}"
        )
    for name, seconds in setup.items():
        print(
            f"{name}: the one-time search of the neighbours of all {vocab.get_vocab_size()} words "
            f"took {seconds:.2f} s ({results[name]['one_time_search_in_vanilla_steps']} vanilla steps)"
        )
    summary = {
        "device": str(device),
        "threads": args.threads,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "unlabeled_max_tokens": args.unlabeled_max_tokens,
        "torch": torch.__version__,
        "command": "python -m attnat_allennlp.bench "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "results": results,
    }
    print(json.dumps(summary))
    if args.output:
        write_json(summary, args.output)
    return results


if __name__ == "__main__":
    main()
