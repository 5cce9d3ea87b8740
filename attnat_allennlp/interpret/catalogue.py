"""
The catalogue of the measures: one `Measure` per number that the report and the study compute,
with what it is, which group it belongs to, which direction is better, what it costs and whether
the report draws its histogram. The report (`report.study_measure_names`), the study summary
(its tables, bars, legend and brief table), `study/tables.py` and the histograms
(`plots.plot_report_histograms`) read their measures from here: a new measure is one entry of
`MEASURES` (see docs/interpretability.md, "Adding a measure").
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from attnat_allennlp.interpret.attributions import ATTRIBUTION_METHODS
from attnat_allennlp.interpret.faithfulness import FAITHFULNESS_MEASURES
from attnat_allennlp.interpret.plausibility import PLAUSIBILITY_MEASURES, PLAUSIBILITY_RANKINGS
from attnat_allennlp.interpret.robustness import DEFAULT_ROBUSTNESS_EPS, ROBUSTNESS_TARGETS

# What a measure is about: the tables of the study summary are made of these.
GROUPS = (
    "prediction",
    "agreement",
    "attribution",
    "sharpness",
    "faithfulness",
    "plausibility",
    "robustness",
    "attack",
    "stability",
    "jain_wallace",
)
# What a measure costs beyond the one forward and backward pass per batch ("cheap"): one forward
# pass per token ("leave_one_out"), a Captum attribution ("attribution": integrated gradients is
# ~20 backward passes per batch), a forward pass per AOPC fraction ("faithfulness"), one per eps
# ("robustness"), the word-substitution attack ("attack": ~100 forward passes per attacked
# instance, and the stability measured on its results), or Jain & Wallace's searches ("search": a
# pass per permutation or Adam step).
COSTS = ("cheap", "leave_one_out", "attribution", "faithfulness", "robustness", "attack", "search")
DIRECTIONS = ("higher", "lower", None)

# The token rankings whose faithfulness is always measured; the standard attributions
# (`ATTRIBUTION_METHODS`) are added to them when computed.
RANKINGS = ("attention", "gradient", "random")

ATTRIBUTION_NAMES = {
    "integrated_gradients": "integrated gradients (Captum, zero baseline)",
    "input_x_gradient": "input x gradient (Captum)",
    "occlusion": "occlusion of one token's embedding (Captum)",
}


@dataclass(frozen=True)
class Measure:
    """
    One measure of the report and the study.

    # Parameters

    name : `str`
        Its key in `study_measures` (a column of a study's `runs.csv`, a measure of `summary.csv`).
    group : `str`
        One of `GROUPS`; it puts the measure in a table of `summary.md` (`TABLES`; a group of no
        table goes to "Other").
    description : `str`
        One line: what the number is (the legend of `summary.md`).
    direction : `Optional[str]`
        `"higher"` or `"lower"`: which values are better; `None`: neither.
    cost : `str`
        One of `COSTS`.
    histogram : `Optional[str]`, optional (default = `None`)
        The panel title of its histogram over the instances in `attention-report --figures`;
        `None`: not drawn.
    instance_key : `Optional[str]`, optional (default = `None`)
        The key of its per-instance value in the report's `instances` rows, when it differs from
        `name`.
    study : `bool`, optional (default = `True`)
        Whether `study_measures` computes it; `False` for the report's own (Jain & Wallace's checks).
    table_order : `int`, optional (default = `0`)
        Its column within its table of `summary.md` (equal values keep the order of `runs.csv`).
    brief : `bool`, optional (default = `False`)
        Whether it is one of the few measures that `attention-study` prints side by side and
        `bars_<dataset>.png` draws (`BRIEF_MEASURES`).
    """

    name: str
    group: str
    description: str
    direction: Optional[str]
    cost: str
    histogram: Optional[str] = None
    instance_key: Optional[str] = None
    study: bool = True
    table_order: int = 0
    brief: bool = False

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    @property
    def row_key(self) -> str:
        """The key of its per-instance value in the report's rows."""
        return self.instance_key or self.name


_RANKED_BY = {
    "attention": ", tokens ranked by attention",
    "gradient": ", tokens ranked by gradient importance (attention detached)",
    **{method: f", tokens ranked by {name}" for method, name in ATTRIBUTION_NAMES.items()},
}
_AOPC = {
    "comprehensiveness": "ERASER comprehensiveness AOPC: p(y|x) - p(y|x without the top k% tokens)",
    "sufficiency": "ERASER sufficiency AOPC: p(y|x) - p(y|only the top k% tokens)",
}
_PLAUSIBILITY = {
    "auprc": "mean AUPRC against the annotators' polar words (SST word labels)",
    "f1": "mean token F1 of the top-k tokens (k = number of polar words) against the annotators' "
    "polar words",
    "spearman": "mean Spearman rho with the annotators' sentiment strength |label - 2|",
}


def _cost(ranking: str, otherwise: str) -> str:
    return "attribution" if ranking in ATTRIBUTION_METHODS else otherwise


