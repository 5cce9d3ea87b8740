import re
from typing import List, Optional

from allennlp.data.tokenizers import SpacyTokenizer, Token, Tokenizer

_DIGIT = re.compile(r"\d")
_NON_SPACE = re.compile(r"\S+")
# A bracket between two letters (`election)and`, `said(quietly`): spaCy's English rules split a
# bracket off only at a word's edge, so text with a missing space kept such tokens whole.
_INNER_BRACKET = re.compile(r"(?<=[^\W\d_])[()\[\]{}](?=[^\W\d_])")


@Tokenizer.register("jain_wallace")
class JainWallaceTokenizer(SpacyTokenizer):
    """
    The preprocessing of Jain & Wallace ("Attention is not Explanation", 2019): spaCy tokenization,
    lower-casing, and every token that contains a digit replaced by `"qqq"`.

    A bracket between two letters is split off as well (`election)and` -> `election ) and`), which
    spaCy's rules leave whole.

    The default spaCy pipeline is `"blank:en"`, spaCy's rule-based English tokenizer, which needs no
    model download and therefore works offline. Any installed pipeline name works too.

    Registered as a `Tokenizer` with name "jain_wallace".

    # Parameters

    language : `str`, optional (default = `"blank:en"`)
        The spaCy pipeline to load.
    lowercase : `bool`, optional (default = `True`)
        Lower-case every token.
    digit_token : `Optional[str]`, optional (default = `"qqq"`)
        Replace any token that contains a digit by this string; `None` keeps digits.
    max_length : `Optional[int]`, optional (default = `None`)
        Keep only the first `max_length` tokens. (Readers that *drop* long texts, as Jain & Wallace
        do for IMDB, have their own `max_tokens`.)
    split_on_spaces : `bool`, optional (default = `False`)
        Split only on spaces, for text that is already tokenized.
    start_tokens : `Optional[List[str]]`, optional (default = `None`)
        Tokens put before every text as they are (not lower-cased, no offsets, after `max_length`),
        e.g. `["[CLS]"]` for a from-scratch Transformer that classifies from its first token.
    """

    def __init__(
        self,
        language: str = "blank:en",
        lowercase: bool = True,
        digit_token: Optional[str] = "qqq",
        max_length: Optional[int] = None,
        split_on_spaces: bool = False,
        start_tokens: Optional[List[str]] = None,
    ) -> None:
        # Splitting on spaces is done here, not by allennlp's `split_on_spaces`: that one replaces
        # the tokenizer of the spaCy model that allennlp caches for every SpacyTokenizer of the
        # process, and fails on two spaces in a row.
        super().__init__(language=language, pos_tags=False)
        self._split_on_spaces = split_on_spaces
        self._lowercase = lowercase
        self._digit_token = digit_token
        self._max_length = max_length
        self._first_tokens = list(start_tokens or [])

    @staticmethod
    def _split_inner_brackets(tokens: List[Token]) -> List[Token]:
        split: List[Token] = []
        for token in tokens:
            text, start = token.text, token.idx
            if start is None or not _INNER_BRACKET.search(text):
                split.append(token)
                continue
            begin = 0
            for match in _INNER_BRACKET.finditer(text):
                for piece, at in (
                    (text[begin : match.start()], begin),
                    (match.group(), match.start()),
                ):
                    if piece:
                        split.append(Token(piece, idx=start + at, idx_end=start + at + len(piece)))
                begin = match.end()
            split.append(Token(text[begin:], idx=start + begin, idx_end=start + len(text)))
        return split

    def _normalise(self, tokens: List[Token]) -> List[Token]:
        normalised = []
        for token in tokens:
            text = token.text
            if not text.strip():
                continue
            if self._lowercase:
                text = text.lower()
            if self._digit_token is not None and _DIGIT.search(text):
                text = self._digit_token
            normalised.append(Token(text, idx=token.idx, idx_end=token.idx_end))
        if self._max_length is not None:
            normalised = normalised[: self._max_length]
        return [Token(text) for text in self._first_tokens] + normalised

    @staticmethod
    def _whitespace_tokens(text: str) -> List[Token]:
        return [
            Token(match.group(), idx=match.start(), idx_end=match.end())
            for match in _NON_SPACE.finditer(text)
        ]

    def tokenize_words(self, words: List[str]) -> List[Token]:
        """
        Normalises words that are already tokens (the leaves of a treebank tree, say) as
        `split_on_spaces` would, whatever this tokenizer's mode: lower-casing, digits, `max_length`.
        The offsets are those of the words joined by single spaces.
        """
        tokens, start = [], 0
        for word in words:
            tokens.append(Token(word, idx=start, idx_end=start + len(word)))
            start += len(word) + 1
        return self._normalise(tokens)

    def tokenize(self, text: str) -> List[Token]:
        if self._split_on_spaces:
            return self._normalise(self._whitespace_tokens(text))
        return self._normalise(self._split_inner_brackets(super().tokenize(text)))

    def batch_tokenize(self, texts: List[str]) -> List[List[Token]]:
        if self._split_on_spaces:
            return [self.tokenize(text) for text in texts]
        return [
            self._normalise(self._split_inner_brackets(tokens))
            for tokens in super().batch_tokenize(texts)
        ]

    def _to_params(self):
        return {
            "type": "jain_wallace",
            "language": self._language,
            "lowercase": self._lowercase,
            "digit_token": self._digit_token,
            "max_length": self._max_length,
            "split_on_spaces": self._split_on_spaces,
            **({"start_tokens": self._first_tokens} if self._first_tokens else {}),
        }
