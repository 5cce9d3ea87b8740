from typing import Any, Dict, List, Optional

import torch
from allennlp.common.checks import check_dimensions_match
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models import Model
from allennlp.modules import Seq2SeqEncoder, Seq2VecEncoder, TextFieldEmbedder
from allennlp.nn import InitializerApplicator, util
from allennlp.training.metrics import CategoricalAccuracy

from attnat_allennlp.models.base import AttentionModel, AttentionState
from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder


@Model.register("attnat_pair_classifier")
class AttentionPairClassifier(AttentionModel):
    """
    The pair model of Jain & Wallace (2019) for natural language inference and question answering.
    The premise (or passage) P and the hypothesis (or question) Q are encoded separately;
    q is the final state of Q; attention over P is conditioned on q
    (s_t = w^T tanh(W_p h_t + W_q q)); the output is W_o tanh(W_c c + W_q' q).

    Optionally (`exact_match_features`, not in Jain & Wallace) each token gets one more input
    feature next to its embedding, 1.0 when the word occurs in the other text (the "exact match"
    feature of DrQA, Chen et al. 2017), from the `premise_exact_match` and `hypothesis_exact_match`
    fields that the pair readers give with `exact_match: true`. The additive attention compares the
    two texts only through its query; on data built so that only a detail of the premise decides the
    label (VitaminC's contrastive pairs differ in a number or a word), the model stays at the
    majority class without these flags and learns with them.

    For QA the answer is one of the labels; with an `answer_candidates` field (a multi-hot
    `MultiLabelField` over the label namespace, as the CNN reader gives) the logits of every
    non-candidate are masked out.

    Registered as a `Model` with name "attnat_pair_classifier".

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder`
        Embeds both texts (shared embeddings).
    premise_encoder : `Seq2VecEncoder`
        Must be an `attnat_attention` encoder (`AttentionSeq2VecEncoder`).
        Encodes and attends over the premise/passage; built with `query_dim` equal to the output
        size of `hypothesis_encoder`.
    hypothesis_encoder : `Seq2SeqEncoder`
        Encodes the hypothesis/question; its final state is the attention query.
    output_dim : `int`, optional (default = `128`)
        The size of tanh(W_c c + W_q' q).
    dropout : `float`, optional (default = `0.0`)
    exact_match_features : `bool`, optional (default = `False`)
        Concatenate the exact-match flag of each token to its embedding (both encoders then take
        `embedding_dim + 1` inputs); the dataset reader must give `exact_match: true`.
    label_namespace : `str`, optional (default = `"labels"`)
    namespace : `str`, optional (default = `"tokens"`)
    initializer : `InitializerApplicator`, optional (default = `InitializerApplicator()`)
    """

    _attended_field_tokens_key = "premise_tokens"
    attended_field = "premise"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        premise_encoder: Seq2VecEncoder,
        hypothesis_encoder: Seq2SeqEncoder,
        output_dim: int = 128,
        dropout: float = 0.0,
        exact_match_features: bool = False,
        label_namespace: str = "labels",
        namespace: str = "tokens",
        initializer: InitializerApplicator = InitializerApplicator(),
        **kwargs,
    ) -> None:
        super().__init__(vocab, text_field_embedder, label_namespace, namespace, **kwargs)
        self._check_attention_encoder(premise_encoder, "premise_encoder")
        self.exact_match_features = exact_match_features
        if exact_match_features:
            self.token_feature_fields = {
                "premise_exact_match": "premise",
                "hypothesis_exact_match": "hypothesis",
            }
            self.token_feature_matches = {
                "premise_exact_match": "hypothesis",
                "hypothesis_exact_match": "premise",
            }
        input_dim = text_field_embedder.get_output_dim() + (1 if exact_match_features else 0)
        embedded = "text_field_embedder output dim" + (
            " + 1 exact-match flag" if exact_match_features else ""
        )
        for name, encoder in (
            ("premise_encoder", premise_encoder),
            ("hypothesis_encoder", hypothesis_encoder),
        ):
            check_dimensions_match(
                encoder.get_input_dim(), input_dim, f"{name} input dim", embedded
            )
        check_dimensions_match(
            premise_encoder.query_dim,
            hypothesis_encoder.get_output_dim(),
            "premise_encoder.query_dim",
            "hypothesis_encoder output dim",
        )
        self._premise_encoder = premise_encoder
        self._hypothesis_encoder = hypothesis_encoder
        self._context_projection = torch.nn.Linear(premise_encoder.get_output_dim(), output_dim)
        self._query_projection = torch.nn.Linear(
            hypothesis_encoder.get_output_dim(), output_dim, bias=False
        )
        self._dropout = torch.nn.Dropout(dropout) if dropout > 0 else None
        self._output_layer = torch.nn.Linear(output_dim, self._num_labels)
        self._accuracy = CategoricalAccuracy()
        initializer(self)

    @property
    def attention_encoder(self) -> AttentionSeq2VecEncoder:
        return self._premise_encoder

    def _encode(self, embeddings, masks) -> Dict[str, Any]:
        hypothesis_states = self._hypothesis_encoder(embeddings["hypothesis"], masks["hypothesis"])
        query = util.get_final_encoder_states(
            hypothesis_states, masks["hypothesis"], self._hypothesis_encoder.is_bidirectional()
        )
        mask = masks["premise"]
        states, self_attention = self._premise_encoder.encode_with_self_attention(
            embeddings["premise"], mask
        )
        return {
            "states": states,
            "mask": mask,
            "scores": self._premise_encoder.score(states, mask, query),
            "query": query,
            "self_attention": self_attention,
        }

    def _output_logits(self, context: torch.Tensor, state: AttentionState) -> torch.Tensor:
        hidden = torch.tanh(self._context_projection(context) + self._query_projection(state.query))
        if self._dropout is not None:
            hidden = self._dropout(hidden)
        return self._output_layer(hidden)

    def forward(  # type: ignore
        self,
        premise: TextFieldTensors,
        hypothesis: TextFieldTensors,
        label: Optional[torch.IntTensor] = None,
        answer_candidates: Optional[torch.Tensor] = None,
        premise_exact_match: Optional[torch.Tensor] = None,
        hypothesis_exact_match: Optional[torch.Tensor] = None,
        metadata: Optional[List[Dict[str, Any]]] = None,
    ) -> Dict[str, torch.Tensor]:
        """
        # Parameters

        premise : `TextFieldTensors`
            The premise (NLI) or passage (QA), the text that is attended over.
        hypothesis : `TextFieldTensors`
            The hypothesis (NLI) or question (QA).
        label : `torch.IntTensor`, optional (default = `None`)
            The gold label or answer.
        answer_candidates : `torch.Tensor`, optional (default = `None`)
            `(batch_size, num_labels)` multi-hot: the answers allowed for each example.
        premise_exact_match, hypothesis_exact_match : `torch.Tensor`, optional (default = `None`)
            `(batch_size, length)`: 1.0 where the token occurs in the other text. Used (and
            required) with `exact_match_features`.
        metadata : `List[Dict[str, Any]]`, optional (default = `None`)
            Carries `premise_tokens` and `hypothesis_tokens`.

        # Returns

        An output dictionary consisting of:

            - `logits`, `probs` (`torch.FloatTensor`) : `(batch_size, num_labels)`.
            - `attention`, `attention_scores` (`torch.FloatTensor`) : `(batch_size, premise_length)`
              the attention weights over the premise and their pre-softmax scores.
            - `attention_mask` (`torch.BoolTensor`) : the premise mask.
            - `tokens` (`List[List[str]]`) : the premise tokens, when `metadata` is given.
            - `loss` (`torch.FloatTensor`, optional) : the cross-entropy loss, given `label`.
            - `attention_state` (`AttentionState`, training only) : for the perturbations.
        """
        label_mask = answer_candidates.bool() if answer_candidates is not None else None
        features = self.token_features(
            {
                "premise_exact_match": premise_exact_match,
                "hypothesis_exact_match": hypothesis_exact_match,
            }
        )
        state = self.build_state(
            {"premise": premise, "hypothesis": hypothesis},
            label=label,
            label_mask=label_mask,
            features=features,
        )
        output_dict = self._finish_forward(state, metadata)
        if metadata is not None:
            output_dict["hypothesis_tokens"] = [m.get("hypothesis_tokens", []) for m in metadata]
        return output_dict

    def _update_metrics(self, logits, probs, label) -> None:
        self._accuracy(logits, label)

    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        metrics = {"accuracy": self._accuracy.get_metric(reset)}
        metrics.update(self._get_extra_metrics(reset))
        return metrics

    default_predictor = "attnat_pair_classifier"
