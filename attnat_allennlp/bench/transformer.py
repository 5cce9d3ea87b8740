"""
Times training steps of the attention techniques on a Transformer's self-attention against vanilla
on the same batches, perturbing the last layer (`layers: [-1]`) and all layers (`"all"`):

- `--model scratch` (default): the from-scratch Transformer of `training_config/rt_polarity_transformer_*`
  (GloVe 50d when present, 2 layers, 4 heads, dim 64, feed-forward 128, additive pooling attention,
  Adam, batch 32) on rt-polarity; targets 1.3 x vanilla (last layer) and 2.1 x (all layers).
- `--model minilm`: all-MiniLM-L6-v2 as the `<dataset>_minilm_*` configs fine-tune it (`--model-dir`,
  default data/minilm from `allennlp prepare-attnat-data minilm`: 6 layers, 12 heads, hidden 384;
  its wordpieces, additive pooling attention, AdamW, batch 16) on SST sentences (the PTB trees of
  `--data-dir`/sst); targets (`TARGETS`): RP/AT/iAT on the last layer 1.25 x, VAT/iVAT on the last
  layer 1.5 x, AT/iAT on all layers 2.1 x.

Steps are interleaved as in `attnat_allennlp.bench.techniques` (every row on batch i before batch i + 1, the
order reversed every other batch); prints a table and one JSON line (median step time, the median
over batches of the ratio to vanilla's step on the same batch, the most MB of tensors saved for
backward in a step), and with `--output` writes that JSON to a file.

    python -m attnat_allennlp.bench.transformer [--model minilm] [--steps 40] [--threads 1] \
        [--techniques attention_at] [--output docs/results/bench/transformer_minilm.json]
"""

import argparse
import copy
import json
import os
import random
import statistics
from typing import Any, Dict, List, Optional, Tuple

import torch
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn.util import get_text_field_mask

import attnat_allennlp  # noqa: F401
from attnat_allennlp.bench import timing
from attnat_allennlp.data.dataset_readers.jsonl import JsonlTextClassificationReader
from attnat_allennlp.data.dataset_readers.sst import SstReader
from attnat_allennlp.data.pretrained_transformer import (
    MINILM_FOLDER,
    TransformerWordpieceIndexer,
    TransformerWordpieceTokenizer,
)
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.transformer import TransformerEncoder
from attnat_allennlp.modules.transformer_pretrained import (
    PretrainedTransformerEncoder,
    PretrainedWordEmbeddings,
)
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback

# How the bench is run: its --help, its JSON, its table.
COMMAND = "python -m attnat_allennlp.bench.transformer"
TECHNIQUES = ["attention_rp", "attention_at", "attention_iat", "attention_vat", "attention_ivat"]
LAYERS = {"last": [-1], "all": "all"}
MODELS = ("scratch", "minilm")
# The most a row may cost, in multiples of vanilla's step, by model; rows not named have no target.
TARGETS: Dict[str, Dict[str, float]] = {
    "scratch": {
        f"{t}@{layers}": 1.3 if layers == "last" else 2.1 for t in TECHNIQUES for layers in LAYERS
    },
    "minilm": {
        "attention_rp@last": 1.25,
        "attention_at@last": 1.25,
        "attention_iat@last": 1.25,
        "attention_vat@last": 1.5,
        "attention_ivat@last": 1.5,
        "attention_at@all": 2.1,
        "attention_iat@all": 2.1,
    },
}


def build_model(vocab: Vocabulary, glove: str, seed: int) -> AttentionClassifier:
    torch.manual_seed(seed)
    pretrained = glove if os.path.exists(glove) else None
    embedding = Embedding(embedding_dim=50, vocab=vocab, pretrained_file=pretrained, trainable=True)
    encoder = AttentionSeq2VecEncoder(
        TransformerEncoder(50, hidden_dim=64, num_layers=2, num_heads=4, feedforward_dim=128),
        attention_dim=64,
    )
    return AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)


def build_minilm(vocab: Vocabulary, model_dir: str, seed: int) -> AttentionClassifier:
    """The model of the `<dataset>_minilm_*` configs: the pretrained layers, additive pooling (128)."""
    torch.manual_seed(seed)
    embedder = BasicTextFieldEmbedder({"tokens": PretrainedWordEmbeddings(model_dir)})
    encoder = AttentionSeq2VecEncoder(PretrainedTransformerEncoder(model_dir), attention_dim=128)
    return AttentionClassifier(vocab, embedder, encoder)


