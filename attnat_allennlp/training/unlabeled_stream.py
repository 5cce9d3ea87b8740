import contextlib
import logging
import random
from typing import Iterator, Optional, Union

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, TensorDict, Vocabulary
from allennlp.data.data_loaders import MultiProcessDataLoader
from allennlp.data.samplers import BucketBatchSampler
from allennlp.nn.util import get_text_field_mask

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def seeded_python_random(seed: int):
    """Python's `random` seeded with `seed` inside the block, and as it was before outside it."""
    saved = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(saved)


class UnlabeledStream:
    """
    An endless stream of unlabeled batches, batched as allennlp batches training data: a
    `MultiProcessDataLoader` with a `BucketBatchSampler` (instances sorted by length into batches of
    `batch_size`, the batches shuffled), so that a batch is padded to about the length of its
    texts; it cycles through the data, in a new order each cycle. The reader reads the file once
    (sharded across distributed workers and `num_workers` loader workers, as the trainer's reader
    is); limit the text length with its `max_tokens`.

    The order of each cycle depends only on `seed` and the cycle's number, so that `skip(n)` after
    `--recover` continues exactly where the stream stopped.

    # Parameters

    reader : `DatasetReader`
    data_path : `str`
    batch_size : `int`
    vocab : `Vocabulary`
    seed : `int`
    num_workers : `int`, optional (default = `0`)
        Loader workers for reading the file.
    cuda_device : `Optional[Union[int, str, torch.device]]`, optional (default = `None`)
        Where batches go.
    """

    def __init__(
        self,
        reader: DatasetReader,
        data_path: str,
        batch_size: int,
        vocab: Vocabulary,
        seed: int,
        num_workers: int = 0,
        cuda_device: Optional[Union[int, str, torch.device]] = None,
    ) -> None:
        self.data_path = data_path
        self.seed = seed
        self.loader = MultiProcessDataLoader(
            reader,
            data_path,
            batch_sampler=BucketBatchSampler(batch_size),
            num_workers=num_workers,
            cuda_device=cuda_device,
            quiet=True,
        )
        self.loader.index_with(vocab)
        # Read (and cache) every instance now: batches are then made in this process, in an order
        # that `seed` fixes, and the number of batches per cycle is known.
        num_instances = sum(1 for _ in self.loader.iter_instances())
        if num_instances == 0:
            raise ConfigurationError(f"no unlabeled examples in {data_path}")
        self.batches_per_cycle = len(self.loader)
        logger.info(
            "Unlabeled stream: %d examples from %s, %d batches a cycle",
            num_instances,
            data_path,
            self.batches_per_cycle,
        )
        self.batches_seen = 0
        # Tokens of the batches drawn so far: real ones, and with padding.
        self.tokens_seen = 0
        self.padded_tokens_seen = 0
        self._iterator: Optional[Iterator[TensorDict]] = None

    def _start_cycle(self, cycle: int) -> None:
        with seeded_python_random(self.seed + cycle):
            iterator = iter(self.loader)
            first = next(iterator)  # the batch order of the cycle is drawn before the first batch
        self._iterator = _prepend(first, iterator)

    def skip(self, num_batches: int) -> None:
        """Continues as a stream that has already given `num_batches` batches."""
        cycle, position = divmod(num_batches, self.batches_per_cycle)
        self._start_cycle(cycle)
        for _ in range(position):
            next(self._iterator)
        self.batches_seen = num_batches

    def __next__(self) -> TensorDict:
        if self._iterator is None:
            self.skip(self.batches_seen)
        batch = next(self._iterator, None)
        if batch is None:
            self._start_cycle(self.batches_seen // self.batches_per_cycle)
            batch = next(self._iterator)
        self.batches_seen += 1
        for value in batch.values():
            if isinstance(value, dict):  # a text field
                mask = get_text_field_mask(value)
                self.tokens_seen += int(mask.sum())
                self.padded_tokens_seen += mask.numel()
        return batch

    def __iter__(self) -> "UnlabeledStream":
        return self


def _prepend(first: TensorDict, rest: Iterator[TensorDict]) -> Iterator[TensorDict]:
    yield first
    yield from rest
