"""The attention that explains a prediction in a study: `measures.attention` and `--attention`,
on a tiny from-scratch Transformer study."""

import argparse
import json

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.models.archival import load_archive

from attnat_allennlp.commands.attention_study import study_from_args
from attnat_allennlp.interpret.report import load_instances, study_measures
from attnat_allennlp.study.results import read_runs
from attnat_allennlp.study.spec import parse_study
from tests.helpers import FIXTURE_DATA, TINY_TRANSFORMER

DATA = str(FIXTURE_DATA / "text_classification.jsonl")
TINY_DATASET = {
    "name": "tiny_transformer",
    "config": "training_config/rt_polarity_transformer_vanilla.jsonnet",
    "overrides": {
        "train_data_path": DATA,
        "validation_data_path": DATA,
        "test_data_path": DATA,
        **TINY_TRANSFORMER,
        "data_loader.batch_sampler.batch_size": 8,
    },
}


def _study(**measures) -> dict:
    return {
        "datasets": [TINY_DATASET],
        "techniques": ["vanilla"],
        "seeds": [1],
        "epochs": 1,
        "measures": {"robustness_eps": {}, "max_instances": 12, **measures},
    }


@pytest.mark.parametrize("bad", ["gradient", "cls", 3])
def test_a_bad_measures_attention_is_named(bad):
    with pytest.raises(ConfigurationError, match="measures.attention must be one of pooling"):
        parse_study(_study(attention=bad))
    assert parse_study(_study(attention="rollout")).measures["attention"] == "rollout"


def _run(tmp_path, name, study, attention=None):
    study_file = tmp_path / f"{name}.json"
    study_file.write_text(json.dumps(study))
    out = tmp_path / name
    study_from_args(
        argparse.Namespace(
            study_file=str(study_file),
            serialization_dir=str(out),
            jobs=1,
            threads=1,
            overrides="",
            no_progress=True,
            attention=attention,
        )
    )
    (row,) = read_runs(str(out / "runs.csv"))
    archive = load_archive(
        str(
            out / "runs" / "tiny_transformer" / "vanilla" / "eps_config" / "seed_1" / "model.tar.gz"
        )
    )
    return row, archive, out


def test_the_study_measures_the_chosen_attention(tmp_path):
    # the study file says rollout; the command line overrides it with first_token
    row, archive, out = _run(tmp_path, "flag", _study(attention="rollout"), "first_token")
    instances = load_instances(archive.validation_dataset_reader, DATA, 12)
    expected = {
        kind: study_measures(archive.model, instances, robustness_eps={}, seed=1, attention=kind)
        for kind in ("pooling", "first_token", "rollout")
    }
    assert expected["first_token"]["gradient_pearson"] != pytest.approx(
        expected["pooling"]["gradient_pearson"]
    )
    for name in ("gradient_pearson", "loo_kendall", "entropy", "comprehensiveness_aopc_attention"):
        assert row[name] == pytest.approx(expected["first_token"][name])
    # the study saved beside its results records the choice
    saved = json.loads((out / "study.json").read_text())
    assert saved["measures"]["attention"] == "first_token"
    # without the flag, the study file's choice
    row, _, _ = _run(tmp_path, "file", _study(attention="rollout"))
    assert row["gradient_pearson"] == pytest.approx(expected["rollout"]["gradient_pearson"])
    # neither: the pooling attention (this model has one)
    row, _, _ = _run(tmp_path, "default", _study())
    assert row["gradient_pearson"] == pytest.approx(expected["pooling"]["gradient_pearson"])
