"""Figures for the book: learning curves, digit grids, misclassified digits, confusion matrix."""
import matplotlib.pyplot as plt
import numpy as np
import torch

from .augment import random_augment
from .report import confusion_matrix
from .target import TARGET_ACCURACY, TARGET_PARAMS


def plot_digits(images, titles=None, ncols=10, size=1.1):
    """A grid of 28x28 digits (float in [0, 1]) with optional titles."""
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if titles else 1)))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].squeeze().cpu(), cmap="gray_r", vmin=0, vmax=1)
            if titles:
                ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def plot_augmented(images, augment, copies=4, seed=0):
    """Each original in the top row, with `copies` random augmentations of it below."""
    generator = torch.Generator().manual_seed(seed)
    rows = [images] + [random_augment(images, augment, generator) for _ in range(copies)]
    fig = plot_digits(torch.cat(rows), ncols=len(images))
    fig.suptitle("top row: originals; below: augmented copies", fontsize=9)
    fig.tight_layout()
    return fig


def plot_misclassified(images, labels, preds, limit=None):
    """Every misclassified digit (or the first `limit`), titled 'true -> predicted'."""
    wrong = (preds != labels).nonzero().flatten()[:limit]
    return plot_digits(images[wrong], [f"{labels[i]} -> {preds[i]}" for i in wrong.tolist()], ncols=12)


def plot_confusion(labels, preds):
    counts = confusion_matrix(labels, preds).numpy()
    off_diagonal = counts - np.diag(np.diag(counts))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(off_diagonal, cmap="Reds")
    for t in range(10):
        for p in range(10):
            if counts[t, p]:
                ax.text(p, t, counts[t, p], ha="center", va="center", fontsize=7,
                        color="0.6" if t == p else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title="confusion matrix (colour: errors only)")
    fig.tight_layout()
    return fig


def plot_accuracy_vs_params(rows):
    """Left: each step's mean lowest accuracy of the last 5 epochs over its seeds, with its 95 % interval, against
    its parameters (log scale), the budget and the bar marked. Right: the same in step order, where the steps under
    the budget no longer overlap. rows: seed_group_rows' rows with "parameters" added, named by their step number."""
    fig, (ax, ax_steps) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw=dict(width_ratios=(3, 2)))
    for i, r in enumerate(rows):
        mean, (low, high) = r["last5_min_mean"], r["last5_min_interval"]
        spread = [[mean - low], [high - mean]]
        colour = plt.cm.tab20(i % 20)  # each step in its own colour, up to twenty
        ax.errorbar(r["parameters"], mean, yerr=spread, fmt="o", color=colour, capsize=3)
        ax.annotate(r["seed_group"], (r["parameters"], mean), textcoords="offset points", xytext=(5, 3), fontsize=8)
        ax_steps.errorbar(i, mean, yerr=spread, fmt="o", color=colour, capsize=3)
    ax.axvline(TARGET_PARAMS, color="C3", ls="--", lw=1, label=f"{TARGET_PARAMS:,} parameters")
    ax.set(xscale="log", xlabel="trainable parameters", ylabel="lowest accuracy of the last 5 epochs (%)",
           title="mean over the seeds, with its 95 % interval")
    ax_steps.set(xticks=range(len(rows)), xticklabels=[r["seed_group"] for r in rows], xlabel="step",
                 ylabel="lowest accuracy of the last 5 epochs (%)", title="the same, step by step")
    for a in (ax, ax_steps):
        a.axhline(TARGET_ACCURACY, color="k", ls=":", lw=1, label=f"{TARGET_ACCURACY:.2f} %")
        a.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_throughput(rows):
    """Images per second of each pipeline, as horizontal bars."""
    fig, ax = plt.subplots(figsize=(7, 2.2))
    names, rates = [r["pipeline"] for r in rows], [r["images_per_second"] for r in rows]
    ax.barh(names, rates, color=["0.6", "C0"][:len(rows)])
    for y, rate in enumerate(rates):
        ax.text(rate, y, f" {rate:,.0f}", va="center", fontsize=9)
    ax.set(xlabel="training images per second", xlim=(0, max(rates) * 1.2), title=rows[0]["machine"])
    fig.tight_layout()
    return fig