def robust_measure(target: str, eps: str) -> Measure:
    """The robust accuracy of `target` (`ROBUSTNESS_TARGETS`) at `eps` (as its name writes it)."""
    what = "pre-softmax attention scores" if target == "scores" else "word embeddings"
    return Measure(
        f"robust_accuracy_{target}_eps{eps}",
        "robustness",
        f"test accuracy under a worst-case (one gradient step, L2 norm {eps} per example) "
        f"perturbation of the {what}",
        "higher",
        "robustness",
    )


def _agreement(name: str, description: str, direction: str, order: int, **kwargs) -> Measure:
    cost = "leave_one_out" if name.startswith("loo_") else "cheap"
    return Measure(name, "agreement", description, direction, cost, table_order=order, **kwargs)


MEASURES: Tuple[Measure, ...] = (
    Measure("accuracy", "prediction", "test accuracy", "higher", "cheap", brief=True),
    Measure(
        "f1",
        "prediction",
        "test F1 of the positive class (binary tasks)",
        "higher",
        "cheap",
        table_order=1,
    ),
    Measure(
        "auc",
        "prediction",
        "test ROC-AUC (binary tasks)",
        "higher",
        "cheap",
        table_order=2,
        brief=True,
    ),
    _agreement(
        "gradient_pearson",
        "mean Pearson r of attention with gradient importance (attention detached, Jain & Wallace)",
        "higher",
        0,
        histogram="Pearson r: attention vs. gradient",
        brief=True,
    ),
    _agreement(
        "gradient_kendall",
        "mean Kendall tau of attention with gradient importance (attention detached)",
        "higher",
        1,
        histogram="Kendall tau: attention vs. gradient",
        brief=True,
    ),
    _agreement(
        "gradient_spearman",
        "mean Spearman rho of attention with gradient importance (attention detached)",
        "higher",
        2,
    ),
    _agreement(
        "gradient_kendall_significant",
        "share of instances whose attention-gradient Kendall tau has p <= 0.05",
        "higher",
        3,
    ),
    _agreement(
        "gradient_topk_kendall",
        "mean top-k Kendall distance (Fagin et al. 2003, k = max(10, 10% of the length)) of "
        "attention and gradient importance",
        "lower",
        4,
    ),
    _agreement(
        "loo_pearson",
        "mean Pearson r of attention with leave-one-out importance",
        "higher",
        5,
        histogram="Pearson r: attention vs. leave-one-out",
        instance_key="leave_one_out_pearson",
    ),
    _agreement(
        "loo_kendall",
        "mean Kendall tau of attention with leave-one-out importance",
        "higher",
        6,
        histogram="Kendall tau: attention vs. leave-one-out",
        instance_key="leave_one_out_kendall",
    ),
    Measure(
        "entropy",
        "sharpness",
        "mean entropy of the attention (nats; lower = sharper)",
        "lower",
        "cheap",
        table_order=2,
        brief=True,
    ),
    Measure(
        "entropy_normalised",
        "sharpness",
        "mean entropy of the attention / log(length) (1 = uniform, 0 = one-hot)",
        "lower",
        "cheap",
        table_order=3,
    ),
    *(
        Measure(
            f"{measure}_aopc_{ranking}",
            "faithfulness",
            _AOPC[measure]
            + {**_RANKED_BY, "random": ", tokens in a random order (the floor)"}[ranking],
            "higher" if measure == "comprehensiveness" else "lower",
            _cost(ranking, "faithfulness"),
            table_order=FAITHFULNESS_MEASURES.index(measure),
            brief=ranking == "attention",
        )
        for ranking in RANKINGS + ATTRIBUTION_METHODS
        for measure in FAITHFULNESS_MEASURES
    ),
    *(
        Measure(
            f"{method}_{measure}",
            "attribution",
            f"mean {label} of attention with {ATTRIBUTION_NAMES[method]}",
            "higher",
            "attribution",
        )
        for method in ATTRIBUTION_METHODS
        for measure, label in (("pearson", "Pearson r"), ("kendall", "Kendall tau"))
    ),
    *(
        Measure(
            f"plausibility_{measure}_{ranking}",
            "plausibility",
            _PLAUSIBILITY[measure]
            + {**_RANKED_BY, "random": ", tokens in a random order (chance level)"}[ranking],
            "higher",
            _cost(ranking, "cheap"),
        )
        for ranking in PLAUSIBILITY_RANKINGS + ATTRIBUTION_METHODS
        for measure in PLAUSIBILITY_MEASURES
    ),
    Measure(
        "attack_accuracy",
        "attack",
        "test accuracy under the greedy word-substitution attack (the model's own embedding "
        "neighbours; no technique trains against it)",
        "higher",
        "attack",
        brief=True,
    ),
    Measure(
        "attack_success_rate",
        "attack",
        "share of the correctly predicted test examples whose prediction the attack flipped",
        "lower",
        "attack",
        table_order=1,
    ),
    Measure(
        "attack_words_changed",
        "attack",
        "mean share of the words a successful attack changed (more = harder to attack)",
        "higher",
        "attack",
        table_order=2,
    ),
    Measure(
        "attack_queries",
        "attack",
        "mean forward passes the attack spent per attacked example (more = harder to attack)",
        "higher",
        "attack",
        table_order=3,
    ),
    *(
        Measure(
            f"stability_{measure}_{kind}",
            "stability",
            {
                "jsd": "mean Jensen-Shannon divergence of the attention",
                "topk": "mean top-k overlap (k = 25% of the tokens) of the attention",
            }[measure]
            + {
                "attack": " on an attacked text whose prediction stayed (SEAT)",
                "noise": " under Gaussian noise on the embeddings, prediction unchanged (SEAT)",
            }[kind],
            "lower" if measure == "jsd" else "higher",
            "attack" if kind == "attack" else "cheap",
            table_order=4 + 2 * ("attack", "noise").index(kind) + ("jsd", "topk").index(measure),
        )
        for kind in ("attack", "noise")
        for measure in ("jsd", "topk")
    ),
    *(
        robust_measure(target, f"{eps:g}")
        for target in ROBUSTNESS_TARGETS
        for eps in DEFAULT_ROBUSTNESS_EPS[target]
    ),
    Measure(
        "permutation_median_tvd",
        "jain_wallace",
        "median TVD of the output when the attention is permuted (Jain & Wallace)",
        None,
        "search",
        histogram="median output TVD under permutation",
        study=False,
    ),
    Measure(
        "adversarial_max_jsd",
        "jain_wallace",
        "largest JSD of an adversarial attention whose output stays within the TVD threshold "
        "(Jain & Wallace)",
        None,
        "search",
        histogram="max JSD of adversarial attention",
        study=False,
    ),
)

