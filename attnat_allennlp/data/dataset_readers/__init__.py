from attnat_allennlp.data.dataset_readers.base import (
    AttentionDatasetReader,
    DataFormatError,
    PairReader,
    SkipExample,
    TextClassificationReader,
)
from attnat_allennlp.data.dataset_readers.jsonl import JsonlNliReader, JsonlTextClassificationReader
from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledTextReader
