"""
Explanation stability, the measures of SEAT (Hu et al., "SEAT: Stable and Explainable Attention",
AAAI 2023): how much a model's attention moves when the input moves a little and the prediction
does not, and how much it differs between two models trained alike (two seeds).

Per sentence, between two attention distributions a and b over the same tokens:

- **JSD**: the Jensen-Shannon divergence (natural log, in [0, ln 2]; `jain_wallace.jensen_shannon`,
  the function of Jain & Wallace's adversarial check), lower = more stable;
- **top-k overlap**: |top_k(a) & top_k(b)| / k, the share of the k most attended tokens the two
  share, k = ceil(`top_k_fraction` x the number of tokens), at least 1 (default 25%); ties broken by
  position. Higher = more stable.

Three comparisons:

- **attack** (`stability_*_attack`): the attention on a sentence and on its attacked version
  (`attack.word_substitution_attack`), for the attacked examples whose attack changed at least one
  word and did not flip the prediction. For a pair model the hypothesis is attacked and the
  attention over the premise compared.
- **noise** (`stability_*_noise`): the attention on a sentence and on the same sentence with
  Gaussian noise on its word embeddings (every text field, every real token; SEAT's "slight
  perturbation of embeddings"): x_t + sigma ||x_t|| / sqrt(d) z, z ~ N(0, I), so that the noise's
  expected norm is about sigma times the token's own (`noise_scale` = sigma, default 0.1), for the
  examples whose prediction does not change. Seeded (`seed`): the same noise on every run.
- **seeds** (`seed_stability`, `stability_*_seeds`): the attention of two models (two seeds of a
  study) on the same sentence; every sentence counts.

The attention is the one that explains the model's predictions (`explaining_attention`, the
model's default: the pooling attention, or the first token's for first-token pooling).
"""

import argparse
import json
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.data import Instance

from attnat_allennlp.interpret.attack import AttackResult
from attnat_allennlp.interpret.batching import build_state, chunks, real_lengths, tensorize
from attnat_allennlp.interpret.jain_wallace import jensen_shannon
from attnat_allennlp.interpret.transformer_attention import explaining_attention
from attnat_allennlp.models.base import AttentionModel, AttentionState

DEFAULT_TOP_K_FRACTION = 0.25
DEFAULT_NOISE_SCALE = 0.1

STABILITY_MEASURES = (
    "stability_jsd_attack",
    "stability_topk_attack",
    "stability_jsd_noise",
    "stability_topk_noise",
)
SEED_STABILITY_MEASURES = ("stability_jsd_seeds", "stability_topk_seeds")


def top_k_size(length: int, fraction: float = DEFAULT_TOP_K_FRACTION) -> int:
    """k = ceil(fraction x length), at least 1 (and at most the length)."""
    return max(1, min(length, math.ceil(fraction * length)))


def top_k_overlap(
    first: Sequence[float], second: Sequence[float], fraction: float = DEFAULT_TOP_K_FRACTION
) -> float:
    """
    |top_k(first) & top_k(second)| / k, k = `top_k_size(len(first), fraction)`; the top k of a
    vector are its k largest values, ties broken by position (the earlier first).
    """
    if len(first) != len(second) or not len(first):
        raise ValueError(f"top-k overlap of {len(first)} and {len(second)} weights")
    k = top_k_size(len(first), fraction)

    def top(values: Sequence[float]) -> set:
        return set(numpy.argsort(-numpy.asarray(values, dtype=float), kind="stable")[:k].tolist())

    return len(top(first) & top(second)) / k


def divergence(first: Sequence[float], second: Sequence[float]) -> float:
    """The JSD (natural log) of two attention distributions over the same tokens."""
    if len(first) != len(second):
        raise ValueError(f"JSD of {len(first)} and {len(second)} weights")
    return float(
        jensen_shannon(
            torch.tensor(first, dtype=torch.float64), torch.tensor(second, dtype=torch.float64)
        )
    )


def compare(
    first: Sequence[float], second: Sequence[float], fraction: float = DEFAULT_TOP_K_FRACTION
) -> Dict[str, float]:
    """`{"jsd": ..., "topk": ...}` of two attention distributions over the same tokens."""
    return {"jsd": divergence(first, second), "topk": top_k_overlap(first, second, fraction)}


def _attention_and_prediction(
    model: AttentionModel, state: AttentionState
) -> Tuple[List[List[float]], List[int]]:
    with torch.no_grad():
        logits, _ = model.logits_from_scores(state)
        weights = explaining_attention(model, state, None)
    rows = [row[:n].tolist() for row, n in zip(weights.cpu(), real_lengths(state))]
    return rows, logits.argmax(dim=-1).tolist()


def attention_and_predictions(
    model: AttentionModel, instances: Sequence[Instance], batch_size: int = 32
) -> Tuple[List[List[float]], List[int]]:
    """The explaining attention over the real tokens and the predicted class of each instance."""
    weights: List[List[float]] = []
    predictions: List[int] = []
    for chunk in chunks(list(instances), batch_size):
        with torch.no_grad():
            state = build_state(model, tensorize(model, chunk))
        rows, predicted = _attention_and_prediction(model, state)
        weights.extend(rows)
        predictions.extend(predicted)
    return weights, predictions


def noisy_attention_and_predictions(
    model: AttentionModel,
    instances: Sequence[Instance],
    noise_scale: float = DEFAULT_NOISE_SCALE,
    seed: int = 0,
    batch_size: int = 32,
) -> Tuple[List[List[float]], List[int]]:
    """
    The explaining attention and the prediction of each instance with Gaussian noise on its word
    embeddings (see the module docstring), seeded by `seed`.
    """
    generator = torch.Generator().manual_seed(seed)
    weights: List[List[float]] = []
    predictions: List[int] = []
    for chunk in chunks(list(instances), batch_size):
        with torch.no_grad():
            state = build_state(model, tensorize(model, chunk))
            noise = {}
            for name, embedded in state.embeddings.items():
                z = torch.randn(embedded.shape, generator=generator).to(embedded)
                size = embedded.norm(dim=-1, keepdim=True) / math.sqrt(embedded.size(-1))
                noise[name] = (noise_scale * size * z).masked_fill(~state.masks[name][..., None], 0)
            state = model.rerun_from_embeddings(state, noise)
        rows, predicted = _attention_and_prediction(model, state)
        weights.extend(rows)
        predictions.extend(predicted)
    return weights, predictions


def _mean(values: Sequence[float]) -> Optional[float]:
    return float(numpy.mean(values)) if len(values) else None


def explanation_stability(
    model: AttentionModel,
    instances: Sequence[Instance],
    attack_results: Optional[Sequence[AttackResult]] = None,
    noise_scale: Optional[float] = DEFAULT_NOISE_SCALE,
    top_k_fraction: float = DEFAULT_TOP_K_FRACTION,
    seed: int = 0,
    batch_size: int = 32,
) -> Tuple[List[Dict[str, Any]], Dict[str, Optional[float]]]:
    """
    SEAT's stability of the model's attention under the attack and under embedding noise.

    # Parameters

    model : `AttentionModel`
    instances : `Sequence[Instance]`
    attack_results : `Optional[Sequence[AttackResult]]`, optional (default = `None`)
        `word_substitution_attack(model, instances)`'s results, one per instance; `None`: the
        attack measures are `None`.
    noise_scale : `Optional[float]`, optional (default = `0.1`)
        sigma, the noise's size relative to each embedding's norm; `None`: no noise measures.
    top_k_fraction : `float`, optional (default = `0.25`)
        k of the top-k overlap as a share of the tokens (rounded up, at least 1).
    seed : `int`, optional (default = `0`)
        The seed of the noise.
    batch_size : `int`, optional (default = `32`)

    # Returns

    `(rows, measures)`: per instance `{"jsd_attack", "topk_attack", "jsd_noise", "topk_noise"}`
    (`None` where the comparison does not apply: no word changed, the prediction changed), and
    the means over the instances where they apply:

    - `stability_jsd_attack`, `stability_jsd_noise`: mean JSD (lower is better, more stable);
    - `stability_topk_attack`, `stability_topk_noise`: mean top-k overlap (higher is better).
    """
    if attack_results is not None and len(attack_results) != len(instances):
        raise ValueError(f"{len(attack_results)} attack results for {len(instances)} instances")
    original, predicted = attention_and_predictions(model, instances, batch_size)
    rows: List[Dict[str, Any]] = [
        {"jsd_attack": None, "topk_attack": None, "jsd_noise": None, "topk_noise": None}
        for _ in instances
    ]
    if attack_results is not None:
        changed = [
            i
            for i, r in enumerate(attack_results)
            if r.attacked and r.changes and not r.success and r.instance is not None
        ]
        attacked, after = attention_and_predictions(
            model,
            [attack_results[i].instance for i in changed],
            batch_size,  # type: ignore
        )
        for i, weights, prediction in zip(changed, attacked, after):
            if prediction == predicted[i]:
                values = compare(original[i], weights, top_k_fraction)
                rows[i].update(jsd_attack=values["jsd"], topk_attack=values["topk"])
    if noise_scale is not None:
        noisy, after = noisy_attention_and_predictions(
            model, instances, noise_scale, seed, batch_size
        )
        for i, (weights, prediction) in enumerate(zip(noisy, after)):
            if prediction == predicted[i]:
                values = compare(original[i], weights, top_k_fraction)
                rows[i].update(jsd_noise=values["jsd"], topk_noise=values["topk"])
    measures = {
        f"stability_{measure}_{kind}": _mean(
            [row[f"{measure}_{kind}"] for row in rows if row[f"{measure}_{kind}"] is not None]
        )
        for kind in ("attack", "noise")
        for measure in ("jsd", "topk")
    }
    return rows, {name: measures[name] for name in STABILITY_MEASURES}


