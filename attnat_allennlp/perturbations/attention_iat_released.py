from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.perturbations.base import AttentionTargetConstructor, Perturbation
from attnat_allennlp.perturbations.gradient import GradientPerturbation
from attnat_allennlp.perturbations.util import Fields


@Perturbation.register("attention_iat_released")
class AttentionIATReleasedPerturbation(AttentionTargetConstructor, GradientPerturbation):
    """
    Attention iAT **as Kitada & Iyatomi's released code computes it: the released code's
    behaviour, not the paper's definition** (that is `attention_iat`). The step is the normalised
    *negative* gradient of the task loss with respect to the attention scores,
    r = -eps * g / ||g||_2 per example (a loss-decreasing step, exactly -r_AT of `attention_at`);
    L = l(s) + lambda * l(s + r). It exists to tell whether the papers' iAT results come from this
    variant.

    Where it comes from (github.com/shunk031/attention-meets-perturbation, commit d40a5ca,
    `amep/modules/attention_layer/bc/advt.py`, class `TanhBCAttentioniAT._advt_step`): in the
    first pass (lines 79-100) the iAT directions are normalised with `F.normalize(attn_diff)`,
    i.e. along dim 1, the *other examples'* axis, not the tokens' (line 89), and the coefficients
    multiplying them are a zero tensor (line 93), so the added `d_var = F.normalize(attn_d)` is
    zero (line 96) and its gradient (`d_var.retain_grad()`, line 97) is plainly the score gradient
    g of the loss (`amep/models/bc/at_advt.py`, lines 104-112: a forward with
    `is_first_step=True`, then `loss_adv_first.backward`). The second pass adds
    `xi * F.normalize(-self.d_var_.grad)` (line 102): -g normalised per example over the tokens
    (g is zero on padding, which the masked softmax cuts off). The released AT (line 61) adds
    `xi * F.normalize(self.d_var_.grad)`: the same step with the other sign.

    Registered as a `Perturbation` with name "attention_iat_released".

    # Parameters

    eps : `float`, optional (default = `1.0`)
        The L2 norm of r per example (`xi` in the released code).
    weight : `float`, optional (default = `1.0`)
        lambda, the weight of the extra loss (`lam_adv`, 1 in the released code).
    target : `str`, optional (default = `"scores"`)
    layers : `Optional[Union[str, List[int]]]`, optional (default = `None`)
        The attention the perturbation is added to, as in `AttentionTargetConstructor`
        (`perturbations/base.py`): the pooling attention's scores, or a Transformer's
        self-attention. The released code has `"scores"` only; `"self_attention"` is this
        package's extension.
    """

    def direction(self, model: AttentionModel, state: AttentionState, gradient: Fields) -> Fields:
        return {name: -value for name, value in gradient.items()}
