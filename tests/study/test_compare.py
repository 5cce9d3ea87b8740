"""`allennlp attention-compare` on two tiny archives: the examples shown, their order, the measures
table and the escaping of everything that comes from a user."""

import argparse
import html
import json
import math
import re
from pathlib import Path
from typing import Dict, List

import pytest
from allennlp.predictors import Predictor

from attnat_allennlp.commands.attention_compare import compare_from_args
from helpers import FIXTURE_DATA, fixture_overrides, train_config

TINY = {
    "model.text_field_embedder.token_embedders.tokens.embedding_dim": 8,
    "model.seq2vec_encoder.encoder.input_size": 8,
    "model.seq2vec_encoder.encoder.hidden_size": 8,
    "model.seq2vec_encoder.attention_dim": 8,
}
HOSTILE = '<script>alert("x")</script> & <b>bold</b> film'


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> List[str]:
    """Two tiny classifiers of different seeds (so that their attention differs)."""
    paths = []
    for seed in (1, 2):
        out = tmp_path_factory.mktemp(f"compare_{seed}")
        overrides = fixture_overrides(
            "rt_polarity", **TINY, random_seed=seed, numpy_seed=seed, pytorch_seed=seed
        )
        train_config("rt_polarity_vanilla", out, overrides)
        paths.append(str(out / "model.tar.gz"))
    return paths


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    """Eight sentences of the fixture and a hostile one, as JSON lines."""
    lines = (FIXTURE_DATA / "text_classification.jsonl").read_text().splitlines()[:8]
    lines.append(json.dumps({"text": HOSTILE, "label": "negative"}))
    path = tmp_path_factory.mktemp("compare_input") / "examples.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def compare(archives, examples, out: Path, **options) -> str:
    args = argparse.Namespace(
        input_file=str(examples),
        archives=archives,
        names=options.pop("names", ["<vanilla 1>", "seed & 2"]),
        output=str(out),
        max_instances=options.pop("max_instances", 20),
        order=options.pop("order", "first"),
        candidates=options.pop("candidates", 500),
        measures=options.pop("measures", None),
        title=options.pop("title", "Two <i>seeds</i>"),
    )
    assert not options
    assert compare_from_args(args) == str(out)
    return out.read_text(encoding="utf-8")


def shown_examples(page: str) -> List[List[str]]:
    """The tokens of the first model's row of each example, in page order."""
    blocks = page.split('<div class="example">')[1:]
    return [
        [
            html.unescape(t)
            for t in re.findall(r'<span class="tok"[^>]*>([^<]*)</span>', block.split("</tr>")[0])
        ]
        for block in blocks
    ]


@pytest.fixture(scope="module")
def attention(archives, examples) -> List[Dict[tuple, List[float]]]:
    """For each archive: tokens -> attention of each example, through the predictor (not the
    command's code), in file order."""
    result = []
    for archive in archives:
        predictor = Predictor.from_path(archive, "attnat_classifier")
        lines = examples.read_text().splitlines()
        outputs = [predictor.predict_json(json.loads(line)) for line in lines]
        result.append({tuple(o["tokens"]): o["attention"] for o in outputs})
    return result


def jsd(p: List[float], q: List[float]) -> float:
    m = [(a + b) / 2 for a, b in zip(p, q)]
    kl = lambda x: sum(a * math.log(a / c) for a, c in zip(x, m) if a > 0)  # noqa: E731
    return (kl(p) + kl(q)) / 2


def test_shows_max_instances_examples_in_file_order_with_both_models(
    archives, examples, attention, tmp_path
):
    page = compare(archives, examples, tmp_path / "page.html", max_instances=5)
    in_file_order = list(attention[0])
    assert [tuple(t) for t in shown_examples(page)] == in_file_order[:5]
    assert [f"#{n}" for n in range(1, 6)] == re.findall(r'<div class="meta">(#\d+)', page)
    # each example has one row per model, named
    assert page.count('<td class="name">') == 10
    assert page.count("&lt;vanilla 1&gt;: ") == 5 and page.count("seed &amp; 2: ") == 5
    # all of them when fewer than max_instances
    page = compare(archives, examples, tmp_path / "all.html", max_instances=50)
    assert len(shown_examples(page)) == 9


