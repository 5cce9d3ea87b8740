import csv

from attnat_allennlp.study.results import write_runs
from attnat_allennlp.study.tables import grid_table, holm_line, summary_table

SUMMARY_COLUMNS = (
    "dataset,technique,eps,eps_choice,measure,n,mean,std,vanilla_mean,difference,pairs,p_value"
)


def _summary(path, rows):
    with open(path / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_COLUMNS.split(","))
        writer.writerows(rows)


def test_summary_table_cells_and_missing_measures(tmp_path):
    _summary(
        tmp_path,
        [
            ["d", "vanilla", "", "-", "accuracy", 3, 0.82666, 0.0039, 0.82666, "", 0, ""],
            ["d", "vanilla", "", "-", "loo_pearson", 3, "", "", "", "", 0, ""],
            [
                "d",
                "attention_iat",
                0.5,
                "dev",
                "accuracy",
                3,
                0.8151,
                0.0021,
                0.82666,
                -0.0115,
                3,
                0.0712,
            ],
        ],
    )
    table = summary_table(str(tmp_path), ["accuracy", "loo_pearson"]).splitlines()
    assert table[0] == "| technique | eps | seeds | accuracy | loo_pearson |"
    assert table[2] == "| vanilla | - | 3 | 0.827 ± 0.004 | — |"
    assert table[3] == "| attention_iat | 0.5 | 3 | 0.815 ± 0.002 (p=0.071) | — |"


def test_grid_table_keeps_the_selection_seed_and_vanilla(tmp_path):
    base = {"dataset": "d", "best_validation": 0.9, "accuracy": 0.8}
    write_runs(
        str(tmp_path / "runs.csv"),
        [
            {**base, "technique": "vanilla", "eps": None, "seed": 1, "phase": "seed"},
            {**base, "technique": "vanilla", "eps": None, "seed": 2, "phase": "seed"},
            {**base, "technique": "attention_at", "eps": 0.5, "seed": 1, "phase": "grid"},
            {**base, "technique": "attention_at", "eps": 0.5, "seed": 2, "phase": "seed"},
        ],
    )
    lines = grid_table(str(tmp_path)).splitlines()
    assert sorted(line.split(" | ")[:2] for line in lines[2:]) == [
        ["| attention_at", "0.5"],
        ["| vanilla", "-"],
    ]
    assert lines[2].startswith("| attention_at | 0.5 | 0.900 | 0.800 | — |")


def test_summary_table_shows_the_interval_and_holm_p_where_the_summary_has_them(tmp_path):
    columns = SUMMARY_COLUMNS + ",ci_low,ci_high,p_holm"
    with open(tmp_path / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns.split(","))
        writer.writerow(
            [
                "d",
                "at",
                1,
                "dev",
                "accuracy",
                5,
                0.8,
                0.01,
                0.79,
                0.01,
                5,
                0.02,
                -0.002,
                0.022,
                0.08,
            ]
        )
        writer.writerow(
            ["d", "at", 1, "dev", "entropy", 5, 1.5, 0.1, 1.6, -0.1, 5, 0.03, -0.2, 0.0, ""]
        )
    (row,) = summary_table(str(tmp_path), ["accuracy", "entropy"]).splitlines()[2:]
    assert "0.800 ± 0.010; Δ +0.010 [-0.002, +0.022] (p_Holm=0.08)" in row
    assert "1.500 ± 0.100; Δ -0.100 [-0.200, +0.000] (p=0.03)" in row


def test_holm_line_counts_the_table_family(tmp_path):
    # Three p-values in the table's measures, one outside: Holm over the three by hand,
    # 0.01 * 3 = 0.03, max(0.03, 0.02 * 2) = 0.04, max(0.04, 0.3) = 0.3.
    row = ["d", "t", 1, "dev", "accuracy", 3, 0.8, 0.01, 0.7, 0.1, 3]
    _summary(
        tmp_path,
        [
            ["d", "vanilla", "", "-", "accuracy", 3, 0.7, 0.01, 0.7, "", 0, ""],
            row[:1] + ["a"] + row[2:] + [0.01],
            row[:1] + ["b"] + row[2:] + [0.02],
            row[:1] + ["c"] + row[2:4] + ["auc"] + row[5:] + [0.3],
            row[:1] + ["c"] + row[2:4] + ["entropy"] + row[5:] + [0.001],
        ],
    )
    line = holm_line(str(tmp_path), ["accuracy", "auc"])
    assert line.startswith("3 comparisons against vanilla in the table; 2 with raw p < 0.05;")
    assert "2 survive Holm's correction over the 3 (smallest adjusted p 0.03): a accuracy" in line
    assert line.endswith("b accuracy")
    assert "0 survive" in holm_line(str(tmp_path), ["accuracy", "auc"], level=0.02)
