"""The comparison page of `attention-compare`: shading, legend, glossary, what it shows."""

import re

from attnat_allennlp.study.compare import render_comparison


def rows(attention, prediction="positive"):
    return [
        {
            "tokens": ["a", "fine", "film"],
            "attention": attention,
            "label": "positive",
            "prediction": prediction,
            "probability": 0.8,
        }
    ]


def alphas(page):
    return [
        float(a) for a in re.findall(r'class="tok" title="[^"]+" style="[^"]*, ([\d.]+)\)', page)
    ]


def test_absolute_shading_keeps_near_uniform_attention_faint():
    uniform = rows([0.33, 0.34, 0.33])
    absolute = render_comparison(["m"], [uniform], "t", shading="absolute")
    relative = render_comparison(["m"], [uniform], "t", shading="row")
    assert max(alphas(absolute)) < 0.7  # 0.34 of the full colour's 0.5
    assert max(alphas(relative)) == 1.0  # the row's largest word is always fully coloured


def test_the_page_says_what_it_shows():
    page = render_comparison(
        ["vanilla", "attention iAT"],
        [rows([0.1, 0.8, 0.1]), rows([0.2, 0.2, 0.6], prediction="negative")],
        "t",
        measures=[
            {"accuracy": 0.8, "comprehensiveness_aopc_attention": 0.1},
            {"accuracy": 0.79, "comprehensiveness_aopc_attention": 0.12},
        ],
        order="different",
        data_file="data/rotten_tomatoes/test.jsonl",
        sources=["runs/a/model.tar.gz, seed 1", "runs/b/model.tar.gz, seed 1"],
    )
    assert "data/rotten_tomatoes/test.jsonl" in page and "seed 1" in page
    assert "Jensen-Shannon divergence" in page  # the sort order
    assert "comprehensiveness (attention)</th>" in page  # a readable header ...
    assert 'title="ERASER: how much' in page  # ... explained on hover
    assert "<dt>comprehensiveness (attention)</dt>" in page  # ... and under the table
    assert "✗ negative" in page and "differs from the gold label" in page  # the legend
    assert "220, 38, 38" not in page and "22, 128, 61" not in page  # no red/green pair
