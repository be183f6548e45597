"""Tables and summaries built from recorded runs and predictions."""
import importlib

import pytest
from scipy import stats as scipy_stats
import torch

from mnist_lib import report
from mnist_lib.report import (HELD_OUT, LABELS, SEED_COLUMNS, bar_text, spread_texts, compare_runs, comparison_text,
                              confusion_matrix, confusion_rows, html_table, layout_note, markdown_table,
                              misread_rows, model_costs, run_row, run_rows, seed_group_rows,
                              table_cells)
from crafted import crafted_run
from mnist_lib.target import TARGET_ACCURACY


def history(test_accs, params=7000, **meta):
    return crafted_run(test_accs, params=params, **meta)


def test_run_row_reads_every_figure_off_the_history():
    accs = [98.0] * 8 + [99.41, 99.3, 99.45, 99.42, 99.5, 99.39, 99.44]  # first at the bar in epoch 9
    row = run_row(history(accs, model="Model_6", seed=3), "step 8")
    assert row == {"run": "step 8", "model": "Model_6", "seed": 3, "parameters": 7000, "epochs": 15,
                   "best_train": 99.0, "best_test": 99.5, "last5_mean": pytest.approx(99.44),
                   "last5_min": 99.39, "first_at": 9, "met": False, "seconds_per_epoch": 1.0}
    assert run_row(history([99.0] * 10 + [99.4] * 5, model="Model_6"))["run"] == "Model_6"  # unnamed: its model
    met = run_row(history([99.0] * 10 + [99.4] * 5))
    assert (met["last5_min"], met["first_at"], met["met"]) == (99.4, 11, True)
    never = run_row(history([99.0] * 15))
    assert (never["first_at"], never["met"]) == (None, False)


def test_run_rows_name_each_row_by_its_key_in_order():
    rows = run_rows({2: history([99.0] * 15, seed=2), 1: history([99.5] * 15, seed=1)})
    assert [(row["run"], row["seed"], row["met"]) for row in rows] == [(2, 2, False), (1, 1, True)]


def test_model_costs_count_the_built_model():
    assert model_costs("Model_6") == {"macs": 1_082_546, "receptive_field": 28}  # as chapter 10's table shows them


def test_every_column_set_is_labelled_and_keeps_the_readers_order():
    row = run_row(history([99.0] * 10 + [99.4] * 5, model="Model_6", seed=1), "a")
    rows = [row | {"macs": 1234567, "receptive_field": 28}]  # as model_costs adds them
    assert table_cells(rows, ("run", "macs", "receptive_field", "seconds_per_epoch")) == (
        ["run", "MACs", "RF", "s / epoch"], [["a", "1,234,567", "28", "1.0"]])
    assert table_cells(rows, SEED_COLUMNS) == (["seed", "best train %", "best test %", "last-5 min %",
                                                f"first epoch ≥ {TARGET_ACCURACY:.2f} %", "target met"],
                                               [["1", "99.00", "99.40", "99.40", "11", "yes"]])
    held_out = table_cells(rows, SEED_COLUMNS, labels=HELD_OUT)[0]
    assert held_out[2:4] == ["best held-out %", "last-5 min held-out %"] and held_out[1] == "best train %"


def test_the_first_at_header_follows_the_target(monkeypatch):
    assert LABELS["first_at"] == f"first epoch ≥ {TARGET_ACCURACY:.2f} %"
    monkeypatch.setattr("mnist_lib.target.TARGET_ACCURACY", 99.5)
    try:  # the labels are built when report is imported, so import it again under the moved target
        assert importlib.reload(report).markdown_table([{"first_at": 3}]).startswith("| first epoch ≥ 99.50 % |")
    finally:
        monkeypatch.undo()
        importlib.reload(report)


def test_the_bar_is_met_or_missed_with_the_reach_of_the_interval():
    assert bar_text(9, 10) == bar_text(20, 20) == "meets the bar"
    assert bar_text(16, 20) == "falls short of the bar, though its 95 % interval still reaches it"  # 58-92 %
    assert bar_text(3, 5) == "falls short of the bar, and its 95 % interval does not reach it"  # 23-88 %


