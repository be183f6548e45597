import copy
import json
from dataclasses import replace

import pytest
import torch
import torch.nn as nn

import mnist_lib.train as train
from mnist_lib.config import RunConfig
from mnist_lib.evaluation import accuracy_of, predict
from mnist_lib.history import History, finished_history, load_trained, save_weights_atomic
from mnist_lib.models import build_model
from mnist_lib.runs import fit_each_seed, fit_seeds
from mnist_lib.train import fit, train_step
from test_models import HAND_COUNTS

# No weight averaging: 128 steps are too few for an average over about a thousand.
TINY = RunConfig(model="Model_4", epochs=2, lr=0.05, ema=0, train_subset=4096, test_subset=1000)


def test_a_short_fit_beats_chance_and_lowers_the_loss(data):
    history = fit(build_model("Model_4"), data, TINY, progress=False)
    assert history.column("train_loss")[1] < history.column("train_loss")[0]
    assert history.column("test_acc")[-1] > 50  # chance is 10 %


def test_same_seed_same_history(data):
    def run(seed):
        cfg = replace(TINY, seed=seed, train_subset=1024)  # two epochs: the second starts from the first's state
        h = fit(build_model(cfg.model, seed=seed), data, cfg, progress=False)
        return [(r["train_loss"], r["test_acc"]) for r in h.epochs]

    first = run(7)
    assert run(7) == first and run(8) != first