def seed_stability(
    first: AttentionModel,
    second: AttentionModel,
    instances: Sequence[Instance],
    other_instances: Optional[Sequence[Instance]] = None,
    top_k_fraction: float = DEFAULT_TOP_K_FRACTION,
    batch_size: int = 32,
) -> Tuple[List[Dict[str, float]], Dict[str, Optional[float]]]:
    """
    SEAT's stability across training randomness: the JSD and top-k overlap between the attention
    of two models (two seeds) on each sentence.

    # Parameters

    first, second : `AttentionModel`
    instances : `Sequence[Instance]`
        The sentences as `first`'s reader gives them.
    other_instances : `Optional[Sequence[Instance]]`, optional (default = `instances`)
        The same sentences as `second`'s reader gives them (each model indexes with its own
        vocabulary); their attended tokens must be the same.
    top_k_fraction : `float`, optional (default = `0.25`)
    batch_size : `int`, optional (default = `32`)

    # Returns

    `(rows, measures)`: per sentence `{"jsd": ..., "topk": ...}`, and
    `stability_jsd_seeds` (mean JSD, lower is better) and `stability_topk_seeds` (mean top-k
    overlap, higher is better).
    """
    other_instances = instances if other_instances is None else other_instances
    if len(other_instances) != len(instances):
        raise ConfigurationError(
            f"the two models read {len(instances)} and {len(other_instances)} instances from the "
            "data: they must read the same sentences"
        )
    field = first.attended_field
    for number, (one, two) in enumerate(zip(instances, other_instances), start=1):
        a = [t.text for t in one[field].tokens]  # type: ignore
        b = [t.text for t in two[second.attended_field].tokens]  # type: ignore
        if a != b:
            raise ConfigurationError(
                f"instance {number}: the two models tokenize it differently ({a[:8]} vs "
                f"{b[:8]}): attention can only be compared over the same tokens"
            )
    weights_a, _ = attention_and_predictions(first, instances, batch_size)
    weights_b, _ = attention_and_predictions(second, other_instances, batch_size)
    rows = [compare(a, b, top_k_fraction) for a, b in zip(weights_a, weights_b)]
    return rows, {
        "stability_jsd_seeds": _mean([row["jsd"] for row in rows]),
        "stability_topk_seeds": _mean([row["topk"] for row in rows]),
    }


def main(arguments: Optional[List[str]] = None) -> Dict[str, Any]:
    """
    `python -m attnat_allennlp.interpret.stability A.tar.gz B.tar.gz DATA`: the seed stability of
    two archives on a data file (each read with its own archive's reader), printed as JSON and
    written with `--output`.
    """
    parser = argparse.ArgumentParser(
        description="SEAT's seed stability: the JSD and top-k overlap of two models' attention"
    )
    parser.add_argument("first", help="model.tar.gz of one seed")
    parser.add_argument("second", help="model.tar.gz of another seed")
    parser.add_argument("data", help="the data file, read with each archive's reader")
    parser.add_argument("--max-instances", type=int, default=None)
    parser.add_argument("--top-k-fraction", type=float, default=DEFAULT_TOP_K_FRACTION)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--output", default=None, help="write the measures and rows as JSON")
    args = parser.parse_args(arguments)

    from allennlp.models.archival import load_archive

    import attnat_allennlp  # noqa: F401  (registers the components)
    from attnat_allennlp.interpret.report import load_instances

    models, data = [], []
    for path in (args.first, args.second):
        archive = load_archive(path)
        models.append(archive.model.eval())
        data.append(
            load_instances(archive.validation_dataset_reader, args.data, args.max_instances)
        )
    rows, measures = seed_stability(
        models[0], models[1], data[0], data[1], args.top_k_fraction, args.batch_size
    )
    result = {
        "first": args.first,
        "second": args.second,
        "data": args.data,
        "instances": len(rows),
        "top_k_fraction": args.top_k_fraction,
        **measures,
    }
    print(json.dumps(result, indent=2))
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({**result, "rows": rows}, handle, indent=2)
    return result


if __name__ == "__main__":
    main()
