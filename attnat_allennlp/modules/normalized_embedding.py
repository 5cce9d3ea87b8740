from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.modules import TimeDistributed
from allennlp.modules.token_embedders import Embedding, TokenEmbedder
from allennlp.nn import util
from torch.autograd.function import once_differentiable

from attnat_allennlp.compat.embedding_projection import embedding_projection

# Added to the variance before the square root, as in Miyato et al.'s code.
VARIANCE_EPSILON = 1e-6


class WeightedMoments(torch.autograd.Function):
    """
    `(mean, std)` of the rows of a matrix `w` `(num_rows, dim)` under the weights `f` `(num_rows,)`
    (summing to 1), per column: mean = sum_j f_j w_j, std = sqrt(sum_j f_j (w_j - mean)^2 + 1e-6),
    the variance computed about the mean (no cancellation of E[w^2] - E[w]^2). Differentiable in
    `w` (not in `f`), with the gradient written out: since sum_j f_j (w_j - mean) = 0,
    d std / d w_j = f_j (w_j - mean) / std, so for the gradients `g_mean`, `g_std` of the outputs
    d/d w_j = f_j (g_mean + (g_std / std) (w_j - mean)): two passes over the matrix, where
    autograd's backward of the same formula takes about a dozen (the normalisation then cost as much
    as a BiLSTM step on an 18k x 50 vocabulary). Once differentiable.
    """

    @staticmethod
    def forward(ctx, w: torch.Tensor, f: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        mean = f @ w
        variance = f @ (w - mean).square_()
        std = torch.sqrt(variance + VARIANCE_EPSILON)
        ctx.save_for_backward(w, f, mean, std)
        return mean, std

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_mean: torch.Tensor, grad_std: torch.Tensor):
        # (autograd gives zeros, not None, for an output that was not used)
        w, f, mean, std = ctx.saved_tensors
        scale = grad_std / std
        # f_j (g_mean - scale * mean + scale * w_j)
        grad_w = torch.addcmul(grad_mean - scale * mean, w, scale).mul_(f.unsqueeze(-1))
        return grad_w, None