def test_order_different_puts_the_largest_attention_divergence_first(
    archives, examples, attention, tmp_path
):
    page = compare(archives, examples, tmp_path / "page.html", order="different", max_instances=4)
    first, second = attention
    divergence = {tokens: jsd(first[tokens], second[tokens]) for tokens in first}
    ranked = sorted(divergence, key=divergence.get, reverse=True)
    assert len(set(divergence.values())) == 9  # no ties: the order is defined
    assert [tuple(t) for t in shown_examples(page)] == ranked[:4]
    assert ranked[:4] != list(first)[:4]


def test_measures_table_has_a_row_per_model_and_a_column_per_numeric_measure(
    archives, examples, tmp_path
):
    measures = tmp_path / "measures.json"
    measures.write_text(
        json.dumps(
            [
                {"accuracy": 0.8125, "auc <x>": 0.5, "note": "not a number", "loo": 0.25},
                {"accuracy": 0.75, "auc <x>": None, "note": "x", "loo": float("nan")},
            ]
        )
    )
    page = compare(archives, examples, tmp_path / "page.html", measures=str(measures))
    table = re.search(r'<table class="measures">(.*?)</table>', page).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    # (the headers carry their glossary entry as a title attribute)
    assert re.findall(r"<th[^>]*>(.*?)</th>", rows[0]) == [
        "model",
        "accuracy",
        "auc &lt;x&gt;",
        "loo",
    ]
    assert re.findall(r"<td>(.*?)</td>", rows[1]) == [
        "&lt;vanilla 1&gt;",
        "0.812",
        "0.500",
        "0.250",
    ]
    # a missing or non-finite value is an empty cell
    assert re.findall(r"<td>(.*?)</td>", rows[2]) == ["seed &amp; 2", "0.750", "", ""]
    assert len(rows) == 3


def test_measures_beside_the_archives_are_shown_without_the_option(archives, examples, tmp_path):
    page = compare(archives, examples, tmp_path / "none.html")
    assert 'class="measures"' not in page  # no row.json beside the archives yet
    for accuracy, archive in zip((0.9, 0.8), archives):
        (Path(archive).parent / "row.json").write_text(json.dumps({"accuracy": accuracy}))
    try:
        page = compare(archives, examples, tmp_path / "beside.html")
    finally:
        for archive in archives:
            (Path(archive).parent / "row.json").unlink()
    table = re.search(r'<table class="measures">(.*?)</table>', page).group(1)
    assert re.findall(r"<td>(.*?)</td>", table) == [
        "&lt;vanilla 1&gt;",
        "0.900",
        "seed &amp; 2",
        "0.800",
    ]


def test_title_names_and_tokens_are_escaped(archives, examples, attention, tmp_path):
    page = compare(archives, examples, tmp_path / "page.html", title='<img src=x onerror="1">')
    # none of the hostile markup comes through (the page's own legend uses <b> for model names)
    assert "<script" not in page and "<img" not in page and "<b>bold</b>" not in page
    assert "<title>&lt;img src=x onerror=&quot;1&quot;&gt;</title>" in page
    assert "<h1>&lt;img src=x onerror=&quot;1&quot;&gt;</h1>" in page
    # the hostile sentence's tokens come back whole once unescaped
    assert tuple(shown_examples(page)[-1]) == list(attention[0])[-1]
    assert "script" in list(attention[0])[-1]
    assert "&lt;" in page and "&amp;" in page
    # the gold label of each example
    assert page.count("label: negative") + page.count("label: positive") == 9
