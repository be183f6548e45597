"""The protocol every step chapter keeps: five seeds on the validation split, five on the test set."""
from crafted import crafted_run
from mnist_lib import RunConfig
from mnist_lib.chapter import Chapter
import pytest

from mnist_lib.steps import (CHANGES, last5_climbs, last5_low_epochs, low_epoch_text, step_change, step_decision,
                             step_recipe, step_runs, step_texts)


def test_a_step_trains_its_recipe_on_both_splits_in_their_own_folders(tmp_path, data):
    chapter = Chapter(smoke=True, out=str(tmp_path))
    cfg = RunConfig(model="Small_C", device="cpu").smoke()
    runs = step_runs(cfg, "histories/step", chapter)
    assert list(runs) == ["validation", "test"] and all(list(seeds) == [1, 2] for seeds in runs.values())
    assert {h.meta["eval_set"] for h in runs["validation"].values()} == {"validation"}
    assert {h.meta["eval_set"] for h in runs["test"].values()} == {"test"}
    assert (tmp_path / "histories" / "step" / "validation" / "seed_2" / "history.json").is_file()
    assert (tmp_path / "histories" / "step" / "test" / "seed_1" / "model.pt").is_file()
    again = step_runs(cfg, "histories/step", chapter)  # finished: read, not trained again
    assert again["test"][1].epochs == runs["test"][1].epochs
    assert list(step_runs(cfg, "histories/step", chapter, splits=("validation",))) == ["validation"]


def test_where_the_lowest_of_the_last_five_falls_and_how_far_they_climb():
    runs = {1: crafted_run([99.0] * 10 + [99.3, 99.5, 99.4, 99.4, 99.5]),
            2: crafted_run([99.0] * 10 + [99.4, 99.3, 99.5, 99.5, 99.6]),
            3: crafted_run([99.0] * 10 + [99.2, 99.4, 99.2, 99.4, 99.4])}  # lowest twice: the first counts
    assert last5_low_epochs(runs) == [11, 12, 11]
    assert low_epoch_text([11, 12, 11]) == "epoch 11 in 2 of 3 seeds"
    assert last5_climbs(runs) == pytest.approx([0.2, 0.2, 0.2])
    assert last5_climbs({1: crafted_run([98.0, 99.0, 99.5])}) == pytest.approx([1.5])  # a short run: all its epochs
    texts = step_texts({"validation": runs})
    assert texts["validation_low_epoch"] == "epoch 11 in 2 of 3 seeds"
    assert texts["validation_climb"] == "+0.20 points (95 % interval +0.20 to +0.20)"


def test_a_steps_figures_read_as_text_per_split():
    runs = {"validation": {seed: crafted_run([99.0] * 10 + [low] * 5) for seed, low in enumerate((99.3, 99.5), 1)},
            "test": {seed: crafted_run([99.0] * 10 + [99.45] * 5) for seed in (1, 2, 3)}}
    texts = step_texts(runs)
    assert texts["validation_last5"].startswith("99.40 % (95 % interval") and texts["validation_met"].startswith("1/2")
    assert texts["test_last5"] == "99.45 % (95 % interval 99.45-99.45)" and texts["test_met"].startswith("3/3")
    assert texts["test_best_test"] == "99.45 %" and texts["validation_best_train"] == "99.00 %"
    assert texts["test_gap"] == "0.45 points below"  # the last epoch: train 99.00 %, test 99.45 %
    assert texts["validation_seconds"] == "1.0 s"  # the median epoch
    assert texts["test_first_train"] == "99.0 %" and texts["test_last_train"] == "99.00 %"
    assert texts["test_last_heldout"] == "99.45 %"
    assert texts["test_bar"] == "meets the bar"
    assert texts["validation_bar"] == "falls short of the bar, though its 95 % interval still reaches it"
    assert texts["test_range"] == "0.00 points"
    moving = step_texts({"moving": {seed: crafted_run([99.0] * 10 + [99.3, 99.5, 99.4, 99.4, 99.4])
                                    for seed in (1, 2)}})
    assert moving["moving_range"] == "0.20 points" and moving["moving_last5"].startswith("99.30 %")


def test_each_step_changes_one_idea_and_the_last_is_the_final_recipe():
    assert step_recipe("12_earlier_drop") == RunConfig()
    assert step_recipe("08_shifts") == RunConfig(model="Model_5", lr=0.05, step_size=8, ema=0.0)
    assert step_recipe("05_schedule").model == "Model_4"  # step 4's dropout is not resolved lower: kept
    assert step_change("08_shifts") == "translate 0.0 → 0.1"
    assert step_change("01_setup") == "none"
    for step, (base, change) in CHANGES.items():
        assert base is None or list(CHANGES).index(base) < list(CHANGES).index(step)
        assert base is None or {name for name, value in change.items()
                                if getattr(step_recipe(base), name) != value} == set(change)


def test_an_unknown_step_names_the_steps():
    with pytest.raises(KeyError, match="08_shifts"):
        step_recipe("08_separable")


def test_a_change_is_kept_unless_the_validation_seeds_resolve_it_lower():
    def seeds(*lows):
        return {seed: crafted_run([99.0] * 10 + [low] * 5) for seed, low in enumerate(lows, 1)}

    base = seeds(99.30, 99.32, 99.28)  # Welch: each sd 0.02, t(4) 2.776, so -0.10 +- 0.045
    lower = step_decision(seeds(99.20, 99.22, 99.18), base, "step 3")
    assert lower["difference"] == "lower than step 3's (-0.10 points, 95 % interval -0.15 to -0.05)"
    assert lower["decision"] == "not kept"
    assert step_decision(seeds(99.20, 99.22, 99.18), base, "step 3", needed=True)["decision"] == "kept"
    unresolved = step_decision(seeds(99.36, 99.25, 99.31), base, "step 3")
    assert unresolved["difference"].startswith("not resolved from step 3's (+0.01 points")
    assert unresolved["decision"] == "kept"
    assert step_decision(seeds(99.40, 99.42, 99.38), base, "step 3")["difference"].startswith("higher than")


def test_the_gap_and_the_range_of_the_last_epochs_are_compared_with_the_base_steps():
    def seeds(train, lows):
        return {seed: crafted_run([99.0] * 10 + [low, low + move, low, low, low], train_acc=train)
                for seed, (low, move) in enumerate(lows, 1)}

    base = seeds(99.5, [(99.30, 0.10), (99.32, 0.12), (99.28, 0.08)])  # gaps 0.20, 0.18, 0.22; ranges ~0.10
    steady = step_decision(seeds(99.0, [(99.30, 0.01), (99.32, 0.02), (99.28, 0.03)]), base, "step 3")
    assert steady["gap_difference"].startswith("lower than step 3's (-0.50 points")
    assert steady["range_difference"].startswith("lower than step 3's (-0.08 points")
    same = step_decision(base, base, "step 3")
    assert same["gap_difference"].startswith("not resolved") and same["range_difference"].startswith("not resolved")


def test_the_climb_over_the_last_epochs_is_compared_with_the_base_steps():
    def seeds(climbs):
        return {seed: crafted_run([99.0] * 10 + [99.3, 99.3, 99.3, 99.3, 99.3 + climb])
                for seed, climb in enumerate(climbs, 1)}

    base = seeds([0.10, 0.12, 0.08])
    assert step_decision(seeds([0.01, 0.02, 0.00]), base, "step 11")["climb_difference"].startswith(
        "lower than step 11's (-0.09 points")
    assert step_decision(base, base, "step 11")["climb_difference"].startswith("not resolved from step 11's (+0.00")
