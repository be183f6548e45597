"""What every step chapter shows under the book's protocol: its recipe trained with five seeds on the validation
split, where the step is judged against the one before, and with five seeds on the test set, where it is reported."""
import statistics
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .config import RunConfig
from .report import (bar_text, compare_runs, comparison_text, last5_minima, mean_interval_text, met_count,
                     met_text)
from .runs import fit_seeds
from .stats import mean_interval, welch
from .target import TARGET_LAST, summarise

SEEDS = range(1, 6)  # each split's seeds; two in smoke form
SPLITS = ("validation", "test")  # where a step is judged against its base, then where it is reported

# Step 1's recipe: a fixed learning rate of 0.01, no augmentation, no weight averaging. The step scheduler, once
# step 5 turns it on, cuts the rate after 8 epochs until step 12.
START = RunConfig(model="Model_1", lr=0.01, scheduler="none", step_size=8, ema=0.0, rotation=0.0, translate=0.0)

# Each step of the drill-down: the step whose recipe it builds on, and the one change it makes to it. Every step
# builds on the one before, since no change was resolved lower on the validation split; step 2's fewer parameters
# would be kept whatever they cost (the budget needs them). Step 12's recipe is the final one, RunConfig's defaults.
CHANGES = {"01_setup": (None, {}),
           "02_skeleton": ("01_setup", dict(model="Model_2")),
           "03_batchnorm": ("02_skeleton", dict(model="Model_3")),
           "04_dropout": ("03_batchnorm", dict(model="Model_4")),
           "05_schedule": ("04_dropout", dict(lr=0.05, scheduler="step")),  # 0.05, a tenth of it after 8 epochs
           "06_capacity": ("05_schedule", dict(model="Model_5")),
           "07_augmentation": ("06_capacity", dict(rotation=7.0)),
           "08_shifts": ("07_augmentation", dict(translate=0.1)),
           "09_averaging": ("08_shifts", dict(ema=0.999)),
           "10_separable": ("09_averaging", dict(model="Model_6")),
           "11_learning_rate": ("10_separable", dict(lr=0.1)),
           "12_earlier_drop": ("11_learning_rate", dict(step_size=6))}  # cut every 6 epochs: 0.1, 0.01, 0.001


def step_recipe(step):
    """The RunConfig of a step of CHANGES ("08_shifts"): its base step's recipe with its one change."""
    if step not in CHANGES:
        raise KeyError(f"no step {step!r}; the steps are {', '.join(CHANGES)}")
    base, change = CHANGES[step]
    return replace(START if base is None else step_recipe(base), **change)


def step_change(step):
    """A step's change in words, field by field, from the recipe it builds on: "translate 0.0 → 0.1"."""
    base, change = CHANGES[step]
    before = START if base is None else step_recipe(base)
    return "; ".join(f"{name} {getattr(before, name)} → {value}" for name, value in change.items()) or "none"


def step_runs(cfg, out, chapter, splits=SPLITS):
    """{"validation": {seed: History}, "test": {seed: History}}: cfg trained once per seed on the validation split
    (in out/validation/seed_<n>) and on the full training set, scored on the test set (out/test/seed_<n>); a
    finished run is read, not trained again. splits picks fewer (a step reads only its base step's validation
    runs). chapter (chapter.open_chapter's) gives the form and the processes."""
    seeds = range(1, 3) if chapter.smoke else SEEDS
    folder = Path(chapter.folder(out))
    recipes = {"validation": cfg.on_validation(), "test": replace(cfg, holdout=0)}
    return {split: fit_seeds(recipes[split], seeds, folder / split, chapter.processes) for split in splits}


