"""torch.profiler over fit's training step, its time grouped by what it is spent on."""
import os
import warnings
from dataclasses import replace

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

from .data import BatchLoader
from .evaluation import evaluate
from .speed import FAST, TODAY, TimedStep
from .train import pick_device

# Labels that fit's code (train.train_step) and profile_step put around whole phases; every op inside one is the
# phase's. Outside them, an op is grouped by its own name (and a convolution by its weight's shape).
PHASES = {"augmentation": "augmentation", "Optimizer.step": "optimizer step", "Optimizer.zero_grad": "optimizer step",
          "weight averaging": "weight averaging", "evaluation": "evaluation"}
OPS = {"batch_norm": "batch norm", "relu": "activations and pooling", "clamp_min": "activations and pooling",
       "threshold_backward": "activations and pooling", "max_pool": "activations and pooling",
       "avg_pool": "activations and pooling", "mean": "activations and pooling",
       "log_softmax": "loss", "nll_loss": "loss", "cross_entropy": "loss"}
# The profiler's library writes a line to the process's stderr at every start and stop of a recording, which a
# notebook shows; 6 silences it (it reads the variable when it first starts, so setting it here is in time).
os.environ.setdefault("KINETO_LOG_LEVEL", "6")
CYCLE = 5  # steps the profiler records between clear-outs (see profile_step)
GROUPS = ("depthwise convolutions", "pointwise convolutions", "full convolutions", "batch norm",
          "activations and pooling", "loss", "optimizer step", "weight averaging", "augmentation", "evaluation",
          "other operators")


def convolution_kind(event):
    """Depthwise, pointwise or full, from the input and weight shapes that the profiler recorded."""
    shapes = event.input_shapes
    x, w = (shapes[1], shapes[2]) if "backward" in event.name else (shapes[0], shapes[1])
    if len(w) < 4 or len(x) < 4:
        return None
    if w[2:] == [1, 1]:
        return "pointwise convolutions"
    return "depthwise convolutions" if w[1] == 1 and x[1] > 1 else "full convolutions"


def group_of(event):
    """(group, backward?) of one profiled operator."""
    chain, e = [], event
    while e is not None:
        chain.append(e)
        e = e.cpu_parent
    backward = any(e.name.startswith("autograd::engine") or "backward" in e.name.lower() for e in chain)
    for e in reversed(chain):  # the outermost phase label wins
        phase = next((group for label, group in PHASES.items() if e.name.startswith(label)), None)
        if phase:
            return phase, backward
    for e in chain:  # the innermost operator that says what it is
        if "convolution" in e.name and e.input_shapes:
            kind = convolution_kind(e)
            if kind:
                return kind, backward
        op = next((group for key, group in OPS.items() if key in e.name), None)
        if op:
            return op, backward
    return "other operators", backward


def profile_step(data, cfg, *, steps=200, threads=1, step=FAST):
    """Rows of milliseconds a training step spends in each group, forward and backward, over `steps` steps of fit's
    step (set up as `step` says) on `threads` threads, with the share of evaluation that an epoch adds per step.

    The profiler records CYCLE steps at a time and is cleared after each: its records, kept all at once, would grow
    the heap under the step's own tensors, whose every step would then touch fresh pages, and the page faults (a
    few thousand a step, where an unprofiled step has tens) would be timed as batch norm and ReLU."""
    device = pick_device(cfg.device)
    timed = TimedStep(data, cfg, replace(step, threads=threads), device)
    cycles = -(-steps // CYCLE)
    share = round(cycles * CYCLE * len(data.test_labels) / len(timed.batches))  # test images an epoch evaluates
    eval_x, eval_y = data.test_images[:share], data.test_labels[:share]
    eval_loader = BatchLoader(eval_x.to(device), eval_y.to(device), batch_size=cfg.eval_batch_size, mean=data.mean,
                              std=data.std, shuffle=False)
    timed.images_per_second(10)  # warm-up outside the profile
    totals = {(group, backward): 0.0 for group in GROUPS for backward in (False, True)}

    def add_up(prof):
        for event in prof.events():
            totals[group_of(event)] += event.self_cpu_time_total / 1000 / (cycles * CYCLE)  # us -> ms per step

    torch_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        batches = iter(timed.batches)
        with warnings.catch_warnings(), profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                                                on_trace_ready=add_up,
                                                schedule=schedule(wait=0, warmup=1, active=CYCLE)) as prof:
            warnings.filterwarnings("ignore", "Warning: Profiler clears events")  # as it should: add_up has them
            for _ in range(cycles * (1 + CYCLE)):  # each cycle: one unrecorded step, then CYCLE recorded ones
                with record_function("augmentation"):
                    x, y = next(batches)
                timed(x, y)
                prof.step()
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            with record_function("evaluation"):
                evaluate(timed.model, eval_loader)
        add_up(prof)
    finally:
        torch.set_num_threads(torch_threads)
    whole = sum(totals.values())
    return [dict(group=group, forward_ms=totals[group, False], backward_ms=totals[group, True],
                 ms=totals[group, False] + totals[group, True],
                 share=100 * (totals[group, False] + totals[group, True]) / whole) for group in GROUPS]


def top_groups(rows, n=5):
    """The n groups of a profile (profile_step rows) that take most of a step, as "group share %", largest first."""
    return [f"{row['group']} {row['share']:.0f} %" for row in sorted(rows, key=lambda r: -r["ms"])[:n]]


def share(rows, *groups):
    """The share (%) of a step that the named groups of a profile take together."""
    return sum(row["share"] for row in rows if row["group"] in groups)


def backward_share(rows):
    """The share (%) of a step spent in backward passes."""
    return 100 * sum(row["backward_ms"] for row in rows) / sum(row["ms"] for row in rows)


def step_profiles(data, cfg, *, steps=200):
    """{title: profile_step rows}: the final network's step before and now, on one and two threads, and step 2's
    plain network (Model_2) with the same recipe for contrast."""
    plain = replace(cfg, model="Model_2")
    return {"Model_6, before, 1 thread": profile_step(data, cfg, steps=steps, step=TODAY),
            "Model_6, now, 1 thread": profile_step(data, cfg, steps=steps),
            "Model_6, now, 2 threads": profile_step(data, cfg, steps=steps, threads=2),
            "Model_2, now, 1 thread": profile_step(data, plain, steps=steps),
            "Model_2, now, 2 threads": profile_step(data, plain, steps=steps, threads=2)}


def profile_columns(profiles):
    """One row per group, one column of milliseconds per profile, and a last row with each profile's total."""
    groups = [row["group"] for row in next(iter(profiles.values()))] + ["all"]
    totals = {title: {**{r["group"]: r["ms"] for r in rows}, "all": sum(r["ms"] for r in rows)}
              for title, rows in profiles.items()}
    return [{"group": group, **{title: totals[title][group] for title in profiles}} for group in groups]
