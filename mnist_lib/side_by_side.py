"""The published networks beside this book's: each peer trained with several seeds under its own recipe and under
the book's recipe (step 11's), and what the two comparisons resolve: the recipe's part (one network, two recipes)
and the network's part (one recipe, two networks)."""
from dataclasses import replace
from pathlib import Path

from .models import build_model, count_parameters
from .peers import BOOK_RECIPE, PEER_RECIPES, REPORTED, recipe_text, reported_lowest
from .report import (compare_runs, comparison_text, last5_minima, met_on_accuracy, met_text, model_costs,
                     seed_group_rows)
from .runs import fit_runs
from .stats import mean_interval, verdict
from .target import TARGET_ACCURACY, TARGET_PARAMS

RECIPES = ("own", "book")  # each peer's own recipe, then the book's recipe (step 11's) with the peer's network


def peer_runs(chapter, out, peers, own_seeds, book_seeds):
    """{"own": {peer: {seed: History}}, "book": {...}}: each peer trained under its own recipe (PEER_RECIPES) with
    own_seeds and under the book's recipe of step 11 (BOOK_RECIPE) with book_seeds, scored on the test set, each run in
    out/<peer>/<own|book>/seed_<n>. One call of fit_runs, seed by seed, so the two recipes share the workers and a
    stopped rerun leaves every peer with its first seeds. chapter (chapter.open_chapter's) gives the form."""
    recipes = {peer: {"own": PEER_RECIPES[peer], "book": replace(BOOK_RECIPE, model=peer)} for peer in peers}
    seeds = {"own": own_seeds, "book": book_seeds}
    runs = {(kind, peer, seed): (replace(chapter.recipe(recipes[peer][kind]), seed=seed),
                                 Path(chapter.folder(f"{out}/{peer}/{kind}")) / f"seed_{seed}")
            for seed in sorted({*own_seeds, *book_seeds}) for peer in peers for kind in RECIPES
            if seed in seeds[kind]}
    histories = fit_runs(runs, chapter.processes)
    return {kind: {peer: {seed: histories[kind, peer, seed] for seed in seeds[kind]} for peer in peers}
            for kind in RECIPES}


def recipe_rows(peers):
    """One row per peer: its parameters, multiply-adds and receptive field, counted on the network built afresh, and
    its recipe in words."""
    return [{"network": peer, "parameters": count_parameters(build_model(peer)), **model_costs(peer),
             "recipe": recipe_text(PEER_RECIPES[peer])} for peer in peers]


def reached(peer, runs):
    """How many of a peer's runs ({key: History}) reach the lowest figure its write-up reports over as many last
    epochs as the write-up gives (REPORTED: five, three or the final one), like for like; None for a peer whose
    write-up reports none."""
    reported = REPORTED.get(peer)
    if not reported:
        return None
    last, figure = len(reported["test_acc"]), reported_lowest(peer)
    return sum(min(history.column("test_acc")[-last:]) >= figure for history in runs.values())


def parts(peer_groups, reference):
    """{peer: {"total": comparison, "recipe": comparison, "network": comparison}}: each peer's difference from the
    book's network (reference, {key: History}, under the book's recipe) and its two parts, each compare_runs' Welch
    difference of mean last-5 minima: in all (the peer under its own recipe minus reference), the recipe's (the peer
    under the book's recipe minus under its own) and the network's (the peer minus reference, both under the book's
    recipe). In means, the total is the network's part minus the recipe's."""
    return {peer: {"total": compare_runs(own, reference),
                   "recipe": compare_runs(peer_groups["book"][peer], own),
                   "network": compare_runs(peer_groups["book"][peer], reference)}
            for peer, own in peer_groups["own"].items()}


def over_budget(runs):
    """Whether the network of runs ({key: History}) has TARGET_PARAMS parameters or more: made for a larger budget,
    so counted on accuracy alone."""
    return next(iter(runs.values())).params >= TARGET_PARAMS


def side_by_side_rows(peer_groups, ours):
    """One row per group of runs: each peer under its own recipe and under the book's (peer_groups, peer_runs'
    dict), then this book's networks under the book's recipe (ours, {name: {key: History}}); with the network's
    parameters and multiply-adds, seed_group_rows' figures (a network over the budget counted on accuracy alone),
    the lowest test accuracy its write-up reports, and how many seeds reached that figure."""
    named = {f"{peer}, {'own recipe' if kind == 'own' else 'book recipe'}": (peer, runs)
             for peer in peer_groups["own"] for kind in RECIPES for runs in [peer_groups[kind][peer]]}
    named |= {f"{name}, book recipe": (name, runs) for name, runs in ours.items()}
    over = [key for key, (_, runs) in named.items() if over_budget(runs)]
    rows = seed_group_rows({key: runs for key, (_, runs) in named.items()}, accuracy_only=over)
    for row, (network, runs) in zip(rows, named.values()):
        own = row["seed_group"].endswith("own recipe")  # a write-up's run used its own recipe
        row |= {"parameters": next(iter(runs.values())).params, "macs": model_costs(network)["macs"],
                "reported": reported_lowest(network) if own else None,
                "reached": reached(network, runs) if own else None}
    return rows


