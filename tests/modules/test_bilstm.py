import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder

from attnat_allennlp.modules.bilstm import UnpackedBiLstm, reverse_within_lengths


def _packed_twin(encoder: UnpackedBiLstm) -> Seq2SeqEncoder:
    """allennlp's packed `"lstm"` encoder with the same weights."""
    twin = Seq2SeqEncoder.from_params(
        Params(
            {
                "type": "lstm",
                "input_size": encoder.get_input_dim(),
                "hidden_size": encoder.get_output_dim() // 2,
                "num_layers": len(encoder.forward_layers),
                "bidirectional": True,
            }
        )
    )
    lstm = twin._module
    with torch.no_grad():
        for layer, (forward, backward) in enumerate(
            zip(encoder.forward_layers, encoder.backward_layers)
        ):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(lstm, f"{name}_l{layer}").copy_(getattr(forward, f"{name}_l0"))
                getattr(lstm, f"{name}_l{layer}_reverse").copy_(getattr(backward, f"{name}_l0"))
    return twin


def test_reverse_within_lengths_keeps_padding_in_place_and_is_its_own_inverse():
    tensor = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0], [6, 0, 0, 0]]).unsqueeze(-1)
    mask = tensor.squeeze(-1) != 0
    reversed_ = reverse_within_lengths(tensor, mask)
    assert reversed_.squeeze(-1).tolist() == [[3, 2, 1, 0], [5, 4, 0, 0], [6, 0, 0, 0]]
    assert torch.equal(reverse_within_lengths(reversed_, mask), tensor)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_same_outputs_and_gradients_as_the_packed_lstm(num_layers):
    torch.manual_seed(0)
    encoder = UnpackedBiLstm(input_size=5, hidden_size=4, num_layers=num_layers)
    twin = _packed_twin(encoder)
    lengths = torch.tensor([7, 3, 5, 1])
    mask = torch.arange(7).unsqueeze(0) < lengths.unsqueeze(1)
    inputs = torch.randn(4, 7, 5)
    # what sits at padding must not matter
    noisy = inputs + 100.0 * torch.randn(4, 7, 5) * (~mask).unsqueeze(-1)
    ours_in = noisy.clone().requires_grad_(True)
    theirs_in = inputs.clone().requires_grad_(True)
    ours, theirs = encoder(ours_in, mask), twin(theirs_in, mask)
    assert ours.shape == theirs.shape == (4, 7, 8)
    assert torch.allclose(ours, theirs, atol=1e-6)
    assert torch.all(ours[~mask] == 0)
    weights = torch.randn(4, 7, 8)
    (ours * weights).sum().backward()
    (theirs * weights).sum().backward()
    assert torch.allclose(ours_in.grad * mask.unsqueeze(-1), theirs_in.grad, atol=1e-6)
    assert torch.all(ours_in.grad[~mask] == 0)
    lstm = twin._module
    for layer, (forward, backward) in enumerate(
        zip(encoder.forward_layers, encoder.backward_layers)
    ):
        assert torch.allclose(
            forward.weight_hh_l0.grad, lstm.__getattr__(f"weight_hh_l{layer}").grad, atol=1e-5
        )
        assert torch.allclose(
            backward.weight_ih_l0.grad,
            lstm.__getattr__(f"weight_ih_l{layer}_reverse").grad,
            atol=1e-5,
        )


def test_from_params_and_bad_layers():
    encoder = Seq2SeqEncoder.from_params(
        Params({"type": "attnat_bilstm", "input_size": 3, "hidden_size": 2})
    )
    assert (encoder.get_input_dim(), encoder.get_output_dim(), encoder.is_bidirectional()) == (
        3,
        4,
        True,
    )
    with pytest.raises(ConfigurationError, match="num_layers must be at least 1, got 0"):
        UnpackedBiLstm(3, 2, num_layers=0)
