import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder


def reverse_within_lengths(tensor: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
    """
    Reverses every row of `tensor` (batch, time, ...) within its real length (the `True`s of
    `mask`, which come first in a row): position t < n goes to n - 1 - t, padding stays where it is.
    Its own inverse.
    """
    lengths = mask.sum(dim=1, keepdim=True)
    positions = torch.arange(mask.size(1), device=mask.device).unsqueeze(0)
    index = torch.where(positions < lengths, lengths - 1 - positions, positions)
    index = index.view(index.shape + (1,) * (tensor.dim() - 2)).expand_as(tensor)
    return tensor.gather(1, index)


@Seq2SeqEncoder.register("attnat_bilstm")
class UnpackedBiLstm(Seq2SeqEncoder):
    """
    A bidirectional LSTM that gives the same outputs at the real positions as allennlp's `"lstm"`
    encoder with `bidirectional: true` (a `torch.nn.LSTM` over a `PackedSequence`), without packing:
    the forward direction runs over the padded batch (padding comes after the real tokens, so it
    cannot reach them), the backward direction over every text reversed within its own length.

    Why: on CPU, the backward pass of `torch.nn.LSTM` over a `PackedSequence` of texts of different
    lengths costs time proportional to the number of time steps times the size of the whole batch
    (every step's slice of the packed data gets a full-size zero gradient), which is quadratic in
    the length. `python -m attnat_allennlp.bench.lstm` times both on 16 texts of n/2 to n tokens,
    forward and backward, on one CPU thread: 0.16 s packed against 0.12 s unpacked at n = 50, 1.06
    against 0.19 s at n = 200, 22 against 1.7 s at n = 1,000.

    Padding positions of the output are 0, as the `"lstm"` encoder returns them. The final states
    are not returned (the attention models use only the outputs). Layers are stacked as in
    `torch.nn.LSTM`: layer k + 1 reads both directions of layer k.

    Registered as a `Seq2SeqEncoder` with name "attnat_bilstm".

    # Parameters

    input_size : `int`
        The size of the input vectors.
    hidden_size : `int`
        The size of each direction's state; the output has `2 * hidden_size`.
    num_layers : `int`, optional (default = `1`)
        Stacked bidirectional layers.
    dropout : `float`, optional (default = `0.0`)
        Dropout on the outputs of every layer but the last, as `torch.nn.LSTM`'s.
    """

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ConfigurationError(
                f"attnat_bilstm: num_layers must be at least 1, got {num_layers}"
            )
        self._input_size = input_size
        self._hidden_size = hidden_size
        sizes = [input_size] + [2 * hidden_size] * (num_layers - 1)
        self.forward_layers = torch.nn.ModuleList(
            torch.nn.LSTM(size, hidden_size, batch_first=True) for size in sizes
        )
        self.backward_layers = torch.nn.ModuleList(
            torch.nn.LSTM(size, hidden_size, batch_first=True) for size in sizes
        )
        self.dropout = torch.nn.Dropout(dropout)

    def get_input_dim(self) -> int:
        return self._input_size

    def get_output_dim(self) -> int:
        return 2 * self._hidden_size

    def is_bidirectional(self) -> bool:
        return True

    def forward(self, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        """
        # Parameters

        inputs : `torch.Tensor`
            (batch, time, input_size), the real tokens of a row first.
        mask : `torch.BoolTensor`
            (batch, time).

        # Returns

        `torch.Tensor`
            (batch, time, 2 * hidden_size): the forward and backward states at each real position,
            0 at padding.
        """
        keep = mask.unsqueeze(-1).to(inputs.dtype)
        outputs = inputs * keep
        for index, (forward_lstm, backward_lstm) in enumerate(
            zip(self.forward_layers, self.backward_layers)
        ):
            if index > 0:
                outputs = self.dropout(outputs)
            forward_states, _ = forward_lstm(outputs)
            backward_states, _ = backward_lstm(reverse_within_lengths(outputs, mask))
            outputs = (
                torch.cat([forward_states, reverse_within_lengths(backward_states, mask)], dim=-1)
                * keep
            )
        return outputs