def plot_profile(profiles):
    """Milliseconds of a training step by group, one stacked bar per profile ({title: profile_step rows})."""
    fig, ax = plt.subplots(figsize=(9, 0.7 * len(profiles) + 2.2))
    titles = list(profiles)[::-1]  # the first profile on top
    left = np.zeros(len(titles))
    for i, group in enumerate(row["group"] for row in next(iter(profiles.values()))):
        ms = np.array([next(r["ms"] for r in profiles[t] if r["group"] == group) for t in titles])
        ax.barh(titles, ms, left=left, color=plt.cm.tab20(i), label=group)
        left += ms
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:.0f} ms", va="center", fontsize=9)
    ax.set(xlabel="CPU milliseconds per training step (profiled)", xlim=(0, left.max() * 1.15))
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.25 - 0.1 / len(profiles)))
    fig.tight_layout()
    return fig


def plot_levers(rows):
    """Each lever's images per second as a ratio to the first row's, as horizontal bars; where rows give the lowest
    and highest ratio of single turns (lever_rows' ratio_range), as whiskers."""
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.2))
    rows = rows[::-1]  # the first row on top
    names, ratios = [r["lever"] for r in rows], [r["ratio"] for r in rows]
    ranges = [r.get("ratio_range", (r["ratio"], r["ratio"])) for r in rows]
    ax.barh(names, ratios, color=["C0" if r >= 1 else "0.6" for r in ratios],
            xerr=[[r - low for r, (low, _) in zip(ratios, ranges)], [high - r for r, (_, high) in zip(ratios, ranges)]],
            error_kw=dict(lw=0.8, capsize=2))
    for y, (r, (_, high)) in enumerate(zip(ratios, ranges)):
        ax.text(max(r, high), y, f" {r:.2f}x", va="center", fontsize=8)
    ax.axvline(1, color="k", lw=0.8)
    ax.set(xlabel="images per second, as a ratio to the first row", xlim=(0, max(high for _, high in ranges) * 1.2))
    fig.tight_layout()
    return fig


def plot_seed_groups(groups, ylabel="lowest accuracy of the last 5 epochs (%)"):
    """Each group's seeds as points ({name: [values]}), its mean with the 95 % interval where it has two seeds or
    more, and the bar."""
    from .stats import mean_interval

    long = max(len(name) for name in groups) > 12  # long names stand slanted beneath a narrower figure
    fig, ax = plt.subplots(figsize=(2 + (0.6 if long else 1.6) * len(groups), 6 if long else 3.6))
    for i, (name, values) in enumerate(groups.items()):
        ax.plot([i] * len(values), values, "o", color=f"C{i % 10}", alpha=0.6, ms=5)
        if len(values) > 1:
            mean, low, high = mean_interval(values)
            ax.errorbar(i + 0.15, mean, yerr=[[mean - low], [high - mean]], fmt="s", color="k", capsize=4, ms=5)
    ax.axhline(TARGET_ACCURACY, color="k", ls=":", lw=1, label=f"{TARGET_ACCURACY:.2f} %")
    ax.set(xticks=range(len(groups)), xlim=(-0.5, len(groups) - 0.3), ylabel=ylabel)
    ax.set_xticklabels(list(groups), rotation=50 if long else 0, ha="right" if long else "center")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_seed_bands(groups):
    """Accuracy per epoch over the seeds of each group of runs ({name: {key: History}}), train on the left and the
    evaluation set on the right: the seeds' mean as a line, their lowest to highest as a band, and the target bar."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    tails = []
    for i, (name, runs) in enumerate(groups.items()):
        epochs = next(iter(runs.values())).column("epoch")
        for ax, column in zip(axes, ("train_acc", "test_acc")):
            curves = np.array([history.column(column) for history in runs.values()])
            ax.fill_between(epochs, curves.min(0), curves.max(0), color=f"C{i}", alpha=0.25, lw=0)
            ax.plot(epochs, curves.mean(0), "-o", ms=3, color=f"C{i}", label=f"{name} ({len(runs)} seeds)")
            tails.extend(curves[:, len(epochs) // 3:].flatten())
    eval_sets = {history.meta.get("eval_set", "test") for runs in groups.values() for history in runs.values()}
    for ax, title in zip(axes, ("train", " and ".join(sorted(eval_sets)))):
        ax.axhline(TARGET_ACCURACY, color="k", lw=0.8, ls=":", label=f"{TARGET_ACCURACY:.2f} %")
        ax.set(xlabel="epoch", title=f"{title} accuracy: seeds' mean, lowest to highest")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set(ylabel="accuracy (%)", ylim=(min(min(tails), TARGET_ACCURACY) - 0.3, 100))  # the last two thirds
    fig.tight_layout()
    return fig

