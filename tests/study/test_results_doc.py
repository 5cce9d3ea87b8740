"""docs/results.md from a study's files: the readings of docs/claims.md, claim D from runs.csv,
the verdict, and a page that is the same byte for byte on every run."""

import json

import pytest

from attnat_allennlp.study import claims, results_doc
from attnat_allennlp.study.results import write_runs
from attnat_allennlp.study.spec import parse_study
from attnat_allennlp.study.summary import write_summary
from tests.study.test_protocol import TINY

# Per seed: vanilla, attention iAT and the released arm. Accuracy: iAT +0.05 every seed (supported);
# comprehensiveness: iAT -0.05 (refuted: the interval lies below +0.01); plausibility: +-0.04
# around 0 (not determined); attack accuracy: +0.003 every seed (supported, but the whole interval
# is below the smallest effect of interest, +0.01). The released arm: accuracy -0.02 - 0.001 seed
# against iAT.
SEEDS = [1, 2, 3, 4, 5]
NOISE = [0.04, -0.04, 0.03, -0.03, 0.0]


def _rows():
    rows = []
    for seed, noise in zip(SEEDS, NOISE):
        base = {
            "dataset": "tiny",
            "seed": seed,
            "phase": "seed",
            "validation_metric": "+auc",
            "best_validation": 0.9,
            "measured": True,
        }
        vanilla = {"accuracy": 0.80 + 0.002 * seed, "comprehensiveness_aopc_attention": 0.20}
        vanilla.update(attack_accuracy=0.50, plausibility_auprc_attention=0.30)
        iat = {
            "accuracy": vanilla["accuracy"] + 0.05 + 0.001 * seed,
            "comprehensiveness_aopc_attention": 0.15 + 0.001 * seed,
            "plausibility_auprc_attention": 0.30 + noise,
            "attack_accuracy": 0.503 + 0.0001 * seed,
        }
        released = dict(iat, accuracy=iat["accuracy"] - 0.02 - 0.001 * seed)
        vanilla.update(best_epoch=seed - 1, epochs_trained=seed + 2)  # allennlp's, from 0
        iat.update(best_epoch=9, epochs_trained=10)
        released.update(best_epoch=8 + seed % 2)
        rows += [
            {**base, "technique": "vanilla", "eps": None, **vanilla},
            {**base, "technique": "attention_iat", "eps": 1.0, **iat},
            {**base, "technique": "attention_iat_released", "eps": 1.0, **released},
        ]
    return rows


@pytest.fixture
def results(tmp_path):
    return _written(tmp_path, _rows())


def _written(tmp_path, rows):
    """A results folder holding the study of `rows` (under `sst`) and an anchors file."""
    study = parse_study(
        {
            "datasets": [TINY],
            "techniques": ["vanilla", "attention_iat", "attention_iat_released"],
            "eps": {"attention_iat": [1.0], "attention_iat_released": [1.0]},
            "primary": [
                "accuracy",
                "comprehensiveness_aopc_attention",
                "plausibility_auprc_attention",
                "attack_accuracy",
            ],
        }
    )
    directory = tmp_path / "results" / "sst"  # a folder results_doc knows
    directory.mkdir(parents=True)
    write_runs(str(directory / "runs.csv"), rows, study)
    write_summary(study, rows, str(directory))
    (tmp_path / "results" / "anchors.json").write_text(
        json.dumps({"name": "J&W", "datasets": {"tiny": {"accuracy": 0.808}}})
    )
    return tmp_path / "results"


def test_each_claim_is_read_by_the_rules_of_claims_md(results):
    page, readme = results_doc.build(str(results))
    assert "- **A, more accurate** (`accuracy`): supported (Δ +0.053" in page
    assert "- **F, more faithful attention** (`comprehensiveness_aopc_attention`): refuted" in page
    assert (
        "- **P, more plausible attention** (`plausibility_auprc_attention`): not determined" in page
    )
    assert (
        "- **R, more robust to the word-substitution attack** (`attack_accuracy`): "
        "supported, below the smallest effect of interest (Δ +0.003" in page
    )
    # the anchor row, from anchors.json
    assert "| *J&W (anchor)* | - | - | 0.808 |" in page
    assert "- **more accurate**: holds — supported on 1: tiny (A, Δ +0.053 [" in readme
    assert (
        "- **more interpretable (faithful, plausible)**: does not hold — supported on 0; "
        "refuted on 1: tiny (F, Δ -0.047 [" in readme
    )
    assert "- **more robust (attack)**: holds — supported on 1: tiny (R, Δ +0.003 [" in readme
    assert "not determined on 1: tiny (P, Δ +0.000 [" in readme


