"""
Wordpiece tokenization and indexing for the pretrained Transformers, in place of allennlp 2.10.1's
`pretrained_transformer` tokenizer and indexer, which fail with today's `transformers` (their
special-token probe passes `add_special_tokens` twice: "add_special_tokens conflicts"; listed in
the compat index, `attnat_allennlp/compat/__init__.py`). The classes are named apart from
allennlp's (`TransformerWordpieceTokenizer`, `TransformerWordpieceIndexer`); their registered
names are unchanged.
"""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Token, TokenIndexer, Tokenizer, Vocabulary
from allennlp.data.token_indexers.token_indexer import IndexedTokenList


# Where `allennlp prepare-attnat-data minilm` writes all-MiniLM-L6-v2: the configs' default model.
MINILM_FOLDER = "data/minilm"


def model_name_hint(model_name: str) -> str:
    """
    What to do when `model_name` cannot be loaded and is no folder here: `data/minilm` is written
    by `allennlp prepare-attnat-data minilm`, and the configs' top-level `model_name` names another
    model (README, Transformers).
    """
    if os.path.isdir(model_name):
        return ""
    return (
        f" There is no folder {model_name!r} under {os.getcwd()} (run from the repository root); "
        f"`allennlp prepare-attnat-data minilm` writes {MINILM_FOLDER}, and a config's top-level "
        "model_name names another local folder or, with internet, a Hugging Face model (README, "
        "Transformers)."
    )


def check_model_folder(model_name: str, what: str = "model") -> None:
    """
    Fails at once, naming the knob, when `model_name` means a local folder that is not there
    (`data/minilm`, an absolute or `./` path, or a path under an existing folder), instead of
    letting `from_pretrained` ask the Hugging Face hub for it (minutes of retries offline).
    """
    if os.path.isdir(model_name):
        return
    first = model_name.split("/")[0]
    local = (
        model_name == MINILM_FOLDER
        or model_name.startswith(("/", ".", "~"))
        or ("/" in model_name and os.path.isdir(first))
    )
    if local:
        raise ConfigurationError(f"cannot load the {what} of {model_name!r}." + model_name_hint(model_name))


@Tokenizer.register("attnat_pretrained_transformer")
class TransformerWordpieceTokenizer(Tokenizer):
    """
    The (fast) tokenizer of a pretrained Transformer: wordpieces with the model's special tokens
    (`[CLS] ... [SEP]`, `<s> ... </s>`), each `Token` carrying its id (`text_id`), and its character
    offsets in the text (`idx`, `idx_end`; `None` for special tokens). The predictor and the
    interpretability code group wordpieces back into words with `wordpiece_words`.

    Registered as a `Tokenizer` with name "attnat_pretrained_transformer".

    # Parameters

    model_name : `str`
        A hub name or a local directory that `AutoTokenizer.from_pretrained` loads.
    max_length : `Optional[int]`, optional (default = `None`)
        Truncate to this many wordpieces (special tokens included); `None` means the model's limit.
    tokenizer_kwargs : `Optional[Dict[str, Any]]`, optional (default = `None`)
        More arguments of `from_pretrained`.
    """

    def __init__(
        self,
        model_name: str,
        max_length: Optional[int] = None,
        tokenizer_kwargs: Optional[Dict[str, Any]] = None,
    ) -> None:
        from transformers import AutoTokenizer

        check_model_folder(model_name, "tokenizer")
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(
                model_name, use_fast=True, **(tokenizer_kwargs or {})
            )
        except OSError as error:
            raise ConfigurationError(
                f"cannot load the tokenizer of {model_name!r}: {error}"
                + model_name_hint(model_name)
            ) from error
        if not self._tokenizer.is_fast:
            raise ConfigurationError(f"{model_name} has no fast tokenizer (needed for the offsets)")
        limit = self._tokenizer.model_max_length
        self._max_length = max_length or (limit if limit and limit < 100_000 else None)
        self._special_ids = set(self._tokenizer.all_special_ids)

    def tokenize(self, text: str) -> List[Token]:
        encoding = self._tokenizer(
            text,
            add_special_tokens=True,
            return_offsets_mapping=True,
            truncation=self._max_length is not None,
            max_length=self._max_length,
        )
        pieces = self._tokenizer.convert_ids_to_tokens(encoding["input_ids"])
        tokens = []
        for piece, token_id, (start, end) in zip(
            pieces, encoding["input_ids"], encoding["offset_mapping"]
        ):
            special = token_id in self._special_ids and start == end
            tokens.append(
                Token(
                    text=piece,
                    text_id=token_id,
                    type_id=0,
                    idx=None if special else start,
                    idx_end=None if special else end,
                )
            )
        return tokens