def test_the_spread_of_the_seeds_says_how_far_the_mean_sits_above_the_bar():
    runs = {seed: history([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.40, 99.50, 99.60), 1)}
    # mean 99.50, standard deviation 0.10: one deviation above 99.40; 99.40 + 1.2816 x 0.10 puts 9 in 10 above it
    assert spread_texts(runs) == {"sd": "0.10 points", "spread": "0.20 points", "margin": "1.0 standard deviations",
                                  "needed": "99.53 %", "against_needed": "0.03 points below it"}
    higher = {seed: history([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.50, 99.60, 99.70), 1)}
    assert spread_texts(higher)["against_needed"] == "0.07 points above it"  # 99.60 against 99.53


def test_the_runs_computed_contiguous_are_named_beneath_their_table():
    def run(channels_last):
        return history([99.0] * 15, config={"channels_last": channels_last})

    legacy = history([99.0] * 15, config={})  # recorded before the field existed: contiguous
    assert layout_note({1: run(True), 2: run(True)}) is None
    assert layout_note({1: run(True), 2: legacy}) == ("Computed in the contiguous memory layout: seed 2; the others "
                                                      "channels-last. The layout changes the order of the sums, not "
                                                      "the recipe.")
    assert layout_note({1: legacy, 2: run(False)}) == "Every run was computed in the contiguous memory layout."
    groups = {"a": {1: run(False), 2: run(False)}, "b": {1: run(False), 2: run(True), 3: run(False)},
              "c": {1: run(True)}}
    assert layout_note(groups).startswith("Computed in the contiguous memory layout: a (every seed); b seeds 1, 3; "
                                          "the others channels-last.")


def test_confusion_rows_list_the_commonest_mistakes_first():
    labels = torch.tensor([0, 1, 2, 2, 9, 9, 9, 4])
    preds = torch.tensor([0, 1, 3, 2, 4, 4, 7, 9])
    rows = confusion_rows(labels, preds, top=2)
    assert rows == [{"true_digit": 9, "read_as": 4, "count": 2}, {"true_digit": 4, "read_as": 9, "count": 1}]
    assert table_cells(rows)[0] == ["true digit", "read as", "count"]
    assert confusion_rows(labels, labels) == []


def test_misread_rows_count_errors_per_true_digit():
    labels = torch.tensor([2, 2, 9, 9, 9, 4])
    preds = torch.tensor([3, 2, 4, 9, 9, 4])
    rows = {r["digit"]: r for r in misread_rows(labels, preds)}
    assert set(rows) == {2, 4, 9}
    assert (rows[2]["misread"], rows[2]["misread_share"]) == (1, 50.0)
    assert (rows[9]["images"], rows[9]["misread"]) == (3, 1) and rows[4]["misread"] == 0
    assert table_cells([rows[9]]) == (["digit", "images", "misread", "misread %"], [["9", "3", "1", "33.33"]])


def test_confusion_matrix_counts_true_against_predicted():
    counts = confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), classes=3)
    assert counts.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_markdown_table_formats_values_and_marks_missing_ones():
    table = markdown_table([{"a": 1.234, "b": None, "c": True, "d": 0}], formats={"a": "{:.1f}"})
    assert table.splitlines() == ["| a | b | c | d |", "|---|---|---|---|", "| 1.2 | – | yes | 0 |"]


def test_cells_take_labels_and_formats_from_the_maps_unless_a_table_overrides_them():
    row = {"last5_min_mean": 99.4123, "met_of": (2, 3), "met_interval": (20.77, 93.85), "met": False,
           "parameters": 12345, "rf": 11}
    headers, [cells] = table_cells([row])
    assert headers == ["last-5 min mean %", "met", "met, 95 % interval", "target met", "parameters", "rf"]
    assert cells == ["99.41", "2/3", "21-94 %", "no", "12,345", "11"]  # rf: another module's key, as it is
    assert table_cells([row], ["last5_min_mean"], {"last5_min_mean": "{:.3f}"}) == (["last-5 min mean %"],
                                                                                     [["99.412"]])


