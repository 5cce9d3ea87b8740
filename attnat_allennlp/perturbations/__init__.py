from attnat_allennlp.perturbations.attention_at import AttentionAdversarialPerturbation
from attnat_allennlp.perturbations.attention_iat import (
    AttentionInterpretableAdversarialPerturbation,
)
from attnat_allennlp.perturbations.attention_iat_released import AttentionIATReleasedPerturbation
from attnat_allennlp.perturbations.attention_ivat import (
    AttentionInterpretableVirtualAdversarialPerturbation,
)
from attnat_allennlp.perturbations.attention_rp import AttentionRandomPerturbation
from attnat_allennlp.perturbations.attention_vat import AttentionVirtualAdversarialPerturbation
from attnat_allennlp.perturbations.base import (
    TARGETS,
    CleanPass,
    Perturbation,
    Target,
    target_fields,
)
from attnat_allennlp.perturbations.word_at import WordAdversarialPerturbation
from attnat_allennlp.perturbations.word_iat import WordInterpretableAdversarialPerturbation
from attnat_allennlp.perturbations.word_vat import WordVirtualAdversarialPerturbation
