from attnat_allennlp.modules.attention_encoder import AttentionSeq2VecEncoder
from attnat_allennlp.modules.bilstm import UnpackedBiLstm
from attnat_allennlp.modules.normalized_embedding import NormalizedEmbedding
from attnat_allennlp.modules.transformer import (
    SelfAttentionEncoder,
    SelfAttentionState,
    TransformerEncoder,
)
from attnat_allennlp.modules.transformer_pretrained import (
    PretrainedTransformerEncoder,
    PretrainedWordEmbeddings,
)