def step_texts(runs):
    """Each split's figures as glued text, keyed "<split>_<figure>": the lowest accuracy of the last 5 epochs (mean
    with its 95 % interval), the seeds meeting the target (with Wilson's interval) and that count against the bar,
    the best train and evaluation accuracy, the last epoch's train and evaluation accuracy and the first's train
    accuracy, the last epoch's train accuracy against its evaluation accuracy ("0.12 points above"), how far a
    seed's evaluation accuracy moves within its last 5 epochs (highest minus lowest), each a mean over the seeds,
    the median training seconds of an epoch, which resists the moments a shared machine slows a run down, where
    the lowest of the last 5 epochs falls (last5_low_epochs) and how far the evaluation accuracy climbs from the
    first of those epochs to the last (last5_climbs, mean with its 95 % interval)."""
    texts = {}
    for split, histories in runs.items():
        summaries = [summarise(history) for history in histories.values()]
        gap = statistics.mean(last_epoch_gaps(histories))
        first, last = [h.epochs[0] for h in histories.values()], [h.epochs[-1] for h in histories.values()]
        seconds = statistics.median(t for h in histories.values() for t in h.column("seconds"))
        texts |= {f"{split}_last5": mean_interval_text(*mean_interval(last5_minima(histories))),
                  f"{split}_met": met_text(histories),
                  f"{split}_bar": bar_text(met_count(histories), len(histories)),
                  f"{split}_best_train": f"{statistics.mean(s['best_train'] for s in summaries):.2f} %",
                  f"{split}_best_test": f"{statistics.mean(s['best_test'] for s in summaries):.2f} %",
                  f"{split}_first_train": f"{statistics.mean(e['train_acc'] for e in first):.1f} %",
                  f"{split}_last_train": f"{statistics.mean(e['train_acc'] for e in last):.2f} %",
                  f"{split}_last_heldout": f"{statistics.mean(e['test_acc'] for e in last):.2f} %",
                  f"{split}_gap": f"{abs(gap):.2f} points {'above' if gap >= 0 else 'below'}",
                  f"{split}_range": f"{statistics.mean(last5_ranges(histories)):.2f} points",
                  f"{split}_seconds": f"{seconds:.1f} s",
                  f"{split}_low_epoch": low_epoch_text(last5_low_epochs(histories)),
                  f"{split}_climb": "{:+.2f} points (95 % interval {:+.2f} to {:+.2f})".format(
                      *mean_interval(last5_climbs(histories)))}
    return texts


def last5_low_epochs(runs):
    """The epoch at which each run's evaluation accuracy is lowest within its last 5 epochs (the first such)."""
    return [min(history.epochs[-TARGET_LAST:], key=lambda e: e["test_acc"])["epoch"] for history in runs.values()]


def low_epoch_text(epochs):
    """Where the lowest of the last 5 epochs falls most often: "epoch 11 in 4 of 5 seeds"."""
    (epoch, count), = Counter(epochs).most_common(1)
    return f"epoch {epoch} in {count} of {len(epochs)} seeds"


def last5_climbs(runs):
    """How far each run's evaluation accuracy moves from the first of its last 5 epochs to the last (points)."""
    lasts = [history.epochs[-TARGET_LAST:] for history in runs.values()]  # fewer in a short run
    return [last[-1]["test_acc"] - last[0]["test_acc"] for last in lasts]


def last_epoch_gaps(runs):
    """Each run's train accuracy minus its evaluation accuracy at the last epoch (points), runs {key: History}."""
    return [history.epochs[-1]["train_acc"] - history.epochs[-1]["test_acc"] for history in runs.values()]


def last5_ranges(runs):
    """How far each run's evaluation accuracy moves within its last 5 epochs: highest minus lowest (points)."""
    return [s["last5_max"] - s["last5_min"] for s in map(summarise, runs.values())]


def step_decision(validation, base, base_name, needed=False):
    """A step's validation runs ({seed: History}) against its base step's (base), as glued text: "difference", the
    difference of mean last-5 minima in words with its 95 % Welch interval; "gap_difference" and "range_difference",
    the same comparison of the last epoch's gap (train minus held-out accuracy) and of how far the accuracy moves
    within the last 5 epochs (last5_ranges) and of how far it climbs from the first of them to the last
    (last5_climbs); and "decision", what the protocol does with the change:
    kept unless the interval resolves it lower; a change the target needs (needed: fewer parameters) is kept
    whatever it costs."""
    comparison = compare_runs(validation, base)
    lower = comparison["resolved"] and comparison["diff"] < 0
    words = (f"higher than {base_name}'s", f"lower than {base_name}'s", f"not resolved from {base_name}'s")
    return {"difference": comparison_text(comparison, *words),
            "gap_difference": comparison_text(welch(last_epoch_gaps(validation), last_epoch_gaps(base)), *words),
            "range_difference": comparison_text(welch(last5_ranges(validation), last5_ranges(base)), *words),
            "climb_difference": comparison_text(welch(last5_climbs(validation), last5_climbs(base)), *words),
            "decision": "kept" if needed or not lower else "not kept"}
