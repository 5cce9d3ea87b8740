"""
Times training steps (forward + backward, through the `adversarial_training` callback, + optimizer
step) of every technique against vanilla on the same batches of rt-polarity, with Jain & Wallace's
model (embedding 50, GloVe when present, BiLSTM 128 per direction, additive attention, batch 32).
Techniques are interleaved step by step so that machine load hits them alike. Prints a table and
one JSON line: for each technique the median step time, the median over batches of its step
time divided by vanilla's on the same batch, and its memory.

    python -m attnat_allennlp.bench [--steps 20] [--threads 2] [--techniques attention_at word_at]

Memory: on CUDA the peak allocated during a step; on CPU the bytes of the tensors saved for backward
during a step (what grows with the number of passes), since torch keeps no CPU allocation peak.
"""
import argparse
import json
import os
import statistics
import time
from typing import Dict, List

import torch
from allennlp.data import Vocabulary
from allennlp.data.data_loaders import SimpleDataLoader
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder
from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
from allennlp.modules.token_embedders import Embedding
from allennlp.nn.util import move_to_device

import attnat_allennlp  # noqa: F401
from attnat_allennlp.data.dataset_readers.jsonl import JsonlTextClassificationReader
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.perturbations import Perturbation
from attnat_allennlp.training import AdversarialTrainingCallback, TrainerStep

TECHNIQUES = ["attention_rp", "attention_at", "attention_iat", "attention_vat", "attention_ivat", "word_at", "word_iat", "word_vat"]
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def build_model(vocab: Vocabulary, glove: str, seed: int) -> AttentionClassifier:
    torch.manual_seed(seed)
    pretrained = glove if os.path.exists(glove) else None
    embedding = Embedding(embedding_dim=50, vocab=vocab, pretrained_file=pretrained, trainable=True)
    encoder = AttentionSeq2VecEncoder(LstmSeq2SeqEncoder(50, 128, bidirectional=True), attention_dim=128)
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


def main(argv: List[str] = None) -> Dict[str, Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(DATA, "rt-polarity", "train.jsonl"))
    parser.add_argument("--glove", default=os.path.join(DATA, "glove", "glove.6B.50d.subset.txt.gz"))
    parser.add_argument("--steps", type=int, default=20, help="timed steps per technique")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--techniques", nargs="*", default=TECHNIQUES)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    reader = JsonlTextClassificationReader()
    instances = list(reader.read(args.data))
    vocab = Vocabulary.from_instances(instances)
    loader = SimpleDataLoader(instances, args.batch_size, shuffle=False, vocab=vocab)
    batches = []
    for batch in loader:
        batches.append(move_to_device(batch, device))
        if len(batches) == args.steps + args.warmup:
            break

    names = ["vanilla"] + list(args.techniques)
    runs = {}
    setup: Dict[str, float] = {}
    for name in names:
        model = build_model(vocab, args.glove, seed=0).to(device)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
        trainer = TrainerStep(model)
        callback = None
        if name != "vanilla":
            perturbation = Perturbation.by_name(name)()
            callback = AdversarialTrainingCallback("", [perturbation])
            callback.attach(model)
            if hasattr(perturbation, "fill_neighbours"):
                # Word iAT searches each word's neighbours once, when a batch first contains it:
                # a cost of the first epoch, timed here on its own rather than in the steps.
                start = time.perf_counter()
                perturbation.fill_neighbours(model)
                setup[name] = time.perf_counter() - start
        runs[name] = (model, optimizer, trainer, callback, [], [])

    def step(name: str, batch) -> None:
        model, optimizer, trainer, callback, times, memory = runs[name]
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

    for index, batch in enumerate(batches):
        order = names if index % 2 == 0 else list(reversed(names))
        for name in order:
            step(name, batch)

    results = {}
    vanilla = runs["vanilla"][4][args.warmup:]
    for name in names:
        times, memory = runs[name][4][args.warmup:], runs[name][5][args.warmup:]
        median = statistics.median(times)
        results[name] = {
            "median_step_ms": round(1000 * median, 2),
            # the median over batches of the paired ratio (same batch, adjacent in time)
            "ratio_to_vanilla": round(statistics.median(t / v for t, v in zip(times, vanilla)), 3),
            "memory_mb": round(max(memory), 1),
        }
        if name in setup:
            results[name]["one_time_search_s"] = round(setup[name], 2)
            results[name]["one_time_search_in_vanilla_steps"] = round(
                setup[name] / statistics.median(vanilla), 1
            )
    memory_kind = "peak CUDA MB" if device.type == "cuda" else "saved-for-backward MB"
    print(f"{'technique':<16}{'median ms':>12}{'x vanilla':>12}{memory_kind:>24}")
    for name, row in results.items():
        print(f"{name:<16}{row['median_step_ms']:>12.1f}{row['ratio_to_vanilla']:>12.3f}{row['memory_mb']:>24.1f}")
    for name, seconds in setup.items():
        print(f"{name}: the one-time search of the neighbours of all {vocab.get_vocab_size()} words "
              f"took {seconds:.2f} s ({results[name]['one_time_search_in_vanilla_steps']} vanilla steps)")
    print(json.dumps({"device": str(device), "threads": args.threads, "steps": args.steps,
                      "batch_size": args.batch_size, "results": results}))
    return results


if __name__ == "__main__":
    main()