def _minilm_optimizer(model: AttentionClassifier) -> torch.optim.Optimizer:
    """The configs' AdamW: 2e-5 (weight decay 0.01) for the pretrained weights, 1e-3 for the rest."""
    new = [
        p for n, p in model.named_parameters() if "_attention_" in n or "_classification_layer" in n
    ]
    ids = {id(p) for p in new}
    pretrained = [p for p in model.parameters() if id(p) not in ids]
    return torch.optim.AdamW(
        [{"params": pretrained}, {"params": new, "lr": 1e-3, "weight_decay": 0.0}],
        lr=2e-5,
        weight_decay=0.01,
    )


def markdown_table(summary: Dict) -> str:
    """The Markdown table of a bench's JSON (`--output`): one row per technique@layers."""
    results = summary["results"]
    vanilla = results["vanilla"]["median_step_ms"]
    lines = [
        "| technique @ layers | median step (ms) | x vanilla | target | met | saved for backward (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in results.items():
        target = row.get("target")
        lines.append(
            f"| {name.replace('@', ' @ ')} | {row['median_step_ms']:.1f} | "
            f"{row['ratio_to_vanilla']:.3f} | {'' if target is None else f'<= {target:g}'} | "
            f"{'' if target is None else ('yes' if row['met'] else '**no**')} | {row['memory_mb']:.1f} |"
        )
    model = summary.get("model_dir") or "the from-scratch Transformer"
    caption = (
        f"{model}, {summary['steps']} steps of batch {summary['batch_size']} from {summary['data']} "
        f"(mean {summary['mean_tokens']} tokens a text), {summary['threads']} thread(s), torch "
        f"{summary['torch']}; vanilla {vanilla:.1f} ms a step. `{summary['command']}`"
    )
    return "\n".join(lines + ["", caption])


def render(json_path: str, into: str) -> None:
    """
    Writes the table of `json_path` into `into` between the lines `<!-- bench:NAME -->` and
    `<!-- /bench:NAME -->` (NAME: the JSON file's stem), replacing what was there.
    """
    with open(json_path, encoding="utf-8") as handle:
        table = markdown_table(json.load(handle))
    generated = f"generated from {json_path} by {COMMAND} --render"
    timing.write_between_markers(
        into, os.path.splitext(os.path.basename(json_path))[0], table, generated
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=timing.DEFAULT_DATA_DIR)
    parser.add_argument("--model", choices=MODELS, default="scratch")
    parser.add_argument(
        "--model-dir",
        default=MINILM_FOLDER,
        help="--model minilm: the model folder (default: %(default)s, from `allennlp "
        "prepare-attnat-data minilm`), or another BERT-family folder",
    )
    parser.add_argument("--steps", type=int, default=20, help="timed steps per row")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="default: the configs' (32 scratch, 16 minilm)"
    )
    parser.add_argument("--techniques", nargs="*", default=TECHNIQUES)
    parser.add_argument(
        "--rows",
        nargs="*",
        default=None,
        help="technique@layers rows (layers: last, all); default: every technique on both for "
        "scratch, the rows with a target for minilm",
    )
    parser.add_argument("--seed", type=int, default=0, help="the order of the batches")
    parser.add_argument("--output", default=None, help="also write the JSON line to this file")
    parser.add_argument(
        "--render",
        default=None,
        metavar="JSON",
        help="run nothing: put the table of this --output file into --into (between the lines "
        "<!-- bench:NAME --> and <!-- /bench:NAME -->, NAME the file's stem)",
    )
    parser.add_argument(
        "--into", default="docs/transformers.md", help="the file --render writes into"
    )
    return parser


