import json
import logging
from typing import Any, Dict, List, Optional, Tuple, Type

import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import LabelField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from attnat_allennlp.data.dataset_readers.bad_input import BadValue, DataFormatError, SkipExample
from attnat_allennlp.data.dataset_readers.base import AttentionDatasetReader
from attnat_allennlp.data.dataset_readers.lines import not_utf8
from attnat_allennlp.data.dataset_readers.sst import token_word_labels
from attnat_allennlp.data.pretrained_transformer import merge_wordpieces, wordpiece_words
from attnat_allennlp.interpret.attributions import check_attributions, instance_attributions
from attnat_allennlp.interpret.faithfulness import attention_entropy
from attnat_allennlp.interpret.importance import IMPORTANCE_METHODS, token_importance
from attnat_allennlp.interpret.plausibility import plausibility
from attnat_allennlp.models.attention_classifier import AttentionClassifier
from attnat_allennlp.models.pair_classifier import AttentionPairClassifier

logger = logging.getLogger(__name__)

# Keys of the dicts `load_line` makes for lines it cannot use, and of the line number it counts.
_LINE = "_attnat_line"
_BAD_LINE = "_attnat_bad_line"


def _string(json_dict: JsonDict, keys: List[str]) -> Optional[str]:
    """The value of the first of `keys` in `json_dict`; a value that is not a string is an error."""
    for key in keys:
        if key in json_dict:
            value = json_dict[key]
            if not isinstance(value, str):
                kind = (
                    "null" if value is None else f"{type(value).__name__} {json.dumps(value)[:80]}"
                )
                raise BadValue(f"the {key} is {kind}, expected a string")
            return value
    return None


class InputError(Exception):
    """An input the predictor cannot use; it gets an output with an `error` field."""


def _registered_name(cls: type) -> str:
    for name in Model.list_available():
        if Model.resolve_class_name(name)[0] is cls:
            return name
    return cls.__name__


