"""Every committed study file under studies/ reads (its configs build), and a scope is text."""

import glob
import os

import pytest
from allennlp.common.checks import ConfigurationError

from attnat_allennlp.study.spec import parse_study, read_study
from tests.helpers import REPO_ROOT
from tests.study.test_protocol import TINY

STUDY_FILES = sorted(glob.glob(os.path.join(REPO_ROOT, "studies", "*.jsonnet")))


def test_there_are_study_files():
    names = {os.path.basename(path) for path in STUDY_FILES}
    assert {
        "sst.jsonnet",
        "sst_all.jsonnet",
        "rt_polarity.jsonnet",
        "babi1.jsonnet",
        "babi_all.jsonnet",
        "20news_all.jsonnet",
    } <= names


@pytest.mark.parametrize("path", STUDY_FILES, ids=os.path.basename)
def test_each_committed_study_file_reads(path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    study = read_study(os.path.relpath(path, REPO_ROOT))
    assert study.first_runs()
    # a study that leaves out part of the papers' table says what, in its scope
    if os.path.exists(path.replace(".jsonnet", "_all.jsonnet")):
        assert study.scope


def test_a_scope_is_text_with_its_white_space_folded():
    raw = {"datasets": [TINY], "techniques": ["vanilla"]}
    assert parse_study({**raw, "scope": " cut\n  for  time "}).scope == "cut for time"
    with pytest.raises(ConfigurationError, match="scope must be a string"):
        parse_study({**raw, "scope": ["cut"]})
