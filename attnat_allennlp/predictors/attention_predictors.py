import json
from typing import Any, Dict, List, Optional

import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import LabelField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from attnat_allennlp.interpret.faithfulness import attention_entropy
from attnat_allennlp.interpret.importance import IMPORTANCE_METHODS, token_importance


class _AttentionPredictor(Predictor):
    """
    Shared behaviour of the predictors: input lines may be JSON objects or plain text, and each
    output carries the predicted `label`, the class probabilities by label (`label_probs`), the
    `tokens` and the `attention` weight of each token (summing to 1 over the tokens).

    # Parameters

    model : `Model`
    dataset_reader : `DatasetReader`
    frozen : `bool`, optional (default = `True`)
    importance : `Optional[str]`, optional (default = `None`)
        Adds `importance`, one value per token beside `attention`: `"gradient"` (|dy/dx_t . x_t|,
        summing to 1, with the attention weights detached as Jain & Wallace compute it),
        `"gradient_through_attention"` (the same, the gradient also flowing through attention) or
        `"leave_one_out"` (the change of the predicted class's probability when the token is
        dropped; `null` for a one-token text). See `attnat_allennlp.interpret`.
        From the command line: `--predictor-args '{"importance": "gradient"}'`.
    attention_entropy : `bool`, optional (default = `False`)
        Adds `attention_entropy` (natural log) and `attention_entropy_normalised` (divided by
        log(number of tokens); `null` for one token).
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        frozen: bool = True,
        importance: Optional[str] = None,
        attention_entropy: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader, frozen)
        if importance is not None and importance not in IMPORTANCE_METHODS:
            raise ConfigurationError(
                f"importance must be one of {', '.join(IMPORTANCE_METHODS)}, got {importance!r}"
            )
        self._importance = importance
        self._attention_entropy = attention_entropy
        vocab = model.vocab
        namespace = getattr(model, "_label_namespace", "labels")
        self._labels = [
            vocab.get_token_from_index(i, namespace)
            for i in range(vocab.get_vocab_size(namespace))
        ]

    def load_line(self, line: str) -> JsonDict:
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError as error:
                raise ConfigurationError(f"input line is not valid JSON ({error.msg}): {line!r}")
        return self._plain_line_to_json(stripped)

    def _plain_line_to_json(self, line: str) -> JsonDict:
        raise NotImplementedError

    def dump_line(self, outputs: JsonDict) -> str:
        return json.dumps(outputs, ensure_ascii=False) + "\n"

    def _finish(self, outputs: Dict[str, Any]) -> JsonDict:
        outputs["label_probs"] = {
            label: float(p) for label, p in zip(self._labels, outputs["probs"])
        }
        return outputs

    def predict_instance(self, instance: Instance) -> JsonDict:
        return self.predict_batch_instance([instance])[0]

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = [self._finish(o) for o in super().predict_batch_instance(instances)]
        if self._importance is not None:
            importance = token_importance(self._model, instances, self._importance)
            for output, values in zip(outputs, importance):
                output["importance"] = values
        if self._attention_entropy:
            for output in outputs:
                entropy, normalised = attention_entropy(output["attention"])
                output["attention_entropy"] = entropy
                output["attention_entropy_normalised"] = normalised
        return outputs

    def predictions_to_labeled_instances(
        self, instance: Instance, outputs: Dict[str, numpy.ndarray]
    ) -> List[Instance]:
        new_instance = instance.duplicate()
        label = numpy.argmax(outputs["probs"])
        new_instance.add_field("label", LabelField(int(label), skip_indexing=True))
        return [new_instance]


@Predictor.register("attnat_classifier")
class AttentionClassifierPredictor(_AttentionPredictor):
    """
    Predicts the label of a text with an `attnat_classifier` model, and shows its attention.
    Input: JSON lines `{"text": "..."}` (or `"sentence"`), or plain text, one example a line:

        allennlp predict model.tar.gz sentences.txt --predictor attnat_classifier \\
            --include-package attnat_allennlp

    Output per example: `label`, `probs`, `label_probs`, `tokens`, `attention` (one weight per
    token, summing to 1), `attention_scores` and `logits`.

    Registered as a `Predictor` with name "attnat_classifier".
    """

    def predict(self, text: str) -> JsonDict:
        return self.predict_json({"text": text})

    def _plain_line_to_json(self, line: str) -> JsonDict:
        return {"text": line}

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        text = json_dict.get("text", json_dict.get("sentence"))
        if text is None:
            raise ConfigurationError(f"expected a 'text' (or 'sentence') key in {json_dict}")
        return self._dataset_reader.text_to_instance(text)


@Predictor.register("attnat_pair_classifier")
class AttentionPairPredictor(_AttentionPredictor):
    """
    Predicts the relation of a premise and a hypothesis (or the answer to a question about a
    passage) with an `attnat_pair_classifier` model, and shows its attention over the premise.
    Input: JSON lines with `premise` and `hypothesis` (or SNLI's `sentence1` and `sentence2`), or
    plain lines `premise<TAB>hypothesis`.

    Output per example: `label`, `probs`, `label_probs`, `tokens` (the premise tokens),
    `hypothesis_tokens`, `attention` over the premise (summing to 1) and `attention_scores`.

    Registered as a `Predictor` with name "attnat_pair_classifier".
    """

    def predict(self, premise: str, hypothesis: str) -> JsonDict:
        return self.predict_json({"premise": premise, "hypothesis": hypothesis})

    def _plain_line_to_json(self, line: str) -> JsonDict:
        if "\t" not in line:
            raise ConfigurationError(f"expected 'premise<TAB>hypothesis', got {line!r}")
        premise, hypothesis = line.split("\t", 1)
        return {"premise": premise, "hypothesis": hypothesis}

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        premise = json_dict.get("premise", json_dict.get("sentence1"))
        hypothesis = json_dict.get("hypothesis", json_dict.get("sentence2"))
        if premise is None or hypothesis is None:
            raise ConfigurationError(
                f"expected 'premise' and 'hypothesis' (or 'sentence1'/'sentence2') in {json_dict}"
            )
        return self._dataset_reader.text_to_instance(premise, hypothesis)
