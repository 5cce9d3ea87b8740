"""
Times training steps of the attention techniques on the self-attention of the from-scratch
Transformer (`training_config/rt_polarity_transformer_*`: GloVe 50d when present, 2 layers, 4 heads,
dim 64, feed-forward 128, additive pooling attention, batch 32) against vanilla on the same batches
of rt-polarity, perturbing the last layer (`layers: [-1]`, target 1.3 x vanilla) and all layers
(`"all"`, target 2.1 x). Steps are interleaved as in `attnat_allennlp.bench`; prints a table and one
JSON line (median step time, the median over batches of the ratio to vanilla's step on the same
batch, tensors saved for backward).

    python -m attnat_allennlp.bench_transformer [--steps 40] [--threads 1] [--techniques attention_at]
"""

import argparse
import json
import os
import statistics
import time
from typing import Dict, List, Optional

import torch
from allennlp.common import Params
from allennlp.data import Vocabulary
from allennlp.data.data_loaders import MultiProcessDataLoader
from allennlp.data.samplers import BucketBatchSampler
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding

import attnat_allennlp  # noqa: F401
from attnat_allennlp.bench import DEFAULT_DATA_DIR, SavedBytes
from attnat_allennlp.data.dataset_readers.jsonl import JsonlTextClassificationReader
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.transformer import TransformerEncoder
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

TECHNIQUES = ["attention_rp", "attention_at", "attention_iat", "attention_vat", "attention_ivat"]
LAYERS = {"last": [-1], "all": "all"}


def build_model(vocab: Vocabulary, glove: str, seed: int) -> AttentionClassifier:
    torch.manual_seed(seed)
    pretrained = glove if os.path.exists(glove) else None
    embedding = Embedding(embedding_dim=50, vocab=vocab, pretrained_file=pretrained, trainable=True)
    encoder = AttentionSeq2VecEncoder(
        TransformerEncoder(50, hidden_dim=64, num_layers=2, num_heads=4, feedforward_dim=128),
        attention_dim=64,
    )
    return AttentionClassifier(vocab, BasicTextFieldEmbedder({"tokens": embedding}), encoder)


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per row")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--techniques", nargs="*", default=TECHNIQUES)
    args = parser.parse_args(argv)
    data = os.path.join(args.data_dir, "rt-polarity", "train.jsonl")
    glove = os.path.join(args.data_dir, "glove", "glove.6B.50d.subset.txt.gz")
    if not os.path.exists(data):
        parser.error(f"no labeled data at {data}: give --data-dir (the folder of ../shared/data)")
    torch.set_num_threads(args.threads)

    loader = MultiProcessDataLoader(
        JsonlTextClassificationReader(),
        data,
        batch_sampler=BucketBatchSampler(args.batch_size),
        quiet=True,
    )
    vocab = Vocabulary.from_instances(loader.iter_instances())
    loader.index_with(vocab)
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == args.steps + args.warmup:
            break

    names = ["vanilla"] + [f"{t}@{layers}" for t in args.techniques for layers in LAYERS]
    runs = {}
    for name in names:
        model = build_model(vocab, glove, seed=0)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
        callback = None
        if name != "vanilla":
            technique, _, layers = name.partition("@")
            perturbation = Perturbation.from_params(
                Params({"type": technique, "target": "self_attention", "layers": LAYERS[layers]})
            )
            callback = AdversarialTrainingCallback("", [perturbation])
            callback.attach(model)
        runs[name] = (model, optimizer, TrainerStep(model), callback, [], [])

    def step(name: str, batch) -> None:
        model, optimizer, trainer, callback, times, memory = runs[name]
        start = time.perf_counter()
        with SavedBytes() as saved:
            optimizer.zero_grad()
            outputs = model(**batch)
            if callback is None:
                outputs["loss"].backward()
            else:
                callback.backward(trainer, outputs)
            optimizer.step()
        times.append(time.perf_counter() - start)
        memory.append(saved.total / 2**20)

    for index, batch in enumerate(batches):
        for name in names if index % 2 == 0 else list(reversed(names)):
            step(name, batch)

    results = {}
    vanilla = runs["vanilla"][4][args.warmup :]
    for name in names:
        times, memory = runs[name][4][args.warmup :], runs[name][5][args.warmup :]
        results[name] = {
            "median_step_ms": round(1000 * statistics.median(times), 2),
            "ratio_to_vanilla": round(statistics.median(t / v for t, v in zip(times, vanilla)), 3),
            "memory_mb": round(max(memory), 1),
        }
    print(
        f"{'Transformer: technique@layers':<30}{'median ms':>11}{'x vanilla':>11}{'target':>8}{'saved MB':>10}"
    )
    for name, row in results.items():
        target = "" if name == "vanilla" else ("1.3" if name.endswith("@last") else "2.1")
        print(
            f"{name:<30}{row['median_step_ms']:>11.1f}{row['ratio_to_vanilla']:>11.3f}{target:>8}"
            f"{row['memory_mb']:>10.1f}"
        )
    print(
        json.dumps(
            {
                "model": "transformer",
                "threads": args.threads,
                "steps": args.steps,
                "batch_size": args.batch_size,
                "results": results,
            }
        )
    )
    return results


if __name__ == "__main__":
    main()