def test_history_and_weights_are_written(data, tmp_path):
    model = build_model(TINY.model)
    history = fit(model, data, TINY, out=tmp_path, progress=False)
    saved = History.load(tmp_path / "history.json")
    assert saved.epochs == json.loads(json.dumps(history.epochs))
    assert saved.meta["config"] == TINY.to_dict() and saved.meta["versions"]["torch"]
    assert saved.params == HAND_COUNTS[TINY.model]
    fresh = load_trained(tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.json", "model.pt"]


def test_an_interrupted_run_keeps_its_finished_epochs(data, tmp_path, monkeypatch):
    real, calls = train.train_epoch, []

    def interrupt_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train, "train_epoch", interrupt_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        fit(build_model(TINY.model), data, TINY, out=tmp_path, progress=False)
    assert [r["epoch"] for r in History.load(tmp_path / "history.json").epochs] == [1]


def test_a_diverging_loss_stops_with_advice(data):
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(build_model("Model_2"), data, RunConfig(model="Model_2", lr=1e6, epochs=1, train_subset=2048),
            progress=False)


def test_step_scheduler_decays_the_rate_each_step(data):
    cfg = RunConfig(model="Model_4", epochs=3, lr=0.1, scheduler="step", step_size=1, gamma=0.5,
                    train_subset=512, test_subset=100)
    assert fit(build_model(cfg.model), data, cfg, progress=False).column("lr") == pytest.approx([0.1, 0.05, 0.025])


def test_onecycle_warms_up_then_anneals(data):
    cfg = RunConfig(model="Model_4", epochs=4, lr=0.1, scheduler="onecycle", train_subset=512, test_subset=100)
    lrs = fit(build_model(cfg.model), data, cfg, progress=False).column("lr")
    assert lrs[0] == pytest.approx(0.1 / 25) and lrs[1] > lrs[0] and lrs[3] < lrs[1]


def test_holdout_is_evaluated_instead_of_the_test_set(data):
    cfg = RunConfig(holdout=5000, test_subset=0)
    train_x, _, eval_x, eval_y, name = train.split_for(cfg, data)
    assert name == "validation" and len(train_x) == 55000 and len(eval_x) == 5000
    assert torch.equal(eval_y, data.train_labels[-5000:])


def same_run(a, b):
    """True when two runs' histories agree in everything but their timings."""
    untimed = [[{k: v for k, v in row.items() if k != "seconds"} for row in h.epochs] for h in (a, b)]
    return a.meta == b.meta and untimed[0] == untimed[1]


def test_fit_seeds_trains_each_seed_once_in_workers_or_here_alike_and_reads_finished_runs(tmp_path, monkeypatch):
    cfg = RunConfig(model="Model_4", epochs=1, train_subset=512, test_subset=200)
    pooled = fit_seeds(cfg, [1, 2], tmp_path / "pool", processes=2)
    assert [pooled[s].meta["seed"] for s in (1, 2)] == [1, 2] and pooled[1].epochs != pooled[2].epochs
    written = (tmp_path / "pool" / "seed_1" / "history.json").stat().st_mtime_ns
    monkeypatch.setattr("mnist_lib.runs.local_executor", lambda *args: pytest.fail("a finished run was trained again"))
    again = fit_seeds(cfg, [1, 2], tmp_path / "pool", processes=2)
    assert (tmp_path / "pool" / "seed_1" / "history.json").stat().st_mtime_ns == written
    assert again[1].epochs == pooled[1].epochs
    assert finished_history(replace(cfg, seed=1, lr=0.02), tmp_path / "pool" / "seed_1") is None
    threads = torch.get_num_threads()
    here = fit_seeds(cfg, [1, 2], tmp_path / "here", processes=0)  # no worker: local_executor would fail
    assert torch.get_num_threads() == threads  # the runs' one thread is not left behind
    for seed in (1, 2):
        assert same_run(here[seed], pooled[seed])
        assert ((tmp_path / "here" / f"seed_{seed}" / "model.pt").read_bytes() ==
                (tmp_path / "pool" / f"seed_{seed}" / "model.pt").read_bytes())


def test_fit_each_seed_trains_every_run_once_per_seed_in_its_own_folder(tmp_path):
    cfg = RunConfig(model="Model_4", epochs=1, train_subset=512, test_subset=200)
    runs = {"a": (cfg, tmp_path / "a"), "b": (replace(cfg, model="Model_2"), tmp_path / "b")}
    histories = fit_each_seed(runs, [1, 2], processes=0)
    assert list(histories) == ["a, seed 1", "a, seed 2", "b, seed 1", "b, seed 2"]
    assert [(h.meta["model"], h.meta["seed"]) for h in histories.values()] == [
        ("Model_4", 1), ("Model_4", 2), ("Model_2", 1), ("Model_2", 2)]
    assert all(finished_history(replace(runs[key][0], seed=seed), tmp_path / key / f"seed_{seed}")
               for key in runs for seed in (1, 2))


def test_with_ema_the_saved_weights_are_the_average_that_was_evaluated(data, tmp_path):
    cfg = replace(TINY, ema=0.99)
    model = build_model(cfg.model, seed=1)
    history = fit(model, data, cfg, out=tmp_path, progress=False)
    averaged = build_model(cfg.model)
    averaged.load_state_dict(torch.load(tmp_path / "model.pt"))
    assert not torch.equal(averaged.block1[0][0].weight, model.block1[0][0].weight)  # not the last step's weights
    _, _, test_x, test_y, _ = train.split_for(cfg, data)
    predicted = predict(averaged, test_x, mean=data.mean, std=data.std)
    assert accuracy_of((predicted == test_y).sum().item(), len(test_y)) == history.column("test_acc")[-1]


def test_the_same_weights_save_to_the_same_bytes(tmp_path):
    model = build_model("Model_3", seed=1)
    save_weights_atomic(model, tmp_path / "a.pt")
    save_weights_atomic(model, tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_runs_handed_to_a_dask_cluster_write_what_the_local_pool_writes(tmp_path):
    """Any concurrent.futures executor can train the runs; a Dask cluster's files match those of runs trained
    here (which match the local pool's: the test above)."""
    distributed = pytest.importorskip("distributed", reason="the cluster extra: pip install -e .[cluster]")
    cfg = RunConfig(model="Model_4", epochs=1, train_subset=512, test_subset=200)
    local = fit_seeds(cfg, [1, 2], tmp_path / "local", processes=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = fit_seeds(cfg, [1, 2], tmp_path / "dask", executor=client.get_executor())
    for seed in (1, 2):
        assert same_run(remote[seed], local[seed])
        assert ((tmp_path / "dask" / f"seed_{seed}" / "model.pt").read_bytes() ==
                (tmp_path / "local" / f"seed_{seed}" / "model.pt").read_bytes())


def test_a_finished_run_is_read_for_its_recipe_and_for_a_timing_only_if_computed_the_same_way(data, tmp_path):
    fit(build_model(TINY.model), data, TINY, out=tmp_path, progress=False)
    contiguous = replace(TINY, channels_last=False)
    assert finished_history(contiguous, tmp_path) is not None  # the same recipe, computed another way
    assert finished_history(TINY, tmp_path, exact=True) is not None
    assert finished_history(contiguous, tmp_path, exact=True) is None


def test_fit_trains_in_the_memory_format_the_config_names(data):
    for channels_last in (True, False):
        model = build_model("Model_6")
        fit(model, data, replace(TINY, model="Model_6", epochs=1, train_subset=256, test_subset=64,
                                 channels_last=channels_last), progress=False)
        layouts = []
        model.block1[0][1].register_forward_hook(  # the first batch norm: 12 maps of 26x26
            lambda module, inputs, out: layouts.append((out.is_contiguous(memory_format=torch.channels_last),
                                                        out.is_contiguous())))
        model(data.test_images[:4])
        assert layouts == [(channels_last, not channels_last)]


def test_each_member_of_an_ensemble_learns_from_its_own_loss_as_it_would_alone():
    torch.manual_seed(0)
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    pair = build_model("Pair_C", seed=0).train()
    alone = [copy.deepcopy(member).train() for member in pair.members]
    criterion = nn.CrossEntropyLoss()
    loss, logits = train_step(pair, x, y, torch.optim.SGD(pair.parameters(), lr=0.1, momentum=0.9), criterion)
    losses = [train_step(m, x, y, torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), criterion)[0] for m in alone]
    for member, single in zip(pair.members, alone):
        assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(member.parameters(), single.parameters()))
    assert torch.allclose(loss, sum(losses))
    assert logits.shape == (8, 10) and torch.allclose(logits.exp().sum(1), torch.ones(8), atol=1e-5)


def test_distillation_into_an_ensemble_says_it_takes_one_network():
    x, y = torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,))
    pair = build_model("Pair_C", seed=0).train()
    with pytest.raises(ValueError, match="not an ensemble"):
        train_step(pair, x, y, torch.optim.SGD(pair.parameters(), lr=0.1), nn.CrossEntropyLoss(), teacher=object())
