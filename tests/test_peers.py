from dataclasses import replace

import pytest

from mnist_lib.config import RunConfig
from mnist_lib.models import build_model, model_names
from mnist_lib.peers import DIFFERENCES, PEER_RECIPES, UNSTATED
from mnist_lib.train import fit

PEERS = [name for name in model_names() if name.startswith("Peer_")]


def test_there_is_a_recipe_and_a_list_of_differences_for_every_registered_peer():
    assert list(PEER_RECIPES) == PEERS and list(DIFFERENCES) == PEERS and list(UNSTATED) == PEERS


@pytest.mark.parametrize("name", PEERS)
def test_each_recipe_trains_its_own_peer_for_15_epochs_on_the_raw_weights(name):
    cfg = PEER_RECIPES[name]
    assert isinstance(cfg, RunConfig) and cfg.model == name and cfg.epochs == 15 and cfg.ema == 0


@pytest.mark.parametrize("name", PEERS)
def test_what_a_write_up_does_not_state_is_the_books_default(name):
    default = RunConfig()
    assert all(getattr(PEER_RECIPES[name], field) == getattr(default, field) for field in UNSTATED[name])


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
