from attnat_allennlp.data.tokenizers import JainWallaceTokenizer
from attnat_allennlp.data.counting_vocabulary import CountingVocabulary
from attnat_allennlp.data.pretrained_transformer import (
    TransformerWordpieceIndexer,
    TransformerWordpieceTokenizer,
)
from attnat_allennlp.data.dataset_readers import *  # noqa: F401,F403