def test_html_table_holds_the_same_cells_escaped():
    table = html_table([{"a <b>": 1.234, "c": False}], formats={"a <b>": "{:.1f}"})
    assert "<th>a &lt;b&gt;</th><th>c</th>" in table and "<td>1.2</td><td>no</td>" in table
    assert "<th>last-5 min %</th></tr>" in html_table([{"run": "x", "last5_min": 99.4}], ["last5_min"])
    assert html_table([{"a": 1}], note="ran on <cpu>").endswith("</table>\n<p>ran on &lt;cpu&gt;</p>")


def test_seed_group_rows_count_the_seeds_that_met_the_target_with_intervals():
    runs = {seed: history([low] * 15) for seed, low in ((1, 99.5), (2, 99.3), (3, 99.4))}
    rows = seed_group_rows({"a": runs})
    row = rows[0]
    assert (row["seed_group"], row["seeds"], row["met_of"]) == ("a", 3, (2, 3))
    assert row["met_interval"] == (pytest.approx(20.77, abs=1e-2), pytest.approx(93.85, abs=1e-2))
    # mean 99.4, stdev 0.1, t(0.975, 2) = 4.303: 99.4 +- 0.248
    assert row["last5_min_mean"] == pytest.approx(99.4)
    assert row["last5_min_interval"] == (pytest.approx(99.152, abs=1e-3), pytest.approx(99.648, abs=1e-3))
    assert (row["lowest"], row["highest"]) == (99.3, 99.5)
    assert table_cells(rows) == (["runs", "seeds", "met", "met, 95 % interval", "last-5 min mean %",
                                  "95 % interval", "lowest seed %", "highest seed %", "best train % (mean)",
                                  "best test or held-out % (mean)"],
                                 [["a", "3", "2/3", "21-94 %", "99.40", "99.15-99.65", "99.30", "99.50", "99.00",
                                   "99.40"]])


def test_the_met_count_reads_with_its_wilson_interval():
    runs = {seed: history([low] * 15) for seed, low in enumerate([99.5] * 9 + [99.3], 1)}
    assert report.met_text(runs) == "9/10 (95 % interval 60-98 %)"


def test_a_count_on_accuracy_alone_ignores_the_parameter_budget():
    runs = {seed: history([low] * 15, params=9904) for seed, low in enumerate([99.5, 99.5, 99.3], 1)}
    assert report.met_text(runs).startswith("0/3 (")
    assert report.met_text(runs, accuracy_only=True).startswith("2/3 (")


def test_a_group_over_the_budget_meets_the_target_on_accuracy_alone_only_when_named():
    runs = {seed: history([low] * 15, params=9904) for seed, low in ((1, 99.5), (2, 99.3), (3, 99.4))}
    assert seed_group_rows({"big": runs})[0]["met_of"] == (0, 3)
    assert seed_group_rows({"big": runs}, accuracy_only=("big",))[0]["met_of"] == (2, 3)


def test_compare_runs_gives_welchs_interval_of_the_difference_of_last5_minima():
    ahead = {seed: history([99.0] * 10 + [low + 0.1] * 4 + [low]) for seed, low in enumerate((99.50, 99.42, 99.46))}
    behind = {seed: history([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.30, 99.36, 99.25, 99.33))}
    comparison = compare_runs(ahead, behind)
    welch = scipy_stats.ttest_ind([99.50, 99.42, 99.46], [99.30, 99.36, 99.25, 99.33], equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert comparison["diff"] == pytest.approx(99.46 - 99.31)
    assert (comparison["low"], comparison["high"]) == (pytest.approx(low), pytest.approx(high))
    assert comparison["resolved"]
    assert comparison_text(comparison, "beats", "trails", "no different") == (
        f"beats (+0.15 points, 95 % interval {low:+.2f} to {high:+.2f})")
    assert comparison_text(compare_runs(behind, ahead), "beats", "trails", "no different").startswith("trails (-0.15")


def test_a_difference_the_interval_cannot_resolve_earns_the_neutral_words():
    a = {seed: history([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.50, 99.30))}
    b = {seed: history([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.45, 99.35))}
    comparison = compare_runs(a, b)
    assert not comparison["resolved"] and comparison["low"] < 0 < comparison["high"]
    assert comparison_text(comparison, "beats", "trails", "no different").startswith("no different (+0.00 points")