@TokenEmbedder.register("attnat_normalized_embedding")
class NormalizedEmbedding(Embedding):
    """
    An `Embedding` whose vectors are normalised as Miyato et al. normalise word embeddings before
    perturbing them ("Adversarial training methods for semi-supervised text classification", ICLR
    2017, section 2): v_k <- (v_k - E[v]) / sqrt(Var[v]), with E[v] = sum_j f_j v_j and
    Var[v] = sum_j f_j (v_j - E[v])^2, f_j the frequency of word j in the training data. As in their
    code, Var is per dimension (the normalised vectors have frequency-weighted mean 0 and variance
    1 in every dimension), 1e-6 is added to it before the square root, and the normalisation is
    recomputed from the current (trainable) matrix on every forward pass, with gradients through
    the mean and variance; the frequencies stay fixed. Every row is normalised, those of frequency
    0 (padding, words that never occur) included; they only do not count in E[v] and Var[v].

    The frequencies are the vocabulary's token counts (`"vocabulary": {"type": "attnat_counting"}`),
    turned into f_j = count_j / sum of counts; the counts are also a buffer of the module (`counts`),
    saved with the weights. Word-level perturbations (`word_at`, `word_iat`, `word_vat`) then perturb the
    normalised vectors, the size Miyato et al.'s eps = 5 is meant for; word iAT searches the
    neighbours among them (`normalized_weight`).

    Registered as a `TokenEmbedder` with name "attnat_normalized_embedding".

    # Parameters

    embedding_dim : `int`
        The size of each vector.
    num_embeddings : `int`, optional (default = `None`)
        The number of rows; by default the size of the namespace `vocab_namespace` of `vocab`.
    projection_dim : `int`, optional (default = `None`)
        A linear projection applied after the normalisation, as in `Embedding`.
    weight : `torch.FloatTensor`, optional (default = `None`)
        An initial matrix, as in `Embedding`.
    padding_index : `int`, optional (default = `None`)
        As in `Embedding` (the row gets no gradient through the lookup).
    trainable : `bool`, optional (default = `True`)
        Whether the (raw) matrix is trained.
    vocab_namespace : `str`, optional (default = `"tokens"`)
        The namespace of the ids, and of the vocabulary's token counts.
    pretrained_file : `str`, optional (default = `None`)
        Initial vectors, as in `Embedding` (normalised like the rest).
    vocab : `Vocabulary`, optional (default = `None`)
        A vocabulary with token counts (`CountingVocabulary`); needed unless `frequencies` is given.
    frequencies : `torch.Tensor`, optional (default = `None`)
        The counts (or frequencies) of the ids, `(num_embeddings,)`, instead of the vocabulary's.
    """

    def __init__(
        self,
        embedding_dim: int,
        num_embeddings: Optional[int] = None,
        projection_dim: Optional[int] = None,
        weight: Optional[torch.FloatTensor] = None,
        padding_index: Optional[int] = None,
        trainable: bool = True,
        vocab_namespace: str = "tokens",
        pretrained_file: Optional[str] = None,
        vocab: Optional[Vocabulary] = None,
        frequencies: Optional[torch.Tensor] = None,
    ) -> None:
        super().__init__(
            embedding_dim=embedding_dim,
            num_embeddings=num_embeddings,
            projection_dim=projection_dim,
            weight=weight,
            padding_index=padding_index,
            trainable=trainable,
            vocab_namespace=vocab_namespace,
            pretrained_file=pretrained_file,
            vocab=vocab,
        )
        if frequencies is None:
            if vocab is None or not hasattr(vocab, "get_index_counts"):
                raise ConfigurationError(
                    "attnat_normalized_embedding needs the training data's word frequencies: build "
                    'the vocabulary with "vocabulary": {"type": "attnat_counting", ...} (got a '
                    f"{type(vocab).__name__}), or pass frequencies. allennlp 2.10.1's distributed "
                    "training gives its workers a plain vocabulary without counts: train the "
                    "word-level techniques on one process (or set normalize_embeddings: false)"
                )
            frequencies = torch.tensor(vocab.get_index_counts(vocab_namespace), dtype=torch.float)
        frequencies = torch.as_tensor(frequencies, dtype=torch.float)
        if frequencies.shape != (self.weight.size(0),):
            raise ConfigurationError(
                f"attnat_normalized_embedding: {tuple(frequencies.shape)} frequencies for "
                f"{self.weight.size(0)} embeddings (namespace {vocab_namespace!r})"
            )
        if (frequencies < 0).any() or not frequencies.sum() > 0:
            raise ConfigurationError(
                "attnat_normalized_embedding: the word frequencies must be non-negative with a "
                f"positive sum, got sum {float(frequencies.sum())} and minimum "
                f"{float(frequencies.min())} (namespace {vocab_namespace!r})"
            )
        # The counts, not f_j: integers, exact in float32 up to 2^24 and in float64 after .double().
        self.register_buffer("counts", frequencies)

    @property
    def frequencies(self) -> torch.Tensor:
        """f_j, `(num_embeddings,)`, summing to 1."""
        return self.counts / self.counts.sum()

    def moments(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        `(E[v], sqrt(Var[v] + 1e-6))`, each `(embedding_dim,)`, differentiable in `weight` (see
        `WeightedMoments`: the gradient with respect to the whole matrix in two passes over it).
        """
        # In the weight's precision also under mixed precision.
        with torch.autocast(self.weight.device.type, enabled=False):
            counts = self.counts.to(self.weight.dtype)
            return WeightedMoments.apply(self.weight, counts / counts.sum())

    def normalized_weight(self) -> torch.Tensor:
        """The normalised matrix `(num_embeddings, embedding_dim)`, differentiable in `weight`."""
        mean, std = self.moments()
        return (self.weight - mean) / std

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        original_size = tokens.size()
        tokens = util.combine_initial_dims(tokens)
        # The looked-up rows normalised (the same numbers as normalised_weight()[tokens], without
        # dividing the whole matrix).
        mean, std = self.moments()
        rows = F.embedding(tokens, self.weight, padding_idx=self.padding_index)
        embedded = (rows - mean) / std
        embedded = util.uncombine_initial_dims(embedded, original_size)
        projection = embedding_projection(self)
        if projection:
            for _ in range(embedded.dim() - 2):
                projection = TimeDistributed(projection)
            embedded = projection(embedded)
        return embedded

    def extend_vocab(
        self,
        extended_vocab: Vocabulary,
        vocab_namespace: Optional[str] = None,
        extension_pretrained_file: Optional[str] = None,
        model_path: Optional[str] = None,
    ) -> None:
        """`Embedding.extend_vocab`; the new words get frequency 0."""
        super().extend_vocab(extended_vocab, vocab_namespace, extension_pretrained_file, model_path)
        extra = self.weight.size(0) - self.counts.size(0)
        if extra > 0:
            self.counts = torch.cat([self.counts, self.counts.new_zeros(extra)])


def word_vectors(embedding: Embedding) -> torch.Tensor:
    """The vectors an `Embedding` looks its ids up in: normalised ones for a `NormalizedEmbedding`."""
    if isinstance(embedding, NormalizedEmbedding):
        return embedding.normalized_weight()
    return embedding.weight
