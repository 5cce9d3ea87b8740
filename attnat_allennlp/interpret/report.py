"""
The measures of this package over a data set, as one JSON-able report: prediction metrics,
agreement of attention with gradient and leave-one-out importance, agreement with human rationales,
and Jain & Wallace's permutation and adversarial-attention checks. `allennlp attention-report`
writes it; `allennlp attention-heatmap` draws from it.
"""
import itertools
from collections import Counter
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy
import torch
from allennlp.data import DatasetReader, Instance
from allennlp.training.metrics import Metric

from attnat_allennlp.data.dataset_readers.base import SkipExample
from attnat_allennlp.interpret.agreement import AgreementAccumulator, summarize
from attnat_allennlp.interpret.batching import (
    attended_field,
    build_state,
    chunks,
    real_lengths,
    tensorize,
)
from attnat_allennlp.interpret.importance import (
    gradient_importance_for_state,
    leave_one_out_importance_for_tensors,
)
from attnat_allennlp.interpret.jain_wallace import (
    adversarial_attention,
    permutation_output_change,
)
from attnat_allennlp.interpret.rationales import (
    RationaleExample,
    align_tokens,
    project_scores,
    rationale_instance,
    rationale_scores,
)
from attnat_allennlp.models.attention_pair_model import AttentionPairClassifier
from attnat_allennlp.models.base import AttentionModel, AttentionState

_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def distribution(values: Sequence[float]) -> Dict[str, Any]:
    """`summarize` plus the 10/25/50/75/90 % quantiles."""
    summary: Dict[str, Any] = summarize(values)
    if summary["n"]:
        summary["quantiles"] = {
            str(q): float(numpy.quantile(numpy.asarray(values, dtype=float), q)) for q in _QUANTILES
        }
    return summary


def load_instances(
    reader: DatasetReader, data_path: str, max_instances: Optional[int] = None
) -> List[Instance]:
    """The first `max_instances` instances of a data file, with the reader's token indexers."""
    instances = list(itertools.islice(reader.read(data_path), max_instances))
    for instance in instances:
        reader.apply_token_indexers(instance)
    return instances


def _reset_metrics(model: AttentionModel) -> None:
    # get_metrics(reset=True) raises for F1 when the metric has not seen a batch yet.
    for value in vars(model).values():
        if isinstance(value, Metric):
            value.reset()


def _label_of(instance: Instance) -> Optional[str]:
    field = instance.fields.get("label")
    return None if field is None else str(field.label)  # type: ignore


def explained_chunks(
    model: AttentionModel, instances: List[Instance], batch_size: int = 32
) -> Iterator[Tuple[List[Instance], Dict[str, Any], AttentionState, torch.Tensor, List[Dict[str, Any]]]]:
    """
    Runs the model over `instances`, `batch_size` at a time (updating its metrics when they have
    labels), and yields `(instances, tensors, state, attention weights, rows)` per batch, where each
    row holds an instance's `tokens` (the attended text), gold `label`, `prediction`, its
    `probability`, and per token the `attention` and the `gradient` importance.
    """
    model.eval()
    labels = model.vocab.get_index_to_token_vocabulary(model._label_namespace)
    for chunk in chunks(instances, batch_size):
        tensors = tensorize(model, chunk)
        with torch.no_grad():
            if "label" in tensors:
                model(**tensors)  # updates the model's metrics
            state = build_state(model, tensors)
            logits, weights = model.logits_from_scores(state)
            probs = torch.softmax(logits, dim=-1)
        gradient = gradient_importance_for_state(model, state)
        field = attended_field(state)
        rows = [
            {
                "tokens": [t.text for t in instance[field].tokens],  # type: ignore
                "label": _label_of(instance),
                "prediction": labels[int(probs[i].argmax())],
                "probability": float(probs[i].max()),
                "attention": weights[i, :length].tolist(),
                "gradient": gradient[i, :length].tolist(),
            }
            for i, (instance, length) in enumerate(zip(chunk, real_lengths(state)))
        ]
        yield chunk, tensors, state, weights, rows


def explain_instances(
    model: AttentionModel, instances: List[Instance], batch_size: int = 32
) -> List[Dict[str, Any]]:
    """The rows of `explained_chunks` for all instances (what `attention-heatmap` draws)."""
    return [row for *_, rows in explained_chunks(model, instances, batch_size) for row in rows]


