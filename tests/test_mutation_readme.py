"""README's mutation table is the one of the last `make mutation` run (docs/mutation.txt)."""

from mutation_readme import BEGIN, END, ROOT, rewrite


def test_the_readme_shows_the_survival_rate_of_the_last_mutation_run():
    readme = (ROOT / "README.md").read_text()
    report = (ROOT / "docs" / "mutation.txt").read_text()
    assert rewrite(readme, report) == readme
    shown = readme[readme.index(BEGIN) : readme.index(END)]
    assert "perturbations" in shown and "%" in shown


def test_the_block_is_replaced_not_added():
    report = "title\npackage  run\nperturbations 10  5.0%\n\nsurviving ..."
    text = rewrite(f"a\n{BEGIN}\nold\n{END}\nb\n", report)
    assert text == f"a\n{BEGIN}\n```\ntitle\npackage  run\nperturbations 10  5.0%\n```\n{END}\nb\n"
