"""
The package's benchmarks, one module each, each run with `python -m attnat_allennlp.bench.NAME`
(importing this package runs and imports nothing):

- `techniques`: the step time and memory of every technique against vanilla on Jain & Wallace's
  BiLSTM model (also `python -m attnat_allennlp.bench`; `make bench`, docs/benchmarks.md);
- `transformer`: the same on a Transformer's self-attention, from scratch or MiniLM
  (docs/transformers.md);
- `lstm`: allennlp's packed BiLSTM against `attnat_bilstm` on long texts (docs/configs.md);
- `measures`: the seconds of each measure of a study (docs/interpretability.md);
- `startup`: the start of an `allennlp` command (docs/startup.md);
- `executor_overhead`: a tiny study on a local Dask cluster against `--jobs 2` (docs/study.md).

`timing` holds what the step benches share.
"""