def attention_report(
    model: AttentionModel,
    instances: List[Instance],
    batch_size: int = 32,
    leave_one_out: bool = True,
    num_permutations: int = 100,
    adversarial_steps: int = 100,
    tvd_threshold: float = 0.01,
    seed: int = 0,
) -> Dict[str, Any]:
    """
    The report of a model on instances (with their token indexers applied).

    # Returns

    A dict with `num_instances`, `metrics` (the model's own, when the instances have labels),
    `agreement` (`gradient` and `leave_one_out`, each `pearson`/`kendall` summaries and the
    `skipped` counts), `permutation` (median TVD per instance: its distribution),
    `adversarial` (max JSD per instance: its distribution) and `instances` (per instance: tokens,
    label, prediction, attention, the importances, the correlations and the check results).
    """
    model.eval()
    _reset_metrics(model)
    generator = torch.Generator().manual_seed(seed)
    names = ["gradient"] + (["leave_one_out"] if leave_one_out else [])
    agreement = {name: AgreementAccumulator() for name in names}
    rows: List[Dict[str, Any]] = []
    permutation_tvds: List[float] = []
    adversarial_jsds: List[float] = []
    for chunk, tensors, state, weights, chunk_rows in explained_chunks(model, instances, batch_size):
        loo = (
            leave_one_out_importance_for_tensors(model, tensors)
            if leave_one_out
            else [None] * len(chunk)
        )
        permutation = permutation_output_change(
            model, state, weights, num_permutations, generator=generator
        )
        adversarial = adversarial_attention(
            model, state, weights, tvd_threshold, adversarial_steps, generator=generator
        )
        for i, row in enumerate(chunk_rows):
            attention = row["attention"]
            row["leave_one_out"] = loo[i]
            row["permutation_median_tvd"] = float(permutation[i])
            row["adversarial_max_jsd"] = float(adversarial[i])
            for name in names:
                result = agreement[name].add(attention, row[name])
                row[f"{name}_pearson"] = result[0] if result else None
                row[f"{name}_kendall"] = result[1] if result else None
            permutation_tvds.append(row["permutation_median_tvd"])
            adversarial_jsds.append(row["adversarial_max_jsd"])
            rows.append(row)
    return {
        "num_instances": len(rows),
        "metrics": model.get_metrics(reset=True) if any(r["label"] for r in rows) else {},
        "agreement": {name: agreement[name].summary() for name in names},
        "permutation": {
            "num_permutations": num_permutations,
            "median_tvd": distribution(permutation_tvds),
        },
        "adversarial": {
            "tvd_threshold": tvd_threshold,
            "steps": adversarial_steps,
            "max_jsd": distribution(adversarial_jsds),
        },
        "instances": rows,
    }


def rationale_report(
    model: AttentionModel,
    reader: DatasetReader,
    examples: List[RationaleExample],
    top_k: Optional[int] = None,
    batch_size: int = 32,
) -> Dict[str, Any]:
    """
    AUPRC and top-k token F1 of attention (and, as a reference, of gradient importance) against
    the human rationales of ERASER examples (see `attnat_allennlp.interpret.rationales`).
    """
    model.eval()
    pair = isinstance(model, AttentionPairClassifier)
    skipped: Counter = Counter()
    kept: List[RationaleExample] = []
    instances: List[Instance] = []
    for example in examples:
        if not any(example.rationale):
            skipped["annotations without rationale tokens"] += 1
            continue
        try:
            instance = rationale_instance(reader, example, pair)
        except SkipExample as skip:
            skipped[skip.reason] += 1
            continue
        reader.apply_token_indexers(instance)
        kept.append(example)
        instances.append(instance)
    scores: Dict[str, Dict[str, List[float]]] = {
        name: {"auprc": [], "top_k_f1": []} for name in ("attention", "gradient")
    }
    offset = 0
    for chunk in chunks(instances, batch_size):
        with torch.no_grad():
            state = build_state(model, tensorize(model, chunk))
            _, weights = model.logits_from_scores(state)
        gradient = gradient_importance_for_state(model, state)
        field = attended_field(state)
        for i, length in enumerate(real_lengths(state)):
            example = kept[offset + i]
            alignment = align_tokens(chunk[i][field].tokens, example.tokens)  # type: ignore
            for name, values in (("attention", weights), ("gradient", gradient)):
                projected = project_scores(values[i, :length].tolist(), alignment, len(example.tokens))
                auprc, f1 = rationale_scores(projected, example.rationale, top_k)
                scores[name]["auprc"].append(auprc)
                scores[name]["top_k_f1"].append(f1)
        offset += len(chunk)
    return {
        "num_annotations": len(kept),
        "top_k": top_k if top_k is not None else "rationale length",
        **{
            name: {measure: summarize(values) for measure, values in by_measure.items()}
            for name, by_measure in scores.items()
        },
        "skipped": dict(skipped),
    }


def _fmt(value: Optional[float]) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def format_report(report: Dict[str, Any]) -> str:
    """A short plain-text table of a report (what `allennlp attention-report` prints)."""
    lines = [f"instances: {report['num_instances']}"]
    for name, value in sorted(report.get("metrics", {}).items()):
        lines.append(f"{name:<28}{_fmt(value)}")
    lines.append(f"{'attention vs.':<28}{'mean':>8}{'std':>8}{'n':>6}")
    for name, summary in report["agreement"].items():
        for measure in ("pearson", "kendall"):
            s = summary[measure]
            lines.append(f"  {name + ' ' + measure:<26}{_fmt(s['mean']):>8}{_fmt(s['std']):>8}{s['n']:>6}")
    rationales = report.get("rationales")
    if rationales:
        for name in ("attention", "gradient"):
            for measure in ("auprc", "top_k_f1"):
                s = rationales[name][measure]
                lines.append(f"  rationale {name} {measure:<9}"[:28].ljust(28) + f"{_fmt(s['mean']):>8}{_fmt(s['std']):>8}{s['n']:>6}")
    perm = report["permutation"]["median_tvd"]
    adv = report["adversarial"]["max_jsd"]
    lines.append(f"{'permutation median TVD':<28}{_fmt(perm['mean']):>8}{_fmt(perm['std']):>8}{perm['n']:>6}")
    lines.append(f"{'adversarial max JSD':<28}{_fmt(adv['mean']):>8}{_fmt(adv['std']):>8}{adv['n']:>6}")
    return "\n".join(lines)
