from pathlib import Path

import mnist_lib.search as search
from crafted import crafted_run
from mnist_lib.config import RunConfig
from mnist_lib.models import model_names
from mnist_lib.report import model_rows
from mnist_lib.search import (PASS_MARK, ROUNDS, Search, best_of, first_to_meet, passes, rung_texts, search_folders,
                              smallest_to_test)


def run(model, last5, params=5000, seed=1):
    """A crafted run of model whose last five epochs reached last5 (%), after ten epochs at 99 %."""
    return crafted_run([99.0] * 10 + list(last5), params=params, train_acc=99.5, model=model, seed=seed)


def runs(model, *last5s, params=5000):
    return {f"{model}, seed {seed}": run(model, last5, params, seed) for seed, last5 in enumerate(last5s, 1)}


def test_every_round_names_registered_models_once():
    names = [name for names in ROUNDS.values() for name in names]
    assert len(names) == len(set(names)) and set(names) <= set(model_names())


def test_best_of_picks_the_highest_last5_mean_among_the_named_models_only():
    rows = model_rows({**runs("big", [99.50] * 5, [99.40] * 5, params=7300),
                       **runs("a", [99.30] * 5, [99.20, 99.40, 99.40, 99.40, 99.40]),
                       **runs("b", [99.36] * 5, [99.34] * 5)})
    assert best_of(rows, ["a", "b"])["model"] == "b"  # 99.35 against 99.33
    assert best_of(rows, ["big", "a", "b"])["model"] == "big"


def test_first_to_meet_climbs_to_the_first_model_whose_every_run_met_the_target():
    rows = model_rows({**runs("e", [99.45] * 5, [99.45] * 4 + [99.39]), **runs("f", [99.41] * 5, [99.40] * 5),
                       **runs("g", [99.6] * 5, [99.6] * 5)})
    assert [(row["runs"], row["met"]) for row in rows] == [(2, 1), (2, 2), (2, 2)]
    assert first_to_meet(rows, ["e", "f", "g"])["model"] == "f"  # e misses on one run by a single epoch
    assert first_to_meet(rows, ["g", "f"])["model"] == "g"
    assert first_to_meet(rows, ["e"]) is None


def test_a_rung_passes_with_the_pass_mark_of_runs_meeting_the_target_and_not_one_fewer():
    met = [99.45] * 5
    missed = [99.45] * 4 + [99.39]
    at_mark = model_rows(runs("e", *[met] * PASS_MARK, *[missed] * (4 - PASS_MARK)))[0]
    below = model_rows(runs("e", *[met] * (PASS_MARK - 1), *[missed] * (5 - PASS_MARK)))[0]
    assert passes(at_mark) and not passes(below)


def test_the_smallest_to_test_is_the_climbed_rung_else_the_first_passing_rung_else_the_reference():
    met, missed = [99.45] * 5, [99.30] * 5
    lower = model_rows(runs("e", met, missed, missed, missed))[0]
    upper = model_rows(runs("f", met, met, met, missed))[0]
    climbed = model_rows(runs("c", met, met))[0]
    assert smallest_to_test(climbed, [lower, upper], "Model_6") == "c"
    assert smallest_to_test(None, [lower, upper], "Model_6") == "f"
    assert smallest_to_test(None, [lower], "Model_6") == "Model_6"


def test_rung_texts_say_how_many_met_the_range_of_means_and_the_verdict():
    rung = runs("e", [99.45] * 5, [99.45] * 5, [99.30] * 5, [99.50] * 5)
    texts = rung_texts(model_rows(rung)[0], rung)
    assert texts == {"met": "3 of 4", "range": "99.30 to 99.50 %", "verdict": "it goes to the test set"}


def test_search_folders_keep_the_reference_where_its_chapter_keeps_it(tmp_path):
    folders = search_folders(tmp_path, "Model_6", "elsewhere/step_8")
    assert folders["Model_6"] == Path("elsewhere/step_8")
    assert folders["Small_K"] == tmp_path / "validation" / "Small_K"
    assert set(folders) == {"Model_6", *[name for names in ROUNDS.values() for name in names]}


def test_validation_runs_change_the_model_alone_and_hold_out_the_validation_split(monkeypatch, tmp_path):
    asked = {}
    monkeypatch.setattr(search, "fit_each_seed",
                        lambda runs, seeds, processes: asked.update(runs=runs, seeds=seeds, processes=processes) or {})
    cfg = RunConfig(lr=0.07)
    folders = search_folders(tmp_path, "Model_6", tmp_path / "ref")
    Search(cfg, folders, processes=0).validate(["Small_A", "Model_6"], seeds=(3,))
    assert asked["seeds"] == (3,) and asked["processes"] == 0
    assert {name: (c.model, c.holdout, c.lr) for name, (c, _) in asked["runs"].items()} == {
        "Small_A": ("Small_A", search.HOLDOUT, 0.07), "Model_6": ("Model_6", search.HOLDOUT, 0.07)}
    assert asked["runs"]["Model_6"][1] == tmp_path / "ref"


def test_more_seeds_join_a_networks_earlier_runs(monkeypatch, tmp_path):
    earlier = {**runs("Small_E", [99.45] * 5, [99.30] * 5), **runs("Small_F", [99.5] * 5)}
    more = {f"Small_E, seed {seed}": run("Small_E", [99.45] * 5, seed=seed) for seed in search.MORE_SEEDS}
    monkeypatch.setattr(search, "fit_each_seed", lambda runs, seeds, processes: more)
    row, joined = Search(RunConfig(), search_folders(tmp_path, "Model_6", tmp_path)).with_more_seeds(earlier, "Small_E")
    assert list(joined) == ["Small_E, seed 1", "Small_E, seed 2", "Small_E, seed 3", "Small_E, seed 4"]
    assert (row["model"], row["runs"], row["met"]) == ("Small_E", 4, 3)

