import dataclasses

import pytest
import torch

from mnist_lib.cli import parser
from mnist_lib.config import RunConfig
from mnist_lib.train import scored_as, split_for


@pytest.mark.parametrize("bad, words", [
    (dict(epochs=0), "epochs must be at least 1"),
    (dict(batch_size=0), "batch_size"),
    (dict(optimizer="rmsprop"), "optimizer must be one of"),
    (dict(scheduler="cosine"), "scheduler must be one of"),
    (dict(lr=0), "lr must be positive"),
    (dict(rotation=-1), "rotation"),
    (dict(translate=1.5), "translate"),
    (dict(ema=1.0), r"ema must be in \[0, 1\)"),
    (dict(crop_scale=1.0), r"crop_scale must be in \[0, 1\) \(0 = off\), got 1.0"),
    (dict(crop_scale=-0.1), "crop_scale must be in"),
    (dict(jitter=1.0), r"jitter must be in \[0, 1\) \(0 = off\), got 1.0"),
    (dict(jitter=-0.1), "jitter must be in"),
    (dict(eval_batch_size=0), "eval_batch_size must be at least 1"),
])
def test_bad_values_are_refused_with_the_reason(bad, words):
    with pytest.raises(ValueError, match=words):
        RunConfig(**bad)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunConfig().epochs = 3


def test_smoke_shrinks_only_the_run_length():
    cfg = RunConfig(model="Model_3", lr=0.05, rotation=5)
    smoke = cfg.smoke()
    assert (smoke.epochs, smoke.train_subset, smoke.test_subset) == (1, 1024, 1024)
    assert (smoke.model, smoke.lr, smoke.rotation) == ("Model_3", 0.05, 5)


def test_on_validation_holds_out_the_last_10000_training_images_and_changes_nothing_else(data):
    cfg = RunConfig(lr=0.05).on_validation()
    assert dataclasses.replace(cfg, holdout=0) == RunConfig(lr=0.05)
    train_x, train_y, eval_x, eval_y, name = split_for(cfg, data)
    assert (name, len(train_y), len(eval_y)) == ("validation", 50000, 10000)
    assert torch.equal(eval_x, data.train_images[-10000:]) and torch.equal(train_x, data.train_images[:50000])


def test_data_scored_as_a_validation_run_puts_the_held_out_images_in_place_of_the_test_set(data):
    seen = scored_as(RunConfig().on_validation(), data)
    assert torch.equal(seen.test_images, data.train_images[-10000:])
    assert torch.equal(seen.test_labels, data.train_labels[-10000:])
    assert len(seen.train_labels) == 50000 and (seen.mean, seen.std) == (data.mean, data.std)
    assert torch.equal(scored_as(RunConfig(), data).test_labels, data.test_labels)


def test_cli_defaults_are_the_config_defaults():
    args = parser().parse_args(["train"])
    for field in dataclasses.fields(RunConfig):
        assert getattr(args, field.name) == field.default, field.name


def test_the_recipe_leaves_out_how_a_run_is_computed():
    fast, slow = RunConfig(), RunConfig(channels_last=False, eval_batch_size=100, device="cpu")
    assert fast != slow and fast.recipe() == slow.recipe()
    assert RunConfig(lr=0.05).recipe() != fast.recipe()
    assert not {"channels_last", "eval_batch_size", "device"} & set(fast.recipe())


def test_a_record_from_before_the_speed_fields_reads_as_computed_before():
    recorded = {k: v for k, v in RunConfig().to_dict().items() if k not in ("channels_last", "eval_batch_size")}
    old = RunConfig.from_record(recorded)
    assert old.channels_last is False and old.eval_batch_size == 1000 and old.recipe() == RunConfig().recipe()
    assert RunConfig.from_record(RunConfig().to_dict()) == RunConfig()


def test_a_record_from_before_the_crop_and_jitter_reads_as_without_them():
    recorded = {k: v for k, v in RunConfig().to_dict().items() if k not in ("crop_scale", "jitter")}
    old = RunConfig.from_record(recorded)
    assert old.crop_scale == 0 and old.jitter == 0 and old == RunConfig()