CATALOGUE: Dict[str, Measure] = {measure.name: measure for measure in MEASURES}

# The tables of the study's summary.md: (title, groups), in display order; within a table the
# measures are ordered by `table_order`. A measure of no table's group goes to "Other".
TABLES: Sequence[Tuple[str, Tuple[str, ...]]] = (
    ("Prediction (test)", ("prediction",)),
    ("Agreement of attention with word importance (test, per-instance mean)", ("agreement",)),
    ("Faithfulness (ERASER AOPC) and sharpness", ("faithfulness", "sharpness")),
    (
        "Plausibility: agreement with the annotators' word labels (SST; per-sentence mean)",
        ("plausibility",),
    ),
    (
        "Robustness: test accuracy under a worst-case perturbation of norm eps",
        ("robustness",),
    ),
    (
        "Robustness to a word-substitution attack (trained against by no technique) and the "
        "attention's stability (SEAT)",
        ("attack", "stability"),
    ),
)


def measure(name: str) -> Measure:
    """The catalogue's entry of `name`, also for robust accuracies at eps outside the defaults."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    for target in ROBUSTNESS_TARGETS:
        prefix = f"robust_accuracy_{target}_eps"
        if name.startswith(prefix):
            return robust_measure(target, name[len(prefix) :])
    raise KeyError(f"unknown study measure {name!r}")


def table_position(name: str) -> Optional[Tuple[int, int]]:
    """`(table, column)` of a measure in summary.md's `TABLES`, or `None` (its "Other" table)."""
    try:
        entry = measure(name)
    except KeyError:
        return None
    for index, (_, groups) in enumerate(TABLES):
        if entry.group in groups:
            return index, entry.table_order
    return None


def study_measure_names(robustness_eps: Optional[Dict[str, Sequence[float]]] = None) -> List[str]:
    """The keys of `study_measures` for these robustness eps (`None`: the defaults), in display order."""
    eps = DEFAULT_ROBUSTNESS_EPS if robustness_eps is None else robustness_eps
    names = [m.name for m in MEASURES if m.study and m.group != "robustness"]
    return names + [
        f"robust_accuracy_{target}_eps{value:g}"
        for target in ROBUSTNESS_TARGETS
        for value in eps.get(target, ())
    ]


# The keys of `study_measures` with the default robustness eps, in display order.
STUDY_MEASURES: Tuple[str, ...] = tuple(study_measure_names())
# The study measures with their descriptions (the default robustness eps).
MEASURE_DESCRIPTIONS: Dict[str, Measure] = {name: CATALOGUE[name] for name in STUDY_MEASURES}
# The few measures that `attention-study` prints side by side and the summary's bars draw, in the
# order of the summary's tables.
BRIEF_MEASURES: Tuple[str, ...] = tuple(
    sorted((m.name for m in MEASURES if m.brief), key=lambda name: table_position(name) or (99, 0))
)
# (per-instance row key, panel title) of the report's histograms, in catalogue order.
HISTOGRAMS: Tuple[Tuple[str, str], ...] = tuple(
    (m.row_key, m.histogram) for m in MEASURES if m.histogram is not None
)
