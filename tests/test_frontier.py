"""The frontier: rows per network, the line through the seeds, and where it crosses the bar."""
import math

import numpy as np
import pytest

import mnist_lib.frontier as frontier
from crafted import crafted_run
from mnist_lib import RunConfig
from mnist_lib.frontier import (band, climb_to_reliable, crossing, first_at_bar, fit_frontier, frontier_rows, idea_rows,
                               climb_texts, crossing_text, frontier_texts, idea_texts, met_count, predict,
                               reliable_bar, share_clearing)
from mnist_lib.frontier import plot_frontier


def network(params, *lows):
    """{seed: History} of one network: ten epochs at 99 % and then five at each seed's last-5 minimum."""
    return {seed: crafted_run([99.0] * 10 + [low] + [low + 0.05] * 4, params=params) for seed, low in
            enumerate(lows, 1)}


def on_line(params, intercept=98.0, slope=0.4, spread=0.05):
    """Five seeds about the line intercept + slope * log10(params), symmetric, so that least squares finds it."""
    centre = intercept + slope * math.log10(params)
    return network(params, *(centre + d for d in (-2 * spread, -spread, 0, spread, 2 * spread)))


def test_rows_come_fewest_parameters_first_with_each_networks_seeds():
    rows = frontier_rows({"big": network(7000, 99.39, 99.5), "small": network(3000, 99.2, 99.3, 99.25)})
    assert [(row["network"], row["parameters"], row["seeds"]) for row in rows] == [("small", 3000, 3), ("big", 7000, 2)]
    assert rows[0]["lows"] == [99.2, 99.3, 99.25] and rows[0]["last5_min_mean"] == pytest.approx(99.25)
    assert (rows[0]["lowest"], rows[0]["highest"], rows[0]["met_of"], rows[1]["met_of"]) == (99.2, 99.3, (0, 3), (1, 2))
    low, high = rows[0]["last5_min_interval"]
    assert low < 99.25 < high


def test_runs_of_different_sizes_in_one_group_are_refused():
    with pytest.raises(ValueError, match="different sizes"):
        frontier_rows({"mixed": {1: network(3000, 99.2)[1], 2: network(4000, 99.3)[1]}})


def test_the_line_through_symmetric_seeds_is_the_line_they_straddle():
    fit = fit_frontier(frontier_rows({p: on_line(p) for p in (3000, 5000, 8000)}))
    assert fit["slope"] == pytest.approx(0.4) and fit["intercept"] == pytest.approx(98.0)
    assert fit["slope_interval"][0] < 0.4 < fit["slope_interval"][1]
    assert predict(fit, 1000) == pytest.approx(99.2)


def test_the_crossing_is_where_the_line_meets_the_bar_and_its_interval_where_the_band_holds_it():
    fit = fit_frontier(frontier_rows({p: on_line(p) for p in (3000, 5000, 8000)}))
    point, low, high = crossing(fit, bar=99.45)
    assert point == pytest.approx(10 ** (1.45 / 0.4))  # 4,217 parameters
    assert low < point < high
    grid = np.geomspace(1000, 20000, 20001)
    held = grid[np.abs(predict(fit, grid) - 99.45) <= band(fit, grid)]
    assert low == pytest.approx(held.min(), rel=2e-4) and high == pytest.approx(held.max(), rel=2e-4)


def test_a_slope_the_seeds_do_not_resolve_leaves_the_crossing_open():
    fit = fit_frontier(frontier_rows({p: on_line(p, slope=0.02, spread=0.1) for p in (3000, 8000)}))
    assert fit["slope_interval"][0] < 0 < fit["slope_interval"][1]
    assert crossing(fit, bar=99.40)[1:] == (None, None)


def test_a_line_needs_two_networks():
    with pytest.raises(ValueError, match="at least 2 networks"):
        fit_frontier(frontier_rows({"one": network(3000, 99.2, 99.3, 99.25)}))


