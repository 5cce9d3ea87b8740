"""
Times the BiLSTM of Jain & Wallace's model (input 50, 128 per direction) as allennlp's packed
`"lstm"` encoder and as `attnat_bilstm` (the same outputs without packing) on batches of texts of
different lengths, forward and backward, both in one run. On CPU the packed backward pass grows
with the length times the batch's total size; the unpacked one linearly. Prints a table and one
JSON line: for each maximum length the median forward+backward seconds of both and their ratio.

    python -m attnat_allennlp.bench.lstm [--lengths 50 200 1000] [--batch-size 16] [--steps 3]
"""

import argparse
import json
import statistics
import time
from typing import Dict, List, Optional

import torch
from allennlp.modules.seq2seq_encoders import LstmSeq2SeqEncoder

from attnat_allennlp.modules.bilstm import UnpackedBiLstm


def _seconds(encoder: torch.nn.Module, inputs: torch.Tensor, mask: torch.BoolTensor) -> float:
    inputs = inputs.clone().requires_grad_(True)
    start = time.perf_counter()
    encoder(inputs, mask).sum().backward()
    return time.perf_counter() - start


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    parser = argparse.ArgumentParser(
        prog="python -m attnat_allennlp.bench.lstm", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per encoder and length")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    packed = LstmSeq2SeqEncoder(50, 128, bidirectional=True)
    unpacked = UnpackedBiLstm(50, 128)
    results: Dict[str, Dict[str, float]] = {}
    print(f"{'max length':>10} {'packed s':>9} {'unpacked s':>10} {'ratio':>6}")
    for length in args.lengths:
        # lengths spread evenly between half the maximum and the maximum, as in a bucketed batch
        lengths = torch.linspace(length, max(1, length // 2), args.batch_size).long()
        mask = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
        times: Dict[str, List[float]] = {"packed": [], "unpacked": []}
        for _ in range(args.steps):  # interleaved, so that machine load hits both alike
            inputs = torch.randn(args.batch_size, length, 50)
            times["packed"].append(_seconds(packed, inputs, mask))
            times["unpacked"].append(_seconds(unpacked, inputs, mask))
        row = {name: statistics.median(values) for name, values in times.items()}
        row["ratio"] = row["packed"] / row["unpacked"]
        results[str(length)] = row
        print(f"{length:>10} {row['packed']:>9.3f} {row['unpacked']:>10.3f} {row['ratio']:>6.1f}")
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
