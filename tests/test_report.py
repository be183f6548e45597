"""Tables and summaries built from recorded runs and predictions."""
import pytest
import torch

from mnist_lib.history import History
from mnist_lib.report import (best_of, candidate_rows, confusion_rows, first_to_meet, html_table, markdown_table,
                              misread_rows, model_rows, ran_on_note, seed_group_rows,
                              seed_rows, seed_summary)


def history(test_accs, params=7000):
    return History({"params": params}, [{"epoch": i + 1, "train_acc": 99.0, "test_acc": a, "seconds": 1.0}
                                        for i, a in enumerate(test_accs)])


def test_seed_summary_counts_the_seeds_that_meet_the_target():
    runs = {1: history([99.0] * 10 + [99.4] * 5), 2: history([99.0] * 10 + [99.5, 99.39, 99.5, 99.5, 99.5]),
            3: history([99.0] * 10 + [99.45] * 5)}
    assert [r["target met"] for r in seed_rows(runs)] == [True, False, True]
    summary = seed_summary(runs)
    assert summary["seeds_met"] == "2/3" and summary["last5_worst"] == "99.39 %"
    assert summary["last5_mean"].startswith("99.41 ± ")
    assert summary["last5_range"] == "0.04 points"  # (0 + 0.11 + 0) / 3
    assert summary["best_train"] == "99.00 %"


def test_confusion_rows_list_the_commonest_mistakes_first():
    labels = torch.tensor([0, 1, 2, 2, 9, 9, 9, 4])
    preds = torch.tensor([0, 1, 3, 2, 4, 4, 7, 9])
    rows = confusion_rows(labels, preds, top=2)
    assert rows == [{"true digit": 9, "read as": 4, "count": 2}, {"true digit": 4, "read as": 9, "count": 1}]
    assert confusion_rows(labels, labels) == []


def test_misread_rows_count_errors_per_true_digit():
    labels = torch.tensor([2, 2, 9, 9, 9, 4])
    preds = torch.tensor([3, 2, 4, 9, 9, 4])
    rows = {r["digit"]: r for r in misread_rows(labels, preds)}
    assert set(rows) == {2, 4, 9}
    assert (rows[2]["misread"], rows[2]["misread %"]) == (1, 50.0)
    assert (rows[9]["images"], rows[9]["misread"]) == (3, 1) and rows[4]["misread"] == 0


def test_markdown_table_formats_values_and_marks_missing_ones():
    table = markdown_table([{"a": 1.234, "b": None, "c": True}], {"a": "{:.1f}"})
    assert table.splitlines() == ["| a | b | c |", "|---|---|---|", "| 1.2 | – | yes |"]


def test_html_table_holds_the_same_cells_escaped():
    table = html_table([{"a <b>": 1.234, "c": False}], {"a <b>": "{:.1f}"})
    assert "<th>a &lt;b&gt;</th><th>c</th>" in table and "<td>1.2</td><td>no</td>" in table
    assert html_table([{"a": 1}], note="ran on <cpu>").endswith("</table>\n<p>ran on &lt;cpu&gt;</p>")


def test_candidate_rows_give_each_runs_last_five_epochs():
    rows = candidate_rows({"a": history([99.0] * 10 + [99.30, 99.20, 99.25, 99.30, 99.25])})
    assert rows == [{"run": "a", "parameters": 7000, "last-5 mean %": 99.26, "last-5 min %": 99.20}]


def test_model_rows_average_each_models_runs_and_the_best_candidate_is_chosen():
    def run(model, params, last5):
        return History({"model": model, "params": params}, history([99.0] * 10 + last5).epochs)

    runs = {"big 1": run("big", 7300, [99.50] * 5), "big 2": run("big", 7300, [99.40] * 5),
            "a 1": run("a", 3900, [99.30] * 5), "a 2": run("a", 3900, [99.20, 99.40, 99.40, 99.40, 99.40]),
            "b 1": run("b", 3950, [99.36] * 5), "b 2": run("b", 3950, [99.34] * 5)}
    rows = {row["model"]: row for row in model_rows(runs)}
    assert list(rows) == ["big", "a", "b"] and rows["a"]["runs"] == 2 and rows["a"]["parameters"] == 3900
    assert round(rows["a"]["last-5 mean %"], 3) == 99.33 and rows["a"]["last-5 min %"] == 99.20
    assert best_of(list(rows.values()), ["a", "b"])["model"] == "b"  # 99.35 against 99.33
    assert best_of(list(rows.values()), ["big", "a", "b"])["model"] == "big"


def test_first_to_meet_climbs_to_the_first_model_whose_every_run_met_the_target():
    def runs(model, *last5s):
        return {f"{model} {seed}": History({"model": model, "params": 5000}, history([99.0] * 10 + last5).epochs)
                for seed, last5 in enumerate(last5s)}

    rows = model_rows({**runs("e", [99.45] * 5, [99.45] * 4 + [99.39]), **runs("f", [99.41] * 5, [99.40] * 5),
                       **runs("g", [99.6] * 5, [99.6] * 5)})
    assert [(row["runs"], row["target met"]) for row in rows] == [(2, 1), (2, 2), (2, 2)]
    assert first_to_meet(rows, ["e", "f", "g"])["model"] == "f"  # e misses on one run by a single epoch
    assert first_to_meet(rows, ["g", "f"])["model"] == "g"
    assert first_to_meet(rows, ["e"]) is None


def test_seed_group_rows_count_the_seeds_that_met_the_target_with_intervals():
    runs = {seed: history([low] * 15) for seed, low in ((1, 99.5), (2, 99.3), (3, 99.4))}
    rows = seed_group_rows({"a": runs})
    row = rows[0]
    assert (row["runs"], row["seeds"], row["met"]) == ("a", 3, "2/3") and row["met 95 % interval"] == "0.21-0.94"
    # mean 99.4, stdev 0.1, t(0.975, 2) = 4.303: 99.4 +- 0.248
    assert row["last-5 min mean %"] == pytest.approx(99.4) and row["95 % interval"] == "99.15-99.65"
    assert (row["lowest %"], row["highest %"]) == (99.3, 99.5)


def test_where_runs_ran_is_said_once_for_all_of_them_or_per_machine():
    def ran(device, threads):
        return History({"device_name": device, "threads": threads}, [])

    same = {"a": ran("CPU X (2 cores)", 1), "b": ran("CPU X (2 cores)", 1)}
    assert ran_on_note(same) == "Every run ran on CPU X (2 cores), 1 thread(s)."
    mixed = {**same, "c": ran("CPU X (2 cores)", 2)}
    assert ran_on_note(mixed) == "Ran on CPU X (2 cores), 1 thread(s): a, b; CPU X (2 cores), 2 thread(s): c."
