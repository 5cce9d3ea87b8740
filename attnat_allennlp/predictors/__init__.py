from attnat_allennlp.predictors.attention_predictors import (
    AttentionClassifierPredictor,
    AttentionPairPredictor,
)