def test_nine_seeds_in_ten_clear_the_bar_where_the_mean_stands_1_28_scatters_above_it():
    fit = fit_frontier(frontier_rows({p: on_line(p) for p in (3000, 5000, 8000)}))
    at_nine = crossing(fit, reliable_bar(fit))[0]
    assert share_clearing(fit, at_nine) == pytest.approx(0.9) and share_clearing(fit, 10 ** 3.5) == pytest.approx(0.5)
    assert reliable_bar(fit) == pytest.approx(99.40 + 1.2816 * fit["scatter"], abs=1e-4)
    assert fit["scatter"] == pytest.approx(math.sqrt(3 * 0.025 / 13))  # 3 x (0.1² + 0.05²) x 2 over 15 - 2


def test_the_frontier_figure_draws_every_seed_each_mean_and_each_crossing():
    rows = frontier_rows({p: on_line(p) for p in (3000, 5000, 8000)})
    fit = fit_frontier(rows)
    ax = plot_frontier(rows, fit, {"mean at the bar": crossing(fit, 99.45)},
                       [("published", 7700, 99.42)]).axes[0]
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert sum(len(line.get_xdata()) for line in points) == 15
    labels = ax.get_legend_handles_labels()[1]
    assert {"mean at the bar", "published", "line through the seeds", "99.40 %"} <= set(labels)
    assert ax.get_xscale() == "log"


def test_the_first_network_at_the_bar_is_the_smallest_whose_mean_reaches_it():
    rows = frontier_rows({"s": network(3000, 99.3, 99.35), "m": network(5000, 99.38, 99.44),
                          "l": network(7000, 99.45, 99.5)})
    assert first_at_bar(rows)["network"] == "m" and first_at_bar(rows, bar=99.6) is None


def test_the_climb_stops_at_the_first_network_that_meets_the_target_for_nine_seeds_in_ten(monkeypatch):
    rows = frontier_rows({"s": network(3000, 99.3, 99.35), "m": network(5000, 99.38, 99.44),
                          "l": network(7000, 99.45, 99.5), "xl": network(7900, 99.5, 99.5)})
    met, trained = {"m": 8, "l": 9, "xl": 10}, []

    def fit_seeds(cfg, seeds, folder, processes):
        trained.append((cfg.model, list(seeds), folder))
        return network(4000, *([99.45] * met[cfg.model] + [99.3] * (len(seeds) - met[cfg.model])))

    monkeypatch.setattr(frontier, "fit_seeds", fit_seeds)
    folders = {name: f"out/{name}" for name in met}
    tested = climb_to_reliable(rows, first_at_bar(rows), RunConfig(), range(1, 11), folders)
    assert trained == [("m", list(range(1, 11)), "out/m"), ("l", list(range(1, 11)), "out/l")]
    assert list(tested) == ["m", "l"] and met_count(tested["l"]) == 9


def test_an_idea_is_judged_against_the_nearest_frontier_network_only_with_five_seeds():
    ladder = {"C": network(4000, 99.30, 99.32, 99.34, 99.36, 99.38), "E": network(5000, 99.4, 99.42, 99.44)}
    rows = idea_rows({"one seed": network(4000, 99.5), "three seeds": network(3900, 99.5, 99.52, 99.54),
                      "better": network(4100, 99.50, 99.52, 99.54, 99.56, 99.58),
                      "the same": network(4000, 99.30, 99.33, 99.34, 99.35, 99.38),
                      "taught E": network(5000, 99.4, 99.42, 99.44, 99.41, 99.43)}, ladder)
    one, three, better, same, taught = rows
    assert (one["seeds"], one["last5_min_interval"], one["difference"], one["against"]) == (1, None, None, "C")
    assert one["verdict"] == "not judged: 1 seed" and three["verdict"] == "not judged: 3 seeds"
    assert three["difference"][0] == pytest.approx(0.18) and three["last5_min_interval"][0] < 99.52
    assert better["verdict"].startswith("above C (+0.20 points") and same["verdict"].startswith("not resolved from C")
    assert taught["against"] == "E" and taught["verdict"].startswith("not resolved from E")


def test_a_crossing_reads_as_parameters_with_its_interval_open_ends_said():
    assert crossing_text(6123.4, 5310.2, 7480.9) == "6,123 parameters (95 % interval 5,310 to 7,481)"
    assert crossing_text(6123.4, None, None) == ("6,123 parameters (95 % interval any number fewer to any number "
                                                 "more)")
    assert crossing_text(None, None, None) == "nowhere: the line is flat"


