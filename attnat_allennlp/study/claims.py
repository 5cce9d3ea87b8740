"""
The primary claims of docs/claims.md and how each is read: one claim's reading on one dataset (a
cell of a study's summary), the verdict on the papers' three claims across datasets, and what
docs/results.md says beside a claim that reads "refuted".
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from attnat_allennlp.study.results_explanations import number

LEVEL = 0.05


@dataclass(frozen=True)
class Claim:
    """A primary claim of docs/claims.md: `attention_iat` against vanilla on one measure."""

    key: str
    title: str
    measure: str
    smallest_effect: float  # the smallest effect of interest, in the "higher is better" direction


# docs/claims.md, table "The claims tested, per dataset" (written before the runs).
CLAIMS = (
    Claim("A", "more accurate", "accuracy", 0.005),
    Claim("F", "more faithful attention", "comprehensiveness_aopc_attention", 0.01),
    Claim("P", "more plausible attention", "plausibility_auprc_attention", 0.01),
    Claim("R", "more robust to the word-substitution attack", "attack_accuracy", 0.01),
)
# Claim D: the released code's iAT step against the paper's, on these measures.
RELEASED_MEASURES = (("accuracy", 0.005), ("comprehensiveness_aopc_attention", 0.01))
TECHNIQUE = "attention_iat"
RELEASED = "attention_iat_released"
# Printed under the verdict when a claim of the papers reads "refuted" on some dataset: what was
# checked, and how this setup differs from theirs (no number: those are in the tables).
DISAGREEMENT = (
    'Where a claim reads "refuted", these results disagree with the papers, which report Attention '
    "iAT better than vanilla. What was checked: the iAT perturbation is the paper's definition "
    "([methods.md](methods.md); `tests/perturbations/test_perturbations.py` checks that it lies in "
    "the span of the directions towards the other examples and raises the loss), and the released "
    "code's step is a separate arm (claim D), not mixed into it. How the setup differs from the "
    "papers', any of which may explain part of the gap: GloVe 6B 50d instead of 840B 300d; eps "
    "chosen on dev from a small grid (a chosen eps at the grid's edge is marked in its table); "
    "fewer epochs where a study says so; five seeds and paired intervals here, single runs there."
)
# The studies that vary one of those differences, and what each varies: named under DISAGREEMENT
# once it has run.
VARIES = {
    "babi1_100_epochs": "the training length on bAbI 1 (Jain & Wallace's 100 epochs, no early "
    "stopping; its section below)",
}


def reading(claim: Claim, cell: Optional[Dict[str, Any]]) -> str:
    """
    The reading of docs/claims.md: "supported" (Holm-adjusted p below 0.05, difference in the
    claimed direction; "supported, below the smallest effect of interest" when the whole 95%
    interval is under it), "refuted" (not supported, the whole interval under the smallest effect
    of interest) or "not determined"; "not measured" without a cell.
    """
    if cell is None or number(cell.get("difference")) is None:
        return "not measured"
    difference = float(cell["difference"])
    p_holm, high = number(cell.get("p_holm")), number(cell.get("ci_high"))
    small = high is not None and high < claim.smallest_effect
    if p_holm is not None and p_holm < LEVEL and difference > 0:
        return "supported, below the smallest effect of interest" if small else "supported"
    if small:
        return "refuted"
    return "not determined"


def verdict(readings: Dict[str, Dict[str, str]]) -> List[str]:
    """
    Per claim of the papers, the datasets where it was supported, refuted and not determined, and
    the overall word: "holds" (supported on most, refuted on none), "does not hold" (refuted on at
    least half, supported on none), else "not determined". A claim whose measure measured nothing
    on a dataset (a reading "not measured (why)") is named with its reason and not counted.
    """
    lines = []
    groups = (
        ("more accurate", ("A",)),
        ("more interpretable (faithful, plausible)", ("F", "P")),
        ("more robust (attack)", ("R",)),
    )
    for title, keys in groups:
        counts: Dict[str, List[str]] = {"supported": [], "refuted": [], "not determined": []}
        unmeasured: List[str] = []
        for dataset, by_claim in readings.items():
            for key in keys:
                text = by_claim.get(key) or ""
                word = text.split(" (")[0].split(",")[0]  # "supported, below ..." too
                if word == "not measured" and text != word:  # a measure that measured nothing
                    unmeasured.append(f"{dataset} ({key}, {text[len(word) :].strip(' ()')})")
                if word in counts:
                    interval = text[len(text.split(" (")[0]) :].strip(" ()")
                    counts[word].append(
                        f"{dataset} ({key}" + (f", {interval})" if interval else ")")
                    )
        tested = sum(len(v) for v in counts.values())
        not_measured = (
            f"; not measured on {len(unmeasured)}: {', '.join(unmeasured)}" if unmeasured else ""
        )
        if not tested:
            lines.append(f"- **{title}**: not tested yet{not_measured}.")
            continue
        if len(counts["supported"]) > tested / 2 and not counts["refuted"]:
            overall = "holds"
        elif len(counts["refuted"]) >= tested / 2 and not counts["supported"]:
            overall = "does not hold"
        else:
            overall = "not determined"
        lines.append(
            f"- **{title}**: {overall} — "
            + "; ".join(
                f"{k} on {len(v)}" + (f": {', '.join(v)}" if v else "") for k, v in counts.items()
            )
            + not_measured
            + "."
        )
    return lines


def disagreement(varied: Sequence[str]) -> str:
    """DISAGREEMENT, and which of the differences it lists the studies in `varied` have varied."""
    if not varied:
        return DISAGREEMENT + " No study has varied any of these yet."
    return (
        DISAGREEMENT
        + " Varied so far: "
        + "; ".join(VARIES[folder] for folder in varied)
        + ". No study has varied the others yet."
    )
