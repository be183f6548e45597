import re
from dataclasses import replace
from pathlib import Path

import pytest

from mnist_lib.config import RunConfig
from mnist_lib.models import build_model, model_names
from mnist_lib.peers import (BOOK_RECIPE, DIFFERENCES, PEER_RECIPES, REPORTED, UNSTATED, recipe_text,
                            reported_lowest)
from mnist_lib.steps import step_recipe
from mnist_lib.train import fit

PEERS = [name for name in model_names() if name.startswith("Peer_")]


def test_there_is_a_recipe_and_a_list_of_differences_for_every_registered_peer():
    assert list(PEER_RECIPES) == PEERS and list(DIFFERENCES) == PEERS and list(UNSTATED) == PEERS
    assert list(REPORTED) == PEERS


def test_the_reported_figures_are_those_peers_md_quotes():
    # ../shared/PEERS.md: B epochs 11-15, C epochs 13-15, D epochs 11-15 (of its 10-15), E its final test accuracy
    assert [reported_lowest(name) for name in [*PEERS, "Model_6"]] == [None, 99.42, 99.43, 99.42, 99.42, None]
    assert all(len(r["epochs"]) == len(r["test_acc"]) for r in REPORTED.values() if r)
    peers_md = Path(__file__).resolve().parents[2] / "shared" / "PEERS.md"
    if not peers_md.exists():
        pytest.skip(f"{peers_md} is not beside the repository")
    sections = re.split(r"^## Peer ", peers_md.read_text(), flags=re.M)[1:]
    for name, section in zip(PEERS, sections):
        quoted = " ".join(line for line in section.splitlines() if line.startswith("Reported:"))
        figures = ", ".join(re.findall(r"99\.\d\d", quoted))
        assert name == f"Peer_{section[0]}" and ", ".join(map(str, REPORTED[name]["test_acc"] if REPORTED[name]
                                                               else ())) in figures


@pytest.mark.parametrize("name", PEERS)
def test_each_recipe_trains_its_own_peer_for_15_epochs_on_the_raw_weights(name):
    cfg = PEER_RECIPES[name]
    assert isinstance(cfg, RunConfig) and cfg.model == name and cfg.epochs == 15 and cfg.ema == 0


@pytest.mark.parametrize("name", PEERS)
def test_what_a_write_up_does_not_state_is_the_books_recipe(name):
    assert all(getattr(PEER_RECIPES[name], field) == getattr(BOOK_RECIPE, field) for field in UNSTATED[name])


def test_the_books_recipe_beside_the_peers_is_step_11s():
    assert BOOK_RECIPE == step_recipe("11_learning_rate") and BOOK_RECIPE.step_size == 8


def test_the_stated_recipes_by_hand():
    # ../shared/PEERS.md: B, C and D state their whole training recipe
    b, c, d = PEER_RECIPES["Peer_B"], PEER_RECIPES["Peer_C"], PEER_RECIPES["Peer_D"]
    assert (b.optimizer, b.lr, b.momentum, b.scheduler, b.step_size, b.gamma, b.batch_size, b.rotation) == (
        "sgd", 0.01, 0.9, "step", 5, 0.1, 32, 10.0)
    assert (c.optimizer, c.lr, c.scheduler, c.batch_size, c.rotation, c.crop_scale) == (
        "sgd", 0.01, "onecycle", 64, 7.0, 0.85)
    assert (d.lr, d.scheduler, d.step_size, d.batch_size, d.rotation, d.translate, d.scale, d.jitter) == (
        0.04, "step", 7, 128, 20.0, 0.1, 0.1, 0.1)


@pytest.mark.parametrize("name", PEERS)
def test_each_recipe_runs_end_to_end(data, name):
    cfg = replace(PEER_RECIPES[name], epochs=1, train_subset=256, test_subset=100, device="cpu")
    history = fit(build_model(name, seed=cfg.seed), data, cfg, progress=False)
    assert len(history.epochs) == 1 and history.meta["config"] == cfg.to_dict()


def test_a_recipe_reads_in_words_with_only_the_augmentation_it_draws():
    assert recipe_text(PEER_RECIPES["Peer_D"]) == (
        "SGD (momentum 0.9) at 0.04, cut by 0.1 every 7 epochs; batches of 128; rotation ±20°, shifts ±10%, "
        "zoom ±10%, brightness and contrast ±10%")
    assert recipe_text(PEER_RECIPES["Peer_C"]) == (
        "SGD (momentum 0.9) at 0.01, one-cycle; batches of 64; rotation ±7°, crops of 85%+")
    assert recipe_text(RunConfig()).endswith(
        "batches of 64; weights averaged (decay 0.999); rotation ±7°, shifts ±10%")
    assert recipe_text(RunConfig(rotation=0, translate=0, ema=0)).endswith("batches of 64; no augmentation")