def test_the_brief_says_what_the_study_of_the_same_data_found(results, tmp_path):
    text = results_doc.brief(str(results), "sst")
    assert text.startswith("One seed is an example, not evidence. What the 5-seed study")
    assert "- **A, more accurate** (`accuracy`): supported (Δ +0.053" in text
    assert "has not run under the protocol yet" in results_doc.brief(str(results), "20news")


def test_claim_d_pairs_the_released_arm_with_iat_by_seed(results):
    page, _ = results_doc.build(str(results))
    # released - iAT = -0.02 - 0.001 * seed: mean -0.023, every pair below 0
    assert (
        "- **D, the released code's step** (`accuracy`, attention_iat_released - "
        "attention_iat, 5 seeds): differs (Δ -0.023 [" in page
    )
    # comprehensiveness is the same in both arms: a zero-width interval at 0
    assert (
        "(`comprehensiveness_aopc_attention`, attention_iat_released - attention_iat, "
        "5 seeds): same within the interval (Δ +0.000 [+0.000, +0.000])" in page
    )


def test_a_row_with_fewer_seeds_says_so(results, tmp_path):
    runs = (results / "sst" / "runs.csv").read_text().splitlines()
    study = parse_study(
        {
            "datasets": [TINY],
            "techniques": ["vanilla", "attention_iat"],
            "eps": {"attention_iat": [1.0]},
            "seeds": [1, 2, 3],
        }
    )
    rows = [r for r in _rows() if r["seed"] <= 3 and r["technique"] != "attention_iat_released"]
    write_summary(study, rows, str(results / "sst"))
    page, _ = results_doc.build(str(results))
    assert "| attention_iat | 1.0 | 3 (of 5) |" in page
    assert runs  # the runs file was there


def test_the_page_is_the_same_byte_for_byte_and_check_says_when_it_is_stale(results, tmp_path):
    output, readme = tmp_path / "results.md", tmp_path / "README.md"
    readme.write_text(f"intro\n{results_doc.BEGIN_README}\nold\n{results_doc.END_README}\nend\n")
    arguments = ["--results-dir", str(results), "--output", str(output), "--readme", str(readme)]
    assert results_doc.main(arguments) == 0
    first = output.read_bytes()
    assert results_doc.main(arguments + ["--check"]) == 0
    assert results_doc.main(arguments) == 0 and output.read_bytes() == first
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("end\n") and "\nold\n" not in text
    output.write_text(first.decode().replace("supported", "SUPPORTED"))
    assert results_doc.main(arguments + ["--check"]) == 1


def test_the_committed_page_is_what_the_committed_files_give():
    assert results_doc.main(["--check"]) == 0


def test_attention_of_iat_is_set_against_the_attributions_of_vanilla(tmp_path):
    # vanilla's integrated gradients: comprehensiveness 0.30 + 0.01 * seed; iAT's attention
    # 0.25 + 0.01 * seed + noise: paired difference -0.05 on average (noise sums to 0)
    study = parse_study(
        {"datasets": [TINY], "techniques": ["vanilla", "attention_iat"], "scope": "only two"},
        "tiny.jsonnet",
    )
    rows = []
    for seed, noise in zip(SEEDS, NOISE):
        base = {"dataset": "tiny", "seed": seed, "phase": "seed", "measured": True}
        rows += [
            {
                **base,
                "technique": "vanilla",
                "eps": None,
                "accuracy": 0.8,
                "comprehensiveness_aopc_attention": 0.2,
                "comprehensiveness_aopc_integrated_gradients": 0.30 + 0.01 * seed,
                "comprehensiveness_aopc_gradient": 0.10,
            },
            {
                **base,
                "technique": "attention_iat",
                "eps": None,
                "accuracy": 0.8,
                "comprehensiveness_aopc_attention": 0.25 + 0.01 * seed + noise,
            },
        ]
    directory = tmp_path / "results" / "sst"
    directory.mkdir(parents=True)
    write_runs(str(directory / "runs.csv"), rows, study)
    write_summary(study, rows, str(directory))
    (directory / "study.json").write_text(json.dumps({"scope": "only two"}))
    page, _ = results_doc.build(str(tmp_path / "results"))
    assert "runs recorded. **What was left out:** only two" in page
    assert "| vanilla: integrated gradients (Captum) | 0.330 |" in page
    assert "| vanilla: gradient, attention detached | 0.100 |" in page
    assert "| attention_iat: attention | 0.280 |" in page
    assert (
        "- comprehensiveness AOPC (higher is better): attention_iat's attention − vanilla's "
        "integrated gradients (Captum): Δ -0.050 [" in page
    )
    assert "attention − vanilla's gradient, attention detached: Δ +0.180 [" in page


