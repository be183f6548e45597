"""Figures built from recorded runs."""
from mnist_lib.plots import plot_seed_curves
from mnist_lib.train import TARGET_ACCURACY, History


def seeds(*tails):
    return {seed: History({"params": 7000}, [{"epoch": i + 1, "test_acc": a} for i, a in enumerate([98.0] * 5 + tail)])
            for seed, tail in enumerate(tails, 1)}


def test_seed_curves_share_one_scale_two_panels_a_row():
    recipes = {"a": seeds([99.3] * 5), "b": seeds([99.5] * 5, [99.6] * 5), "c": seeds([99.45] * 5)}
    fig = plot_seed_curves(recipes)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 4 and [ax.get_title().split(":")[0] for ax in shown] == ["a", "b", "c"]
    assert [len(ax.lines) for ax in shown] == [2, 3, 2]  # one curve per seed and the target bar
    low, high = shown[2].get_ylim()
    assert all(ax.get_ylim() == (low, high) for ax in shown)
    assert low < TARGET_ACCURACY and high > 99.6 and low > 98.0  # the second half of every run, bar included
