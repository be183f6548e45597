import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import pytest
import torch

from mnist_lib.allocator import keep_freed_memory
from mnist_lib.config import RunConfig
from mnist_lib.speed import (FAST, TODAY, TimedStep, evaluation_rows, faults_per_step, lever_rows, lever_steps,
                             taking_turns, turns_apart)

CFG = RunConfig()  # the final recipe's model and augmentation
CPU = torch.device("cpu")


def test_the_first_lever_is_fits_step_before_and_every_other_changes_one_thing_from_it_or_from_now():
    levers = lever_steps(CPU)
    first, *rest = levers.items()
    assert first[1] == TODAY and levers["fit's step now (channels-last, allocator)"] == FAST
    for name, step in rest:
        base = TODAY if name.endswith("alone") or step == FAST else FAST
        changed = [k for k in vars(step) if getattr(step, k) != getattr(base, k)]
        assert len(changed) == 1 or step == FAST, (name, changed)
    assert "+ fp16 autocast" not in levers  # CUDA only


def test_lever_rows_give_each_levers_rate_and_its_ratio_to_the_first(data):
    levers = {"before": TODAY, "now": FAST}
    rows = lever_rows(data, CFG, steps=2, repeats=1, levers=levers)
    assert [r["lever"] for r in rows] == ["before", "now"] and rows[0]["ratio"] == 1.0
    assert rows[1]["ratio"] == pytest.approx(rows[1]["images_per_second"] / rows[0]["images_per_second"])
    assert rows[1]["ratio_range"] == (pytest.approx(rows[1]["ratio"]),) * 2  # one turn: one ratio


def test_a_levers_ratio_range_pairs_each_turn_with_the_same_turn_of_the_first(data, monkeypatch):
    rates = iter([100, 150, 50, 100, 200, 240])  # turns: before 100, now 150; 50, 100; 200, 240
    monkeypatch.setattr(TimedStep, "images_per_second", lambda self, steps: next(rates))
    before, now = lever_rows(data, CFG, steps=1, repeats=3, levers={"before": TODAY, "now": FAST})
    assert (now["images_per_second"], now["ratio"]) == (150, 1.5)  # medians: 150 against 100
    assert now["ratio_range"] == (1.2, 2.0) and before["ratio_range"] == (1.0, 1.0)


def test_a_timed_step_is_set_up_as_its_step_says(data):
    timed = TimedStep(data, CFG, replace(FAST, optimizer="foreach", average_every=4), CPU)
    assert timed.model.block1[0][0].weight.is_contiguous(memory_format=torch.channels_last)
    assert timed.optimizer.defaults["foreach"] is True
    timed.images_per_second(3)  # 5 warm-up steps and 3 timed: the average took in steps 4 and 8
    assert timed.averaged.n_averaged.item() == 2
    assert TimedStep(data, CFG, replace(FAST, average_every=0), CPU).averaged is None
    with pytest.raises(ValueError, match="steps must be at most"):
        timed.images_per_second(10 ** 6)


def test_turns_are_taken_in_order_and_the_median_kept():
    calls = []

    class Fake:
        def __init__(self, name, rates):
            self.name, self.rates = name, iter(rates)

        def images_per_second(self, steps):
            calls.append(self.name)
            return next(self.rates)

    rates = taking_turns({"a": Fake("a", [1, 9, 3]), "b": Fake("b", [5, 4, 6])}, steps=1, repeats=3)
    assert rates == {"a": 3, "b": 5} and calls == ["a", "b"] * 3
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        taking_turns({}, steps=1, repeats=0)


def test_evaluation_rows_compare_batch_sizes_to_fits(data):
    rows = evaluation_rows(data, RunConfig(test_subset=300, eval_batch_size=100), sizes=(50, 100), repeats=1)
    assert [r["batch_size"] for r in rows] == [50, 100] and rows[1]["ratio"] == 1.0


def faults_in_a_fresh_process(step):
    """faults_per_step of the test's recipe in a process of its own: what a process allocated and freed before
    (other tests' runs) changes how many pages a step finds already mapped."""
    from mnist_lib.data import load_mnist

    return faults_per_step(load_mnist(), CFG, step, steps=4)


def test_keeping_freed_memory_stops_the_page_faults_of_every_step():
    """The final network's step frees and allocates the same activations each step: by default glibc maps them
    afresh and every first touch of a page faults; kept, the memory serves again."""
    if not keep_freed_memory(True):
        pytest.skip("no glibc mallopt on this platform")
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=1) as pool:
        default, kept = pool.map(faults_in_a_fresh_process, (TODAY, FAST))
    assert default > 500 and kept < default / 10, (default, kept)


def test_a_lever_lies_above_or_below_another_only_when_their_turns_do_not_overlap():
    def row(low, high):
        return {"ratio_range": (low, high)}

    assert turns_apart(row(1.3, 1.4), row(1.1, 1.29)) == "above"
    assert turns_apart(row(1.0, 1.1), row(1.2, 1.3)) == "below"
    assert turns_apart(row(1.2, 1.4), row(1.1, 1.2)) == "within"  # touching ranges are not apart