def _data(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Tuple[str, DatasetReader]:
    """The labeled data and its reader: SST's trees in wordpieces for MiniLM, else rt-polarity."""
    if args.model == "minilm":
        if not os.path.isdir(args.model_dir):
            parser.error(
                f"no model folder at {args.model_dir}: run `allennlp prepare-attnat-data minilm` "
                "or give --model-dir"
            )
        reader = SstReader(
            tokenizer=TransformerWordpieceTokenizer(args.model_dir),
            token_indexers={"tokens": TransformerWordpieceIndexer()},
        )
        return os.path.join(args.data_dir, "sst", "train.txt"), reader
    return os.path.join(
        args.data_dir, "rt-polarity", "train.jsonl"
    ), JsonlTextClassificationReader()


def _row_names(args: argparse.Namespace, parser: argparse.ArgumentParser) -> List[str]:
    """The technique@layers rows of `--rows` (checked), or the default ones of the model."""
    rows = args.rows
    if rows is None:
        rows = [f"{t}@{layers}" for t in args.techniques for layers in LAYERS]
        if args.model == "minilm":
            rows = [row for row in rows if row in TARGETS[args.model]]
    for row in rows:
        technique, _, layers = row.partition("@")
        if technique not in TECHNIQUES or layers not in LAYERS:
            parser.error(
                f"--rows: {row!r} is not technique@layers ({', '.join(TECHNIQUES)}; last, all)"
            )
    return rows


def _rows(names: List[str], args: argparse.Namespace, vocab: Vocabulary) -> Dict[str, timing.Row]:
    """A model per row (MiniLM: one pretrained model loaded, copied for every row, so the same
    weights and pooling layer) with the configs' optimizer and the row's callback."""
    minilm = args.model == "minilm"
    glove = os.path.join(args.data_dir, "glove", "glove.6B.50d.subset.txt.gz")
    template = build_minilm(vocab, args.model_dir, seed=0) if minilm else None
    rows = {}
    for name in names:
        model = copy.deepcopy(template) if minilm else build_model(vocab, glove, seed=0)
        model.train()
        optimizer = (
            _minilm_optimizer(model)
            if minilm
            else torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
        )
        callback = None
        if name != "vanilla":
            technique, _, layers = name.partition("@")
            perturbation = Perturbation.from_params(
                Params({"type": technique, "target": "self_attention", "layers": LAYERS[layers]})
            )
            callback = AdversarialTrainingCallback("", [perturbation])
            callback.attach(model)
        rows[name] = timing.Row(model, optimizer, callback)
    return rows


def _print_table(results: Dict[str, Dict[str, Any]]) -> None:
    print(
        f"{'Transformer: technique@layers':<30}{'median ms':>11}{'x vanilla':>11}{'target':>8}{'saved MB':>10}"
    )
    for name, row in results.items():
        target = str(row.get("target", ""))
        print(
            f"{name:<30}{row['median_step_ms']:>11.1f}{row['ratio_to_vanilla']:>11.3f}{target:>8}"
            f"{row['memory_mb']:>10.1f}"
        )


def _mean_tokens(batches: List[Dict[str, Any]]) -> float:
    """The mean real tokens (wordpieces with [CLS]/[SEP] for MiniLM) of a text in `batches`."""
    return round(
        statistics.mean(
            float(mask.sum(-1).float().mean())
            for mask in (get_text_field_mask(batch["tokens"]) for batch in batches)
        ),
        1,
    )


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.render:
        render(args.render, args.into)
        return {}
    minilm = args.model == "minilm"
    batch_size = args.batch_size or (16 if minilm else 32)
    data, reader = _data(args, parser)
    if not os.path.exists(data):
        parser.error(f"no labeled data at {data}: give --data-dir (the folder of ../shared/data)")
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    vocab, batches = timing.load_batches(reader, data, batch_size, args.steps + args.warmup)
    rows = _rows(["vanilla"] + _row_names(args, parser), args, vocab)
    # the rows train on the CPU (the models are not moved): memory is what is saved for backward
    timing.run_interleaved(rows, batches, torch.device("cpu"))
    results = timing.step_results(rows, args.warmup)
    targets = TARGETS[args.model]
    for name, result in results.items():
        if name in targets:
            result["target"] = targets[name]
            result["met"] = result["ratio_to_vanilla"] <= targets[name]
    _print_table(results)
    settings = {
        "model": "transformer" if not minilm else "minilm",
        "model_dir": args.model_dir if minilm else None,
        "data": data,
        "threads": args.threads,
        "steps": args.steps,
        "batch_size": batch_size,
        "mean_tokens": _mean_tokens(batches[args.warmup :]),
    }
    return timing.publish(settings, results, args.output, COMMAND, argv)


if __name__ == "__main__":
    main()
