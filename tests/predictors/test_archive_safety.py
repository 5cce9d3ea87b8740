"""An archive with a member that would be extracted outside its folder is refused before extraction."""

import io
import tarfile

import pytest
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from attnat_allennlp.archive_safety import UnsafeArchiveError, check_archive
from attnat_allennlp.interpret.commands import _load


def crafted(good, path, name="../../escaped.txt", link=None):
    """`good`'s members plus one named `name` (a file, or a symbolic link to `link`)."""
    with tarfile.open(good, "r:gz") as source, tarfile.open(path, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        extra = tarfile.TarInfo(name)
        if link is None:
            data = b"written outside\n"
            extra.size = len(data)
            target.addfile(extra, io.BytesIO(data))
        else:
            extra.type = tarfile.SYMTYPE
            extra.linkname = link
            target.addfile(extra)
    return path


@pytest.mark.parametrize(
    "name,link,problem",
    [
        ("../../escaped.txt", None, "would be written outside the folder"),
        ("/tmp/attnat-absolute-escaped.txt", None, "would be written outside the folder"),
        ("weights-link", "../../../etc/passwd", "is a link to '../../../etc/passwd'"),
    ],
)
def test_every_archive_load_refuses_a_member_outside_the_folder(
    classifier_archive, tmp_path, name, link, problem
):
    (tmp_path / "a" / "b").mkdir(parents=True)
    bad = crafted(classifier_archive, tmp_path / "a" / "b" / "bad.tar.gz", name, link)
    message = rf"bad.tar.gz: refusing to load this model archive: its member '{name}' {problem}"
    with pytest.raises(UnsafeArchiveError, match=message):
        check_archive(bad)
    # allennlp's own loader (predict, evaluate) and this package's commands all go through it.
    with pytest.raises(UnsafeArchiveError, match=message):
        load_archive(str(bad))
    with pytest.raises(UnsafeArchiveError, match=message):
        Predictor.from_path(str(bad), "attnat_classifier")

    class Args:
        archive_file, cuda_device, overrides = str(bad), -1, ""

    with pytest.raises(UnsafeArchiveError, match=message):
        _load(Args)
    assert not list(tmp_path.rglob("escaped.txt"))


def test_a_trained_archive_passes(classifier_archive):
    check_archive(classifier_archive)
    assert type(load_archive(str(classifier_archive)).model).__name__ == "AttentionClassifier"