class _AttentionPredictor(Predictor):
    """
    Shared behaviour of the predictors: input lines may be JSON objects or plain text, and each
    output carries the predicted `label`, the class probabilities by label (`label_probs`), the
    `tokens` and the `attention` weight of each token (summing to 1 over the tokens).

    Output line n answers input line n: an input that cannot be predicted (a blank line, invalid
    JSON, a missing key, an empty or non-string text, a line that is not UTF-8) gets `{"error":
    ..., "line": n, "input": ...}` instead of stopping the run, each with a warning, and
    `allennlp predict` logs their number when it has written the last line (`report_errors`). A
    UTF-8 byte order mark is dropped. A text longer than the model's `max_tokens` is predicted
    from its first `max_tokens` tokens, and its output says so: `"truncated": {"tokens": n,
    "max_tokens": m}`. (`allennlp predict` itself drops blank lines and reads the file as text
    before a predictor sees it; this package reads the lines itself for its own predictors, see
    `attnat_allennlp/compat/predict_manager.py`.) A predictor that does not fit the archive's model is a one-line
    `ConfigurationError` naming both.

    # Parameters

    model : `Model`
    dataset_reader : `DatasetReader`
    frozen : `bool`, optional (default = `True`)
    importance : `Optional[str]`, optional (default = `None`)
        Adds `importance`, one value per token beside `attention`: `"gradient"` (|dy/dx_t . x_t|,
        summing to 1, with the attention weights detached as Jain & Wallace compute it),
        `"gradient_through_attention"` (the same, the gradient also flowing through attention) or
        `"leave_one_out"` (the change of the predicted class's probability when the token is
        dropped; `null` for a one-token text). See `attnat_allennlp.interpret`. Wordpiece models
        also get `word_importance` beside `word_attention`: a word's pieces summed (gradient) or
        the word dropped whole, all its pieces at once (leave-one-out).
        From the command line: `--predictor-args '{"importance": "gradient"}'`.
    attention_entropy : `bool`, optional (default = `False`)
        Adds `attention_entropy` (natural log) and `attention_entropy_normalised` (divided by
        log(number of tokens); `null` for one token).
    attributions : `Optional[List[str]]`, optional (default = `None`)
        Adds `attributions`, `{method: one value per token}` beside `attention`, for each of the
        Captum methods named (`integrated_gradients`, `input_x_gradient`, `occlusion`; see
        `attnat_allennlp.interpret.attributions`: |attribution| summed over the embedding, summing
        to 1 over the tokens); wordpiece models also get `word_attributions` (a word's pieces
        summed, as `word_attention`). From the command line:
        `--predictor-args '{"attributions": ["integrated_gradients", "occlusion"]}'`.

    Where an instance carries the annotators' word labels (the metadata's `word_sentiment`: the
    `attnat_sst` reader's `word_labels`, or a `"word_labels"` list in the classifier's JSON input,
    one 0-4 label per space-separated word of the text), the output also has `word_sentiment`
    (one label per token, or per word of a wordpiece model) and `plausibility`: for `attention`,
    the `importance` (under its method's name) and each attribution, the `auprc`, `f1` and
    `spearman` of `attnat_allennlp.interpret.plausibility` against those labels.
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        frozen: bool = True,
        importance: Optional[str] = None,
        attention_entropy: bool = False,
        attributions: Optional[List[str]] = None,
    ) -> None:
        expected = self._model_class()
        if not isinstance(model, expected):
            raise ConfigurationError(
                f"the predictor {self.registered_name()!r} predicts with {_registered_name(expected)!r} "
                f"models, but the archive holds a {_registered_name(type(model))!r} model: use "
                f"--predictor {model.default_predictor or 'NAME'}"
                if isinstance(model, (AttentionClassifier, AttentionPairClassifier))
                else f"the predictor {self.registered_name()!r} predicts with "
                f"{_registered_name(expected)!r} models, but the archive holds a "
                f"{_registered_name(type(model))!r} model"
            )
        super().__init__(model, dataset_reader, frozen)
        self._lines_read = 0
        self._errors = 0
        self._truncated = 0
        if importance is not None and importance not in IMPORTANCE_METHODS:
            raise ConfigurationError(
                f"importance must be one of {', '.join(IMPORTANCE_METHODS)}, got {importance!r}"
            )
        self._importance = importance
        self._attention_entropy = attention_entropy
        if isinstance(attributions, str):
            attributions = [attributions]
        self._attributions = check_attributions(attributions or [], "the predictor's attributions")
        vocab = model.vocab
        namespace = getattr(model, "_label_namespace", "labels")
        self._labels = [
            vocab.get_token_from_index(i, namespace) for i in range(vocab.get_vocab_size(namespace))
        ]

    @classmethod
    def _model_class(cls) -> Type[Model]:
        raise NotImplementedError

    def registered_name(self) -> str:
        for name in Predictor.list_available():
            if Predictor.resolve_class_name(name)[0] is type(self):
                return name
        return type(self).__name__

    def load_raw_line(self, raw: bytes) -> JsonDict:
        """
        `load_line` of a line as read from a file (bytes): a line that is not UTF-8 becomes a
        marker that `predict_batch_json` answers with an `error` naming the byte and its column.
        """
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self._lines_read += 1
            return self._bad_line(not_utf8(raw, error), raw.decode("utf-8", errors="replace"))
        return self.load_line(line)

    def load_line(self, line: str) -> JsonDict:
        """
        The JSON object (or the plain text) of a line; a line that is neither (blank, invalid
        JSON, not an object) becomes a marker that `predict_batch_json` answers with an `error`.
        A UTF-8 byte order mark at the start of the line is dropped.
        """
        self._lines_read += 1
        if line.startswith("\ufeff"):
            line = line[1:]
        stripped = line.strip()
        if not stripped:
            return self._bad_line("blank line", line)
        if stripped.startswith(("{", "[")):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as error:
                return self._bad_line(f"not valid JSON ({error.msg})", line)
            if not isinstance(value, dict):
                return self._bad_line(f"expected a JSON object, got {type(value).__name__}", line)
        else:
            try:
                value = self._plain_line_to_json(stripped)
            except ConfigurationError as error:
                return self._bad_line(str(error), line)
        value[_LINE] = self._lines_read
        return value

    def _bad_line(self, problem: str, line: str) -> JsonDict:
        return {_BAD_LINE: problem, _LINE: self._lines_read, "input": line.rstrip("\n")}

    def _plain_line_to_json(self, line: str) -> JsonDict:
        raise NotImplementedError

    def report_errors(self) -> None:
        """
        Logs how many of the inputs read so far (`load_line`) could not be predicted, and how many
        texts were truncated, and starts counting again; `allennlp predict` calls it when it has
        written the last output line.
        """
        if self._errors:
            logger.warning(
                '%d of %d inputs could not be predicted; their output lines have an "error" field',
                self._errors,
                max(self._lines_read, self._errors),
            )
        if self._truncated:
            logger.warning(
                "%d texts were longer than the model's max_tokens (%s) and were predicted from "
                'their first tokens; their output lines have a "truncated" field',
                self._truncated,
                getattr(self._dataset_reader, "max_tokens", None),
            )
        self._lines_read = self._errors = self._truncated = 0

    def _checked_instance(self, json_dict: JsonDict) -> Tuple[Instance, Optional[Dict[str, int]]]:
        """The instance of an input and, for a text the reader truncated, its lengths."""
        if _BAD_LINE in json_dict:
            raise InputError(json_dict[_BAD_LINE])
        reader = self._dataset_reader
        if isinstance(reader, AttentionDatasetReader):
            reader.last_truncated_length = None
        try:
            instance = self._json_to_instance(json_dict)
        except SkipExample as skip:
            raise InputError(
                "the text is empty" if skip.reason == "empty texts" else skip.reason
            ) from None
        except (BadValue, DataFormatError, ConfigurationError) as error:
            raise InputError(str(error)) from None
        length = getattr(reader, "last_truncated_length", None)
        if length is None:
            return instance, None
        self._truncated += 1
        return instance, {"tokens": length, "max_tokens": reader.max_tokens}  # type: ignore

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        """
        Predicts the inputs that can be predicted, in one batch; the others get an output with
        an `error` (and the `line`, when they came through `load_line`), in their place.
        """
        outputs: List[Optional[JsonDict]] = [None] * len(inputs)
        positions, instances, truncations = [], [], []
        for position, json_dict in enumerate(inputs):
            line = json_dict.pop(_LINE, None)
            try:
                instance, truncated = self._checked_instance(json_dict)
            except InputError as error:
                outputs[position] = self._error_output(json_dict, str(error), line)
                continue
            instances.append(instance)
            positions.append(position)
            truncations.append(truncated)
        if instances:
            predicted = self.predict_batch_instance(instances)
            for position, output, truncated in zip(positions, predicted, truncations):
                if truncated is not None:
                    output["truncated"] = truncated
                outputs[position] = output
        return outputs  # type: ignore

    def _error_output(self, json_dict: JsonDict, error: str, line: Optional[int]) -> JsonDict:
        self._errors += 1
        shown = json_dict.get("input", {k: v for k, v in json_dict.items() if k != _BAD_LINE})
        where = f"input line {line}" if line is not None else "an input"
        logger.warning("%s: %s; its output is an error (%d so far)", where, error, self._errors)
        output: Dict[str, Any] = {"error": error}
        if line is not None:
            output["line"] = line
        output["input"] = shown
        return output

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
            by_word: List[Optional[List[float]]] = [None] * len(instances)
            if self._importance == "leave_one_out" and any("words" in o for o in outputs):
                # wordpiece models: each word dropped whole, all its pieces at once
                by_word = token_importance(self._model, instances, self._importance, words=True)
            for output, values, word_values in zip(outputs, importance, by_word):
                output["importance"] = values
                if "words" in output and values is not None:
                    # wordpiece models: each word's pieces summed, as its attention is
                    output["word_importance"] = (
                        word_values
                        if self._importance == "leave_one_out"
                        else merge_wordpieces(output["tokens"], values)[1]
                    )
        if self._attention_entropy:
            for output in outputs:
                entropy, normalised = attention_entropy(output["attention"])
                output["attention_entropy"] = entropy
                output["attention_entropy_normalised"] = normalised
        if self._attributions:
            by_instance = instance_attributions(self._model, instances, self._attributions)
            for output, values in zip(outputs, by_instance):
                output["attributions"] = values
                if "words" in output:
                    output["word_attributions"] = {
                        method: merge_wordpieces(output["tokens"], row)[1]
                        for method, row in values.items()
                    }
        for output, instance in zip(outputs, instances):
            self._add_plausibility(output, instance)
        return outputs

    def _add_plausibility(self, output: JsonDict, instance: Instance) -> None:
        # `word_sentiment` and `plausibility` of every ranking, where the instance has word labels.
        metadata = instance.fields.get("metadata")
        labels = None if metadata is None else metadata.metadata.get("word_sentiment")  # type: ignore
        if labels is None:
            return
        labels = list(labels)[: len(output["attention"])]
        words = "words" in output
        if words:
            labels = [labels[word[0]] for word in wordpiece_words(output["tokens"])]
        rankings = {"attention": output["word_attention" if words else "attention"]}
        importance = output.get("word_importance" if words else "importance")
        if importance is not None:
            rankings[self._importance] = importance
        rankings.update(output.get("word_attributions" if words else "attributions", {}))
        output["word_sentiment"] = labels
        output["plausibility"] = {
            name: plausibility(scores, labels) for name, scores in rankings.items()
        }

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

    @classmethod
    def _model_class(cls) -> Type[Model]:
        return AttentionClassifier

    def predict(self, text: str) -> JsonDict:
        return self.predict_json({"text": text})

    def _plain_line_to_json(self, line: str) -> JsonDict:
        return {"text": line}

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        text = _string(json_dict, ["text", "sentence"])
        if text is None:
            raise ConfigurationError(
                f"expected a 'text' (or 'sentence') key, got {sorted(json_dict)}"
            )
        instance = self._dataset_reader.text_to_instance(text)
        if "word_labels" in json_dict:
            words = text.split()
            labels = json_dict["word_labels"]
            if (
                not isinstance(labels, list)
                or len(labels) != len(words)
                or not all(type(x) is int and 0 <= x <= 4 for x in labels)
            ):
                raise BadValue(
                    f"word_labels must be one sentiment 0-4 per space-separated word of the text "
                    f"({len(words)} words), got {json.dumps(labels)[:80]}"
                )
            tokens = instance["tokens"].tokens  # type: ignore
            instance["metadata"].metadata["word_sentiment"] = token_word_labels(  # type: ignore
                tokens, words, labels
            )
        return instance


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

    @classmethod
    def _model_class(cls) -> Type[Model]:
        return AttentionPairClassifier

    def predict(self, premise: str, hypothesis: str) -> JsonDict:
        return self.predict_json({"premise": premise, "hypothesis": hypothesis})

    def _plain_line_to_json(self, line: str) -> JsonDict:
        if "\t" not in line:
            raise ConfigurationError(f"expected 'premise<TAB>hypothesis', got {line!r}")
        premise, hypothesis = line.split("\t", 1)
        return {"premise": premise, "hypothesis": hypothesis}

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        premise = _string(json_dict, ["premise", "sentence1"])
        hypothesis = _string(json_dict, ["hypothesis", "sentence2"])
        if premise is None or hypothesis is None:
            raise ConfigurationError(
                f"expected 'premise' and 'hypothesis' (or 'sentence1'/'sentence2') keys, got "
                f"{sorted(json_dict)}"
            )
        return self._dataset_reader.text_to_instance(premise, hypothesis)