def test_a_technique_is_read_at_the_eps_its_summary_chose_and_not_before():
    from attnat_allennlp.study.results_explanations import chosen_values

    runs = [
        {"dataset": "d", "technique": "attention_iat", "eps": "1.0", "seed": "1", "m": "0.1"},
        {"dataset": "d", "technique": "attention_iat", "eps": "5.0", "seed": "1", "m": "0.5"},
        {"dataset": "d", "technique": "vanilla", "eps": "", "seed": "1", "m": "0.3"},
    ]
    # the grid still running: no eps chosen, no row in the summary, no values
    assert chosen_values(runs, [], "d", "attention_iat", "m") == {}
    summary = [
        {"dataset": "d", "technique": "attention_iat", "eps": "5.0"},
        {"dataset": "d", "technique": "vanilla", "eps": ""},
    ]
    assert chosen_values(runs, summary, "d", "attention_iat", "m") == {1: 0.5}
    assert chosen_values(runs, summary, "d", "vanilla", "m") == {1: 0.3}


def test_an_eps_chosen_at_the_grids_edge_is_marked(results):
    (results / "sst" / "study.json").write_text(json.dumps({"eps": {"attention_iat": [0.5, 1.0]}}))
    page, _ = results_doc.build(str(results))
    assert "| attention_iat | 1.0 (grid's edge) | 5 |" in page
    (results / "sst" / "study.json").write_text(json.dumps({"eps": {"attention_iat": [0.5, 1, 2]}}))
    page, _ = results_doc.build(str(results))
    assert "| attention_iat | 1.0 | 5 |" in page


def test_a_refuted_claim_brings_what_was_checked_and_how_the_setup_differs(results):
    page, _ = results_doc.build(str(results))  # comprehensiveness is refuted in the fixture
    assert claims.DISAGREEMENT + " No study has varied any of these yet." in page
    summary = results / "sst" / "summary.csv"
    summary.write_text(summary.read_text().replace("comprehensiveness", "other_measure"))
    page, _ = results_doc.build(str(results))
    assert "refuted (" not in page and claims.DISAGREEMENT not in page


def test_each_seeds_accuracy_and_best_epoch_are_shown_in_seed_order_at_the_chosen_eps(results):
    page, _ = results_doc.build(str(results))
    assert (
        "Test accuracy of each seed, in seed order (at the chosen eps): "
        "vanilla 0.802, 0.804, 0.806, 0.808, 0.810; "
        "attention_iat 0.853, 0.856, 0.859, 0.862, 0.865; "
        "attention_iat_released 0.832, 0.834, 0.836, 0.838, 0.840.\n\n"
        # and the epoch of each one's best, counted from 1, with the epochs it trained
        "The epoch of each seed's best validation score, counted from 1, of the epochs it "
        "trained: vanilla 1 of 3, 2 of 4, 3 of 5, 4 of 6, 5 of 7; "
        "attention_iat 10 of 10, 10 of 10, 10 of 10, 10 of 10, 10 of 10; "
        "attention_iat_released 10, 9, 10, 9, 10. "
        "5 of these 10 runs had their best at their last epoch: they were still improving"
    ) in page


def test_the_eps_plot_is_linked_only_where_the_study_drew_one(results):
    page, _ = results_doc.build(str(results))
    assert "eps_tiny.png" not in page and "(no eps choice: every technique at one eps)" in page
    (results / "sst" / "eps_tiny.png").write_bytes(b"png")
    page, _ = results_doc.build(str(results))
    assert "the eps choice on dev: [eps_tiny.png](results/sst/eps_tiny.png)." in page


