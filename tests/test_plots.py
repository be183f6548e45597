"""Figures built from recorded runs."""
import pytest

from crafted import crafted_run
from mnist_lib.plots import (plot_accuracy_vs_params, plot_levers, plot_profile, plot_seed_bands,
                             plot_seed_groups)
from mnist_lib.target import TARGET_ACCURACY


def seeds(*tails, params=7000, model="Model_6"):
    """{seed: History} whose test accuracies are five epochs at 98 % and then each tail."""
    return {seed: crafted_run([98.0] * 5 + tail, params=params, model=model) for seed, tail in enumerate(tails, 1)}


def test_each_step_is_a_mean_with_its_interval_against_parameters_and_in_order():
    rows = [{"seed_group": "1", "parameters": 100000, "last5_min_mean": 99.0, "last5_min_interval": (98.9, 99.1)},
            {"seed_group": "2", "parameters": 7000, "last5_min_mean": 99.4, "last5_min_interval": (99.3, 99.5)}]
    left, right = plot_accuracy_vs_params(rows).axes
    assert len(left.containers) == len(right.containers) == 2  # one error bar per step in each panel
    bar = left.containers[1].lines[2][0].get_segments()[0]  # step 2's interval, drawn from low to high
    assert [y for _, y in bar] == pytest.approx([99.3, 99.5])
    assert [t.get_text() for t in right.get_xticklabels()] == ["1", "2"] and left.get_xscale() == "log"


def test_profile_levers_and_seed_groups_draw_one_mark_per_item():
    rows = [dict(group=g, ms=ms) for g, ms in (("a", 2.0), ("b", 1.0))]
    fig = plot_profile({"before": rows, "now": rows})
    assert len(fig.axes[0].patches) == 4  # two groups stacked in each of two bars
    fig = plot_levers([dict(lever="x", ratio=1.0), dict(lever="y", ratio=1.8)])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["y", "x"]  # the first row on top
    fig = plot_seed_groups({"a": [99.4, 99.5, 99.45], "b": [99.3, 99.35]})
    assert len(fig.axes[0].get_xticklabels()) == 2


def test_a_group_of_one_seed_is_a_point_without_an_interval():
    ax = plot_seed_groups({"a": [99.4, 99.5, 99.45], "one": [99.3]}).axes[0]
    assert len(ax.containers) == 1  # one error bar: the group of three's
    assert sum(len(line.get_xdata()) for line in ax.lines if line.get_marker() == "o") == 4


def test_seed_bands_draw_each_groups_mean_inside_its_lowest_to_highest_band():
    groups = {"a": seeds([99.3] * 5, [99.5] * 5), "b": seeds([99.45] * 5, [99.55] * 5, [99.6] * 5)}
    for seed, run in groups["b"].items():
        run.meta["eval_set"] = "validation"
    fig = plot_seed_bands(groups)
    train, held_out = fig.axes
    means = [line for line in held_out.lines if line.get_label() != f"{TARGET_ACCURACY:.2f} %"]
    assert [line.get_label() for line in means] == ["a (2 seeds)", "b (3 seeds)"]
    assert list(means[0].get_ydata()[5:]) == [99.4] * 5 and list(means[1].get_ydata()[5:]) == [
        pytest.approx(99.5333, abs=1e-4)] * 5
    band = held_out.collections[1].get_paths()[0].vertices[:, 1]  # b's band: from its lowest to its highest seed
    assert band.min() == 98.0 and band.max() == 99.6 and 99.45 in band
    assert len(train.collections) == 2 and train.get_ylim()[0] < TARGET_ACCURACY
    assert held_out.get_title().startswith("test and validation accuracy")