def test_the_frontier_reads_as_text_with_its_words_following_the_figures():
    rows = frontier_rows({p: on_line(p) for p in (3000, 5000, 8000)})
    texts = frontier_texts(rows, fit_frontier(rows))
    assert texts["slope"] == "0.40 points" and texts["rise"] == "0.17 points"  # 0.4 x log10(8000 / 3000)
    assert texts["spreads"] == "0.20 to 0.20 points"
    assert texts["ladder_low"].startswith("3000 (3,000 parameters, 99.39 % (95 % interval")
    assert texts["cross_bar"].startswith("3,162 parameters")  # 10 ** (1.4 / 0.4)
    nine = 99.40 + 1.2816 * math.sqrt(3 * 0.025 / 13)  # 99.497: reached at 10 ** (1.497 / 0.4) = 5,530
    assert texts["nine_in_ten"] == f"{nine:.2f} %" and texts["cross_nine"].startswith("5,5")
    assert texts["nine_verdict"] == "within the budget" and texts["seed_sds"] == "0.079 to 0.079 points"
    assert texts["reach_5000"] == "not ruled out by the line"  # the band at 5,000 reaches 99.497
    steep = frontier_rows({p: on_line(p, slope=2.0, intercept=91.8, spread=0.01) for p in (3000, 5000, 8000)})
    assert frontier_texts(steep, fit_frontier(steep))["reach_5000"] == "not expected by the line"  # 99.20 at 5,000
    flat = frontier_rows({p: on_line(p, slope=0.1, intercept=99.0, spread=0.02) for p in (3000, 5000, 8000)})
    assert frontier_texts(flat, fit_frontier(flat))["nine_verdict"] == "beyond the budget"  # 99.39 at 8,000
    loose = frontier_rows({p: on_line(p, slope=0.4, intercept=98.0, spread=0.2) for p in (3000, 5000, 8000)})
    assert frontier_texts(loose, fit_frontier(loose))["nine_verdict"].startswith("beyond the budget at its point")


def test_the_climb_reads_as_text():
    rows = frontier_rows({"s": network(3000, 99.3, 99.36), "m": network(5000, 99.38, 99.44),
                          "l": network(7000, 99.45, 99.5)})
    tested = {"m": network(5000, *([99.45] * 8 + [99.3] * 2)), "l": network(7000, *([99.45] * 9 + [99.3]))}
    texts = climb_texts(rows, rows[1], tested)
    assert texts["climb"] == "m 8/10 (95 % interval 49-94 %); l 9/10 (95 % interval 60-98 %)"
    assert (texts["chosen"], texts["reliable"], texts["reliable_params"]) == ("m", "l", "7,000")
    assert texts["below"] == "m (5,000 parameters), met the target for 8/10 (95 % interval 49-94 %) of its test seeds"
    untested = climb_texts(rows, rows[1], {"m": tested["m"]})  # none reliable: below the chosen one
    assert untested["below"].startswith("s (3,000 parameters), was not tested; on the validation split it averages "
                                        "99.33 % (95 % interval")
    assert untested["below"].endswith("0 of its 2 seeds meeting the target there")
    assert climb_texts(rows, rows[0], {"s": network(3000, 99.3)})["below"] == "none: it is the ladder's smallest"
    assert climb_texts(rows, rows[0], {"s": network(3000, 99.3)})["reliable"] == "none of the networks tested"


def test_the_ideas_read_as_text():
    reference = frontier_rows({"C": network(4000, 99.30, 99.32, 99.34, 99.36, 99.38)})[0]
    table = idea_rows({"one": network(4000, 99.33), "two": network(4000, 99.5, 99.52),
                       "five": network(4000, 99.30, 99.33, 99.34, 99.35, 99.38)}, {"C": network(4000, 99.3, 99.4)})
    texts = idea_texts(table, reference)
    assert texts["ideas_judged"].startswith("five: not resolved from C")
    assert (texts["unjudged_seeds"], texts["ideas_inside"], texts["ideas_below"], texts["ideas_above"],
            texts["reference_range"]) == ("1 to 2", "1 of 2", "0", "1", "99.30-99.38 %")
