"""An archive with a member that would be extracted outside its folder is refused before extraction."""

import io
import os
import tarfile

import pytest
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from attnat_allennlp.commands.model_arguments import load_model
from attnat_allennlp.compat.archive_safety import UnsafeArchiveError, check_archive, extract_archive


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
        ("weights-link", "../../../etc/passwd", "is a symbolic link to '../../../etc/passwd'"),
        # A link whose target stays inside by its text is refused too: links chain (below).
        ("vocabulary/alias", "labels.txt", "is a symbolic link to 'labels.txt'"),
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
        load_model(Args)
    assert not list(tmp_path.rglob("escaped.txt"))


def test_a_trained_archive_passes(classifier_archive):
    check_archive(classifier_archive)
    assert type(load_archive(str(classifier_archive)).model).__name__ == "AttentionClassifier"


def _with_members(good, path, extra):
    """`good`'s members followed by `extra`: (name, kind, link target or bytes) triples."""
    with tarfile.open(good, "r:gz") as source, tarfile.open(path, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        for name, kind, payload in extra:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                target.addfile(info, io.BytesIO(payload))
            else:
                info.type = {
                    "dir": tarfile.DIRTYPE,
                    "sym": tarfile.SYMTYPE,
                    "hard": tarfile.LNKTYPE,
                    "fifo": tarfile.FIFOTYPE,
                    "chr": tarfile.CHRTYPE,
                }[kind]
                info.linkname = payload or ""
                target.addfile(info)
    return path


# The chain that passed the text-based check of links (issue 23): `a/b/up -> ..` stays inside by its
# text, `esc -> a/b/up/../..` too, yet the operating system resolves `esc` through `up` to the
# folder above the extraction folder; a file written under `esc/` lands outside. The second chain
# resolves to `/`. Both are refused at their first link.
CHAINS = {
    "one level out": [
        ("a/b", "dir", None),
        ("a/b/up", "sym", ".."),
        ("esc", "sym", "a/b/up/../.."),
        ("esc/escaped.txt", "file", b"written outside\n"),
    ],
    # `a/up -> ..` leads back to the top, so `a/up/a/up/...` is as deep by its text as it has parts
    # and at the top in fact; the `../` that follow stay inside by the text and climb to `/`.
    "to the root": [
        ("a", "dir", None),
        ("a/up", "sym", ".."),
        ("root", "sym", "a/up/" * 8 + "../" * 8),
        ("root/tmp/attnat-root-escaped.txt", "file", b"written at the root\n"),
    ],
}


@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_a_chain_of_links_is_refused_before_anything_is_extracted(
    classifier_archive, tmp_path, chain
):
    if os.path.exists("/tmp/attnat-root-escaped.txt"):  # left by an earlier, broken check
        os.remove("/tmp/attnat-root-escaped.txt")
    (tmp_path / "x" / "y").mkdir(parents=True)
    bad = _with_members(classifier_archive, tmp_path / "x" / "y" / "bad.tar.gz", CHAINS[chain])
    first_link = next(name for name, kind, _ in CHAINS[chain] if kind == "sym")
    with pytest.raises(UnsafeArchiveError, match=rf"its member '{first_link}' is a symbolic link"):
        load_archive(str(bad))
    with pytest.raises(UnsafeArchiveError, match=rf"its member '{first_link}' is a symbolic link"):
        Predictor.from_path(str(bad), "attnat_classifier")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not os.path.exists("/tmp/attnat-root-escaped.txt")


@pytest.mark.parametrize(
    "extra,problem",
    [
        ([("weights.th.copy", "hard", "weights.th")], "is a hard link to 'weights.th'"),
        ([("pipe", "fifo", None)], r"is a FIFO \(named pipe\)"),
        ([("tty", "chr", None)], "is a device file"),
    ],
)
def test_hard_links_fifos_and_devices_are_refused(classifier_archive, tmp_path, extra, problem):
    bad = _with_members(classifier_archive, tmp_path / "bad.tar.gz", extra)
    with pytest.raises(UnsafeArchiveError, match=rf"its member '{extra[0][0]}' {problem}"):
        load_archive(str(bad))


def test_extraction_itself_refuses_a_link_out_when_the_check_is_bypassed(
    classifier_archive, tmp_path, monkeypatch
):
    # Defence in depth: with `check_archive` switched off, tarfile's "data" filter still refuses
    # the chain, and nothing lands outside the extraction folder.
    from attnat_allennlp.compat import archive_safety

    monkeypatch.setattr(archive_safety, "check_archive", lambda archive_file: None)
    (tmp_path / "x" / "y").mkdir(parents=True)
    bad = _with_members(
        classifier_archive, tmp_path / "x" / "y" / "bad.tar.gz", CHAINS["one level out"]
    )
    folder = tmp_path / "x" / "y" / "out"
    folder.mkdir()
    with pytest.raises(UnsafeArchiveError, match="bad.tar.gz: refusing to load this model archive"):
        extract_archive(bad, folder)
    assert not list(tmp_path.rglob("escaped.txt"))