def test_where_two_studies_of_one_dataset_ran_the_verdict_reads_the_later_one(results):
    # sst_all follows sst in STUDIES; its iAT is 0.05 *less* accurate than vanilla on every seed
    study = parse_study(
        {
            "datasets": [TINY],
            "techniques": ["vanilla", "attention_iat"],
            "eps": {"attention_iat": [1.0]},
            "primary": ["accuracy"],
        }
    )
    rows = []
    for row in _rows():
        if row["technique"] == "attention_iat":
            vanilla = rows[-1]["accuracy"]
            row = dict(row, accuracy=vanilla - 0.05 - 0.001 * row["seed"])
        if row["technique"] != "attention_iat_released":
            rows.append(row)
    later = results / "sst_all"
    later.mkdir()
    write_runs(str(later / "runs.csv"), rows, study)
    write_summary(study, rows, str(later))
    page, readme = results_doc.build(str(results))
    # both studies keep their tables and readings
    assert "- **A, more accurate** (`accuracy`): supported (Δ +0.053" in page
    assert "- **A, more accurate** (`accuracy`): refuted (Δ -0.053" in page
    # the verdict reads the later study's
    assert (
        "- **more accurate**: does not hold — supported on 0; refuted on 1: tiny (A, Δ -0.053"
        in readme
    )


def test_a_secondary_study_is_shown_and_the_verdict_does_not_read_it(results):
    import shutil

    _, before = results_doc.build(str(results))
    shutil.copytree(results / "sst", results / "rt_polarity_matched_eps")
    (results / "sst" / "summary.csv").unlink()  # only the secondary study of the dataset ran
    page, readme = results_doc.build(str(results))
    assert "## rt-polarity, attention RP, AT and iAT at one eps" in page
    assert "- **A, more accurate** (`accuracy`): supported (Δ +0.053" in page
    assert "- **more accurate**: not tested yet." in readme and readme != before


def test_the_disagreement_names_what_a_study_that_ran_has_varied(results):
    import shutil

    page, _ = results_doc.build(str(results))
    assert "Varied so far" not in page
    shutil.copytree(results / "sst", results / "babi1_100_epochs")
    page, _ = results_doc.build(str(results))
    assert (
        claims.DISAGREEMENT + " Varied so far: the training length on bAbI 1 (Jain & "
        "Wallace's 100 epochs, no early stopping; its section below). No study has varied the "
        "others yet." in page
    )


def test_claim_r_is_not_measured_where_the_attack_changed_no_word(tmp_path):
    """bAbI: every question word is a stop word or in the story, so one query per example."""
    rows = _rows()
    for row in rows:
        row["attack_queries"] = 1.0
    page, readme = results_doc.build(str(_written(tmp_path, rows)))
    assert (
        "- **R, more robust to the word-substitution attack** (`attack_accuracy`): not measured: "
        "the attack found no word it may change (`attack_queries` is 1," in page
    )
    assert (
        "- **more robust (attack)**: not tested yet; not measured on 1: "
        "tiny (R, the attack found no word it may change)." in readme
    )
    # one run of vanilla that did change a word: the attack measured something, R is read
    rows[0]["attack_queries"] = 3.0
    page, readme = results_doc.build(str(_written(tmp_path / "again", rows)))
    assert "(`attack_accuracy`): supported, below the smallest effect of interest" in page
    assert "- **more robust (attack)**: holds — supported on 1: tiny (R, " in readme


def test_iat_is_set_against_rp_and_at_where_they_ran_at_its_eps(tmp_path):
    study = parse_study(
        {
            "datasets": [TINY],
            "techniques": ["vanilla", "attention_rp", "attention_iat"],
            "eps": {"attention_rp": [1.0], "attention_iat": [1.0]},
            "primary": ["accuracy"],
        }
    )
    rows = [
        dict(row, technique="attention_rp")  # iAT's accuracy - 0.02 - 0.001 x seed
        if row["technique"] == "attention_iat_released"
        else row
        for row in _rows()
    ]
    directory = tmp_path / "results" / "rt_polarity_matched_eps"
    directory.mkdir(parents=True)
    write_runs(str(directory / "runs.csv"), rows, study)
    write_summary(study, rows, str(directory))
    page, _ = results_doc.build(str(tmp_path / "results"))
    assert "Attention iAT against the other directions at the same eps (1), seed-paired" in page
    # iAT - RP: 0.02 + 0.001 x seed on every seed, so a mean of +0.023
    assert "- `accuracy`: attention_iat − attention_rp: Δ +0.023 [+0.021, +0.025], 5 seeds" in page
    # RP at another eps than iAT's: no comparison
    study.eps["attention_rp"] = [2.0]
    for row in rows:
        if row["technique"] == "attention_rp":
            row["eps"] = 2.0
    write_runs(str(directory / "runs.csv"), rows, study)
    write_summary(study, rows, str(directory))
    page, _ = results_doc.build(str(tmp_path / "results"))
    assert "other directions at the same eps" not in page