def split_rows(peer_groups, reference):
    """Per peer, its difference from the book's network in all and its two parts (parts), each as the difference
    with its 95 % Welch interval and the verdict it earns."""
    rows = []
    for peer, both in parts(peer_groups, reference).items():
        row = {"seed_group": peer}
        for part, comparison in both.items():
            row[f"{part}_part"] = (comparison["diff"], comparison["low"], comparison["high"])
            row[f"{part}_verdict"] = verdict(comparison, "higher", "lower", "not resolved")
        rows.append(row)
    return rows


def names_text(names):
    """Names as one phrase, for glued text (which shows no Markdown): "none", "A", "A and B", "A, B and C"."""
    return "none" if not names else names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def side_by_side_texts(peer_groups, reference_name, reference, reliable=(9, 10)):
    """The Analysis' words, keyed as the chapter glues them: which peers meet the target reliably under their own
    recipe (at least reliable[0] of reliable[1] seeds), which sometimes and which never; for each peer the recipe's
    and the network's part in words (split_rows); and which peers each part lifts, lowers or leaves unresolved;
    and "<peer>_<own|book>_met", each group's met_text, on accuracy alone for a peer over the budget."""
    counts = {peer: (met_on_accuracy(runs), len(runs)) for peer, runs in peer_groups["own"].items()}
    k, n = reliable
    texts = {"reliable": names_text([p for p, (met, of) in counts.items() if met * n >= k * of]),
             "sometimes": names_text([p for p, (met, of) in counts.items() if 0 < met and met * n < k * of]),
             "never": names_text([p for p, (met, _) in counts.items() if met == 0])}
    words = {"total": (f"above {reference_name}", f"below {reference_name}", "not resolved"),
             "recipe": ("higher under the book's recipe", "lower under the book's recipe", "not resolved"),
             "network": (f"above {reference_name}", f"below {reference_name}", "not resolved")}
    ways = {"total": {}, "recipe": {}, "network": {}}
    for peer, both in parts(peer_groups, reference).items():
        for part, comparison in both.items():
            texts[f"{peer}_{part}"] = comparison_text(comparison, *words[part])
            ways[part].setdefault(verdict(comparison, "higher", "lower", "same"), []).append(peer)
    texts["reached"] = "; ".join(
        f"{peer} {reached(peer, runs)}/{len(runs)} (its write-up: {reported_lowest(peer):.2f} %)"
        for peer, runs in peer_groups["own"].items() if reported_lowest(peer) is not None) or "none"
    for kind, groups in peer_groups.items():
        for peer, runs in groups.items():
            texts[f"{peer}_{kind}_met"] = met_text(runs, accuracy_only=over_budget(runs))
    for part, groups in ways.items():
        for way in ("higher", "lower", "same"):
            texts[f"{part}_{way}"] = names_text(groups.get(way, []))
    return texts


def training_hours(groups):
    """The hours of training (evaluation left out) recorded by every run of groups ({name: {key: History}})."""
    return sum(sum(history.column("seconds")) for runs in groups.values() for history in runs.values()) / 3600


def plot_side_by_side(own, book, ours):
    """The lowest test accuracy of the last 5 epochs of every seed, one column per network in order of parameters
    (the count beneath each name; the peers' counts lie too close together for a scale to part them): each peer's
    seeds under its own recipe (own, {peer: {key: History}}; circles, left) and under the book's (book; triangles,
    right), this book's networks (ours, {label: {key: History}}; squares), each group's mean with its 95 % interval
    where it has two seeds or more, and each write-up's own lowest reported epoch (open diamonds), over the epochs it
    gives."""
    import matplotlib.pyplot as plt

    params = {name: next(iter(runs.values())).params for name, runs in {**own, **book, **ours}.items()}
    columns = sorted(params, key=params.get)
    fig, ax = plt.subplots(figsize=(2 + 1.3 * len(columns), 4.5))
    for groups, marker, dodge, colour, label in ((own, "o", -0.18, "C0", "own recipe"),
                                                 (book, "^", 0.18, "C1", "the book's recipe"),
                                                 (ours, "s", 0.0, "k", "a network of this book")):
        for name, runs in groups.items():
            x, lows = columns.index(name) + dodge, last5_minima(runs)
            ax.plot([x] * len(lows), lows, marker, color=colour, alpha=0.5, ms=5, label=label)
            label = None  # one legend entry per kind
            if len(lows) > 1:
                mean, low, high = mean_interval(lows)
                ax.errorbar(x, mean, yerr=[[mean - low], [high - mean]], fmt="_", color=colour, capsize=4, ms=14)
    label = "its write-up's lowest reported epoch"
    for name in columns:
        if reported_lowest(name) is not None:
            ax.plot(columns.index(name), reported_lowest(name), "D", mfc="none", color="C3", ms=8, label=label)
            label = None
    ax.axhline(TARGET_ACCURACY, color="k", ls=":", lw=1, label=f"{TARGET_ACCURACY:.2f} %")
    over = [i for i, name in enumerate(columns) if params[name] >= TARGET_PARAMS]
    if over:
        ax.axvline(over[0] - 0.5, color="C3", ls="-.", lw=1, label=f"{TARGET_PARAMS:,} parameters")
    ax.set_xticks(range(len(columns)), [f"{name}\n{params[name]:,}" for name in columns])
    ax.set(xlim=(-0.6, len(columns) - 0.4), ylabel="lowest test accuracy of the last 5 epochs (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the seeds, covering none
    fig.tight_layout()
    return fig
