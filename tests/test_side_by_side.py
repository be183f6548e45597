from dataclasses import replace

import pytest
from crafted import crafted_run

from mnist_lib.chapter import Chapter
from mnist_lib.history import History
from mnist_lib.peers import BOOK_RECIPE, PEER_RECIPES
from mnist_lib.side_by_side import (names_text, peer_runs, plot_side_by_side, reached, side_by_side_rows,
                                    side_by_side_texts, split_rows, training_hours)


def runs(params, *lows, model=None):
    """One crafted run per value of lows: ten epochs at 99.0 %, then five at that value."""
    return {seed: crafted_run([99.0] * 10 + [low] * 5, params=params, model=model, seed=seed)
            for seed, low in enumerate(lows, 1)}


def test_each_peer_trains_under_its_own_recipe_and_the_books_in_its_own_folders(tmp_path, data):
    chapter = Chapter(smoke=True, out=str(tmp_path))
    got = peer_runs(chapter, "histories/18_peers", ["Peer_D"], own_seeds=(1, 2), book_seeds=(1,))
    assert {kind: {peer: list(seeds) for peer, seeds in groups.items()} for kind, groups in got.items()} == {
        "own": {"Peer_D": [1, 2]}, "book": {"Peer_D": [1]}}
    folder = tmp_path / "histories" / "18_peers" / "Peer_D"
    own = History.load(folder / "own" / "seed_2" / "history.json").meta["config"]
    book = History.load(folder / "book" / "seed_1" / "history.json").meta["config"]
    assert own == replace(PEER_RECIPES["Peer_D"].smoke(), seed=2).to_dict()
    assert book == replace(BOOK_RECIPE, model="Peer_D").smoke().to_dict()
    assert got["own"]["Peer_D"][2].meta["seed"] == 2


def test_a_peer_over_the_budget_is_counted_on_accuracy_and_each_row_names_its_write_up_figure():
    groups = {"own": {"Peer_B": runs(9904, 99.45, 99.41, 99.30, model="Peer_B")},
              "book": {"Peer_B": runs(9904, 99.50, 99.46, model="Peer_B")}}
    rows = side_by_side_rows(groups, {"Model_6": runs(7298, 99.42, 99.38, model="Model_6")})
    assert [row["seed_group"] for row in rows] == ["Peer_B, own recipe", "Peer_B, book recipe",
                                                  "Model_6, book recipe"]
    assert [row["met_of"] for row in rows] == [(2, 3), (2, 2), (1, 2)]
    assert [row["reported"] for row in rows] == [99.42, None, None]  # its write-up's run used its own recipe
    assert [row["reached"] for row in rows] == [1, None, None]  # only 99.45 is at or above 99.42
    assert [row["parameters"] for row in rows] == [9904, 9904, 7298]
    assert rows[0]["macs"] > 0


def test_the_difference_splits_into_the_recipes_part_and_the_networks_part():
    groups = {"own": {"Peer_A": runs(7864, 99.30, 99.32, 99.28)},
              "book": {"Peer_A": runs(7864, 99.40, 99.42, 99.38)}}
    (row,) = split_rows(groups, runs(7298, 99.41, 99.39, 99.40))
    assert row["recipe_part"][0] == pytest.approx(0.10) and row["recipe_part"][1] > 0
    assert row["recipe_verdict"] == "higher"
    assert row["network_part"][0] == pytest.approx(0.0) and row["network_verdict"] == "not resolved"
    assert row["total_part"][0] == pytest.approx(-0.10) and row["total_verdict"] == "lower"  # network's - recipe's


def test_a_write_ups_figure_is_reached_over_as_many_last_epochs_as_it_gives():
    final_only = {seed: crafted_run([99.0] * 14 + [last], params=7901, seed=seed)
                  for seed, last in enumerate((99.45, 99.42, 99.41), 1)}  # Peer_E's write-up gives its final epoch
    assert reached("Peer_E", final_only) == 2
    assert reached("Peer_A", final_only) is None  # its write-up gives no figure


def test_the_words_follow_the_counts_and_the_comparisons():
    groups = {"own": {"Peer_A": runs(7864, *[99.45] * 9, 99.30), "Peer_C": runs(7884, 99.41, 99.30, 99.31),
                      "Peer_E": runs(7901, 99.30, 99.35, 99.32)},
              "book": {"Peer_A": runs(7864, 99.44, 99.46, 99.45), "Peer_C": runs(7884, 99.30, 99.31, 99.29),
                       "Peer_E": runs(7901, 99.40, 99.41, 99.39)}}
    texts = side_by_side_texts(groups, "Model_6", runs(7298, 99.45, 99.43, 99.44))
    assert (texts["reliable"], texts["sometimes"], texts["never"]) == ("Peer_A", "Peer_C", "Peer_E")
    assert texts["recipe_higher"] == "Peer_E" and texts["recipe_same"] == "Peer_A and Peer_C"
    assert texts["network_lower"] == "Peer_C and Peer_E" and texts["network_higher"] == "none"
    assert texts["Peer_E_recipe"].startswith("higher under the book's recipe (+0.08 points, 95 % interval")
    assert texts["Peer_C_network"].startswith("below Model_6 (-0.14 points")
    assert texts["Peer_A_own_met"].startswith("9/10 (") and texts["Peer_C_book_met"].startswith("0/3 (")


def test_a_peer_over_the_budget_reads_as_met_on_accuracy_alone():
    groups = {"own": {"Peer_B": runs(9904, 99.45, 99.30)}, "book": {"Peer_B": runs(9904, 99.50, 99.46)}}
    texts = side_by_side_texts(groups, "Model_6", runs(7298, 99.45, 99.43))
    assert texts["Peer_B_own_met"].startswith("1/2 (") and texts["Peer_B_book_met"].startswith("2/2 (")


def test_names_read_as_a_phrase():
    assert [names_text(names) for names in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == [
        "none", "A", "A and B", "A, B and C"]


def test_training_hours_add_every_epoch_of_every_run():
    assert training_hours({"a": runs(7000, 99.4, 99.5), "b": runs(7000, 99.3)}) == pytest.approx(45 / 3600)


def test_the_side_by_side_figure_draws_every_seed_in_a_column_per_network_by_parameters():
    own = {"Peer_B": runs(9904, 99.3, 99.4, 99.35), "Peer_A": runs(7864, 99.2)}
    book = {"Peer_B": runs(9904, 99.45, 99.5)}
    ax = plot_side_by_side(own, book, {"Model_6": runs(7298, 99.42, 99.48)}).axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["Model_6\n7,298", "Peer_A\n7,864",
                                                                     "Peer_B\n9,904"]
    seeds = {(line.get_marker(), round(line.get_xdata()[0], 2)): len(line.get_xdata()) for line in ax.lines
             if line.get_marker() in ("o", "^", "s")}
    assert seeds == {("o", 1.82): 3, ("o", 0.82): 1, ("^", 2.18): 2, ("s", 0.0): 2}
    diamonds = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines if line.get_marker() == "D"]
    assert diamonds == [(2, 99.42)]  # Peer_B's write-up; Peer_A's reports no figure
    assert len(ax.containers) == 3  # a mean with its interval for each group of two seeds or more
    budget = [line for line in ax.lines if line.get_linestyle() == "-."]
    assert budget[0].get_xdata()[0] == 1.5  # the budget runs between Peer_A and Peer_B
