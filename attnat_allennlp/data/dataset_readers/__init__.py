from attnat_allennlp.data.dataset_readers.agnews import AgNewsReader
from attnat_allennlp.data.dataset_readers.babi import BabiReader
from attnat_allennlp.data.dataset_readers.base import (
    AttentionDatasetReader,
    DataFormatError,
    PairReader,
    SkipExample,
    TextClassificationReader,
)
from attnat_allennlp.data.dataset_readers.cnn import CnnReader
from attnat_allennlp.data.dataset_readers.imdb import ImdbReader
from attnat_allennlp.data.dataset_readers.jsonl import JsonlNliReader, JsonlTextClassificationReader
from attnat_allennlp.data.dataset_readers.newsgroups import NewsgroupsReader
from attnat_allennlp.data.dataset_readers.sst import SstReader
from attnat_allennlp.data.dataset_readers.unlabeled import UnlabeledPairReader, UnlabeledTextReader