@TokenIndexer.register("attnat_pretrained_transformer")
class TransformerWordpieceIndexer(TokenIndexer):
    """
    Indexes the wordpieces of the `attnat_pretrained_transformer` tokenizer by their own ids
    (`text_id`), with an explicit mask (so that an id 0, RoBERTa's `<s>`, is not taken for padding)
    and segment ids. Adds nothing to the vocabulary. Feeds `attnat_pretrained_word_embeddings`.

    Registered as a `TokenIndexer` with name "attnat_pretrained_transformer".

    # Parameters

    token_min_padding_length : `int`, optional (default = `0`)
    """

    def __init__(self, token_min_padding_length: int = 0) -> None:
        super().__init__(token_min_padding_length)

    def count_vocab_items(self, token: Token, counter: Dict[str, Dict[str, int]]):
        pass

    def tokens_to_indices(self, tokens: List[Token], vocabulary: Vocabulary) -> IndexedTokenList:
        ids = [token.text_id for token in tokens]
        if any(token_id is None for token_id in ids):
            raise ConfigurationError(
                "the attnat_pretrained_transformer indexer needs wordpieces with ids: use the "
                "attnat_pretrained_transformer tokenizer"
            )
        return {
            "token_ids": ids,
            "mask": [True] * len(ids),
            "type_ids": [token.type_id or 0 for token in tokens],
        }

    def get_empty_token_list(self) -> IndexedTokenList:
        return {"token_ids": [], "mask": [], "type_ids": []}

    def as_padded_tensor_dict(
        self, tokens: IndexedTokenList, padding_lengths: Dict[str, int]
    ) -> Dict[str, torch.Tensor]:
        result = {}
        for key, values in tokens.items():
            length = padding_lengths[key]
            padded = list(values[:length]) + [False if key == "mask" else 0] * max(
                0, length - len(values)
            )
            result[key] = torch.tensor(padded, dtype=torch.bool if key == "mask" else torch.long)
        return result


# Word-start markers of byte-level BPE (RoBERTa) and SentencePiece vocabularies.
_WORD_START = ("\u0120", "\u2581")


# Special tokens that stand for no word of the text ([UNK] and <unk> do stand for one).
_SPECIAL = {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "<s>", "</s>", "<pad>", "<mask>", "<cls>", "<sep>"}


def _is_special(piece: str) -> bool:
    return piece in _SPECIAL


def _piece_text(piece: str, bpe: bool) -> str:
    """The characters a wordpiece adds to its word (without `##`, `\u0120` or `\u2581`)."""
    if bpe:
        return piece.lstrip("".join(_WORD_START))
    return piece[2:] if piece.startswith("##") else piece


def wordpiece_words(pieces: List[str]) -> List[List[int]]:
    """
    The words of a wordpiece sequence, each as the positions of its pieces: `##x` continues the
    previous word (WordPiece); with a BPE or SentencePiece vocabulary (pieces that start with `Ġ`
    or `▁`), a piece without that mark continues the previous word. Special tokens (`[CLS]`,
    `<s>`, ...) belong to no word. The one grouping of this package: the predictor's
    `word_attention` and `word_importance` and the word-level measures of `attnat_allennlp.interpret`
    all use it.
    """
    bpe = any(piece.startswith(_WORD_START) for piece in pieces)
    words: List[List[int]] = []
    previous_special = True
    for position, piece in enumerate(pieces):
        if _is_special(piece):
            previous_special = True
            continue
        if bpe:
            continues = not piece.startswith(_WORD_START) and not previous_special
        else:
            continues = piece.startswith("##") and not previous_special
        if continues and words:
            words[-1].append(position)
        else:
            words.append([position])
        previous_special = False
    return words


def sum_by_word(values: Sequence[float], words: List[List[int]]) -> List[float]:
    """Per word (`wordpiece_words`), the sum of `values` over its pieces."""
    return [float(sum(values[position] for position in word)) for word in words]


def merge_wordpieces(pieces: List[str], values: List[float]) -> Tuple[List[str], List[float]]:
    """
    Words and per-word sums of `values` (attention, importance) from wordpiece strings, grouped by
    `wordpiece_words`: special tokens (`[CLS]`, `<s>`, ...) belong to no word, so their values are
    dropped.
    """
    words = wordpiece_words(pieces)
    return word_texts(pieces, words), sum_by_word(values, words)


def word_texts(pieces: List[str], words: List[List[int]]) -> List[str]:
    """The text of each word (`wordpiece_words`), its pieces joined without their markers."""
    bpe = any(piece.startswith(_WORD_START) for piece in pieces)
    return ["".join(_piece_text(pieces[position], bpe) for position in word) for word in words]

