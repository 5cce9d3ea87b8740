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
import time
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn.util import get_text_field_mask

import attnat_allennlp  # noqa: F401
from attnat_allennlp.bench.timing import (
    DEFAULT_DATA_DIR,
    Row,
    load_batches,
    publish,
    run_interleaved,
    step_results,
    write_between_markers,
)
from attnat_allennlp.data.counting_vocabulary import CountingVocabulary
from attnat_allennlp.data.dataset_readers.jsonl import JsonlTextClassificationReader
from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledTextReader
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.normalized_embedding import NormalizedEmbedding
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback

# How the bench is run (`bench/__main__.py` runs this one): its --help, its JSON, its tables.
COMMAND = "python -m attnat_allennlp.bench"

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


def render(json_paths: List[str], into: str, name: Optional[str] = None) -> None:
    """
    Writes the table of the runs `json_paths` into `into` between the lines
    `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, NAME `name` or the first file's stem.
    """
    summaries = []
    for path in json_paths:
        with open(path, encoding="utf-8") as handle:
            summaries.append(json.load(handle))
    generated = f"generated from {' '.join(json_paths)} by {COMMAND} --render"
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


def tokens(batch) -> int:
    """The real tokens of the text fields of a tensor batch."""
    return sum(int(get_text_field_mask(v).sum()) for v in batch.values() if isinstance(v, dict))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
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
    return parser


def _row(
    name: str, args: argparse.Namespace, vocab: CountingVocabulary, glove: str, device
) -> Tuple[Row, Optional[float]]:
    """The row `name` (technique or technique+stream) and the seconds of its one-time set-up."""
    technique, _, stream = name.partition("+")
    normalized = ("vanilla_normalized",) if args.plain_embeddings else NORMALIZED
    model = build_model(vocab, glove, seed=0, normalize=technique in normalized).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    if technique in ("vanilla", "vanilla_normalized"):
        return Row(model, optimizer), None
    perturbation = Perturbation.by_name(technique)()
    unlabeled = {}
    if stream:
        unlabeled = {
            "unlabeled_data_path": os.path.join(args.data_dir, STREAM_FILES[stream]),
            "unlabeled_dataset_reader": UnlabeledTextReader(max_tokens=args.unlabeled_max_tokens),
            "unlabeled_batch_size": args.batch_size,
        }
    callback = AdversarialTrainingCallback("", [perturbation], **unlabeled)
    callback.attach(model, cuda_device=device)
    setup = None
    if hasattr(perturbation, "fill_neighbours"):
        # Word iAT searches each word's neighbours once, when a batch first contains it:
        # a cost of the first epoch, timed here on its own rather than in the steps.
        start = time.perf_counter()
        perturbation.fill_neighbours(model)
        setup = time.perf_counter() - start
    return Row(model, optimizer, callback), setup


def _results(
    rows: Dict[str, Row], setup: Dict[str, float], labeled_tokens: int, warmup: int
) -> Dict[str, Dict[str, Any]]:
    """`step_results`, with each stream row's U/L and target, the targets met, the set-up times."""
    results = step_results(rows, warmup)
    vanilla_median = statistics.median(rows["vanilla"].times[warmup:])
    for name, result in results.items():
        if "+" in name:
            ratio = sum(rows[name].unlabeled_tokens[warmup:]) / labeled_tokens
            result["unlabeled_per_labeled_token"] = round(ratio, 3)
            result["target_ratio"] = round(1.2 * (1 + ratio), 3)
        target = result.get("target_ratio", TARGETS.get(name))
        if target is not None:
            result["target"] = target
            result["met"] = result["ratio_to_vanilla"] <= target
        if name in setup:
            result["one_time_search_s"] = round(setup[name], 2)
            result["one_time_search_in_vanilla_steps"] = round(setup[name] / vanilla_median, 1)
    return results


def _print_table(
    results: Dict[str, Dict[str, Any]], setup: Dict[str, float], vocab_size: int, device
) -> None:
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
            f"{name}: the one-time search of the neighbours of all {vocab_size} words "
            f"took {seconds:.2f} s ({results[name]['one_time_search_in_vanilla_steps']} vanilla steps)"
        )


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    parser = _parser()
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
    vocab, batches = load_batches(
        JsonlTextClassificationReader(),
        data,
        args.batch_size,
        args.steps + args.warmup,
        CountingVocabulary,
        device,
    )
    rows, setup = {}, {}
    for name in ["vanilla"] + list(args.techniques) + list(args.streams):
        rows[name], seconds = _row(name, args, vocab, glove, device)
        if seconds is not None:
            setup[name] = seconds
    run_interleaved(rows, batches, device)
    labeled_tokens = sum(tokens(batch) for batch in batches[args.warmup :])
    results = _results(rows, setup, labeled_tokens, args.warmup)
    _print_table(results, setup, vocab.get_vocab_size(), device)
    settings = {
        "device": str(device),
        "threads": args.threads,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "unlabeled_max_tokens": args.unlabeled_max_tokens,
    }
    return publish(settings, results, args.output, COMMAND, argv)


if __name__ == "__main__":
    main()
