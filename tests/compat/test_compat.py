"""The allennlp 2.10.1 workarounds of `attnat_allennlp.compat`: installed once, by the entry point
only, and for allennlp 2.10.1 only."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import allennlp
import pytest
import torch
from allennlp.commands import predict
from allennlp.common import params
from allennlp.common.checks import ConfigurationError
from allennlp.models import archival
from allennlp.modules.token_embedders import Embedding

from attnat_allennlp import compat
from attnat_allennlp.compat import newsgroups_text
from attnat_allennlp.compat.embedding_projection import embedding_projection
from attnat_allennlp.compat.jsonnet_library import LIBRARY

ROOT = Path(__file__).resolve().parents[2]

# The allennlp functions the workarounds replace: (object, attribute).
PATCHED = {
    "extracted_archive": (archival, "extracted_archive"),
    "evaluate_file": (params, "evaluate_file"),
    "_get_json_data": (predict._PredictManager, "_get_json_data"),
    "run": (predict._PredictManager, "run"),
}


@pytest.fixture
def untouched(monkeypatch):
    """allennlp as if no workaround were installed: each patched function is a plain stand-in."""

    def stand_in(name):
        def function(*args, **kwargs):
            if not hasattr(function, "calls"):
                raise AssertionError(f"stand-in {name} called")
            function.calls.append((args, kwargs))

        return function

    originals = {}
    for name, (owner, attribute) in PATCHED.items():
        originals[name] = stand_in(name)
        monkeypatch.setattr(owner, attribute, originals[name])
    return originals


def _current():
    return {name: getattr(owner, attribute) for name, (owner, attribute) in PATCHED.items()}


def test_another_allennlp_version_is_left_untouched_with_a_warning(untouched, monkeypatch, caplog):
    monkeypatch.setattr(allennlp, "__version__", "2.11.0")
    with caplog.at_level(logging.WARNING, logger="attnat_allennlp.compat.guard"):
        compat.install()
    assert _current() == untouched
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # One warning a workaround: archive, Jsonnet library, predict's input, the vocabulary, the
    # embedding's projection.
    assert len(warnings) == 5
    for fragment in (
        "allennlp.models.archival.extracted_archive",
        "allennlp.common.params.evaluate_file",
        "allennlp.commands.predict._PredictManager",
        "allennlp.data.vocabulary.Vocabulary._extend",
        "allennlp.modules.token_embedders.Embedding._projection",
    ):
        assert sum(fragment in w for w in warnings) == 1, fragment
    assert all("written for allennlp 2.10.1, and this is allennlp 2.11.0" in w for w in warnings)


def test_install_replaces_each_function_once(untouched, caplog):
    with caplog.at_level(logging.WARNING):
        compat.install()
    first = _current()
    assert all(first[name] is not untouched[name] for name in PATCHED)
    compat.install()
    assert _current() == first  # a second call wraps nothing again
    assert not [r for r in caplog.records if r.name.startswith("attnat_allennlp.compat")]
    # Installed twice, the Jsonnet wrapper calls allennlp's function once, adding the library.
    calls = []
    untouched["evaluate_file"].calls = calls
    params.evaluate_file("config.jsonnet", ext_vars={})
    assert calls == [(("config.jsonnet",), {"ext_vars": {}, "jpathdir": str(LIBRARY)})]


_CHECK = """
import json, sys, types, importlib, pkgutil
root = sys.argv[1]
entry = sys.argv[2] == "entry"
if entry:
    import attnat_allennlp
else:
    # The package without its entry point: every submodule imported, `__init__` not run.
    package = types.ModuleType("attnat_allennlp")
    package.__path__ = [root + "/attnat_allennlp"]
    sys.modules["attnat_allennlp"] = package
    for info in pkgutil.walk_packages(package.__path__, "attnat_allennlp."):
        importlib.import_module(info.name)
import _jsonnet
from allennlp.commands import predict
from allennlp.common import params
from allennlp.common.checks import ConfigurationError
from allennlp.models import archival
from allennlp.modules.token_embedders import Embedding
print(json.dumps({
    "extracted_archive": archival.extracted_archive.__module__,
    "evaluate_file": params.evaluate_file is _jsonnet.evaluate_file,
    "_get_json_data": predict._PredictManager._get_json_data.__module__,
    "run": predict._PredictManager.run.__module__,
}))
"""


def _patched_in_fresh_process(mode: str):
    result = subprocess.run(
        [sys.executable, "-c", _CHECK, str(ROOT), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "mode, expected",
    [
        (
            "modules",
            {
                "extracted_archive": "allennlp.models.archival",
                "evaluate_file": True,
                "_get_json_data": "allennlp.commands.predict",
                "run": "allennlp.commands.predict",
            },
        ),
        (
            "entry",
            {
                "extracted_archive": "attnat_allennlp.compat.archive_safety",
                "evaluate_file": False,
                "_get_json_data": "attnat_allennlp.compat.predict_manager",
                "run": "attnat_allennlp.compat.predict_manager",
            },
        ),
    ],
)
def test_only_the_entry_point_installs(mode, expected):
    # "modules": importing every module of the package but its `__init__` (the predictors among
    # them) leaves allennlp as it is; "entry": importing the plugin installs every workaround.
    assert _patched_in_fresh_process(mode) == expected


POSTS = [
    "From: a@b.c\nSubject: hi\n\nIn article <1@x> b@c.d writes:\n> quoted\n| also quoted\n"
    "Body line.\nMore body.\n\n--\nSignature line\n",
    "no headers and no blank line",
    "Header: x\n\nbody only\n\n\n",
    "H: y\n\nfirst\n----------\nsig\n",
    "H: y\n\nAn answer. Quoted from the FAQ:\nand then\n   \n",
]


@pytest.mark.parametrize("name", ["header", "footer", "quoting"])
def test_the_newsgroup_functions_are_scikit_learns(name):
    twenty = pytest.importorskip("sklearn.datasets._twenty_newsgroups")
    ours = getattr(newsgroups_text, f"strip_newsgroup_{name}")
    theirs = getattr(twenty, f"strip_newsgroup_{name}")
    for post in POSTS:
        assert ours(post) == theirs(post), post


@pytest.mark.parametrize("projection_dim", [None, 3])
def test_the_embedding_projection_is_the_layer_its_forward_applies(projection_dim):
    embedding = Embedding(embedding_dim=4, num_embeddings=6, projection_dim=projection_dim)
    projection = embedding_projection(embedding)
    if projection_dim is None:
        assert projection is None
        return
    ids = torch.tensor([[1, 2, 5]])
    looked_up = torch.nn.functional.embedding(ids, embedding.weight)
    torch.testing.assert_close(embedding(ids), projection(looked_up))


def test_an_embedding_without_the_private_projection_is_an_error_naming_it(monkeypatch):
    embedding = Embedding(embedding_dim=4, num_embeddings=6)
    del embedding._projection
    monkeypatch.setattr(allennlp, "__version__", "2.11.0")
    with pytest.raises(
        ConfigurationError, match=r"allennlp 2\.11\.0's Embedding has no _projection"
    ):
        embedding_projection(embedding)
