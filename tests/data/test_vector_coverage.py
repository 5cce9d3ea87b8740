"""The vocabulary's vector coverage of docs/datasets.md: counted as training counts it."""

import gzip

from attnat_allennlp.data import vector_coverage


def test_coverage_counts_types_and_tokens_of_the_vocabulary_only():
    counts = {"the": 10, "game": 4, "puck": 2, "zzyzx": 2, "rare": 1}
    result = vector_coverage.coverage(counts, min_count=2, words={"the", "game", "rare"})
    # "rare" is under min_count: not in the vocabulary, its vector does not count
    assert result == {
        "types": 4,
        "types_without_vector": 2,
        "type_coverage": 0.5,
        "token_coverage": round(14 / 18, 4),
    }


def test_vector_words_reads_the_first_field_of_gzip_and_plain_files(tmp_path):
    lines = "the 0.1 0.2\ngame -0.3 0.4\n"
    (tmp_path / "v.txt").write_text(lines)
    with gzip.open(tmp_path / "v.txt.gz", "wt") as handle:
        handle.write(lines)
    assert vector_coverage.vector_words(str(tmp_path / "v.txt")) == {"the", "game"}
    assert vector_coverage.vector_words(str(tmp_path / "v.txt.gz")) == {"the", "game"}


def test_the_doc_table_is_rewritten_between_its_markers(tmp_path):
    doc = tmp_path / "datasets.md"
    doc.write_text(f"before\n{vector_coverage.BEGIN}\nold\n{vector_coverage.END}\nafter\n")
    row = {
        "types": 6201,
        "types_without_vector": 1357,
        "type_coverage": 0.78,
        "token_coverage": 0.8548,
    }
    full = dict(row, types_without_vector=451, token_coverage=0.9916)
    result = {"datasets": {"20news": {"min_count": 2, "subset": row, "full": full}}}
    vector_coverage.write_doc(result, doc)
    text = doc.read_text()
    assert "| 20news | 6,201 (2) | 1,357 | 451 | 85.5% / 99.2% |" in text
    assert text.startswith("before\n") and text.endswith("after\n") and "\nold\n" not in text
