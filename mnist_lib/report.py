"""Tables built from recorded runs, for the book's Results and comparisons: one numeric row per run, and one
renderer that takes every header from LABELS and every number format from FORMATS."""
import html
import statistics

import torch

from .anatomy import final_receptive_field, macs
from .models import build_model
from .stats import mean_interval, verdict, welch, wilson
from .config import RunConfig
from .target import RELIABLE, TARGET_ACCURACY, summarise

PERCENT = "{:.2f}"
INTERVAL = "{:.2f}-{:.2f}"
DIFFERENCE = "{:+.2f} ({:+.2f} to {:+.2f})"

# The header each key of a row is shown under. A key missing here is shown as itself, as the rows of other modules
# (receptive_fields, dataset_stats, speed's) are; so none of their keys (rf, images, group, ...) may appear here.
LABELS = {"best_train": "best train %", "best_test": "best test %", "last5_mean": "last-5 mean %",
          "last5_min": "last-5 min %", "first_at": f"first epoch ≥ {TARGET_ACCURACY:.2f} %", "met": "target met",
          "seconds_per_epoch": "s / epoch", "macs": "MACs", "receptive_field": "RF",
          "seed_group": "runs", "met_of": "met", "met_interval": "met, 95 % interval",
          "last5_min_mean": "last-5 min mean %", "last5_min_interval": "95 % interval", "lowest": "lowest seed %",
          "highest": "highest seed %", "true_digit": "true digit", "read_as": "read as", "misread_share": "misread %",
          "ratio_range": "ratio, lowest-highest turn", "best_train_mean": "best train % (mean)",
          "best_test_mean": "best test or held-out % (mean)", "difference": "difference, points (95 % interval)",
          "reported": "write-up's lowest %", "reached": "seeds at or above it",
          "recipe_part": "book recipe − own, points (95 % interval)", "recipe_verdict": "recipe's part",
          "network_part": "peer − the book's network, book recipe, points (95 % interval)",
          "network_verdict": "network's part",
          "total_part": "own recipe − the book's network, points (95 % interval)", "total_verdict": "in all",
          "member_1": "member 1 alone %", "member_2": "member 2 alone %", "members_mean": "members' mean %",
          "ensemble": "both averaged %", "single": "single network %"}

# The format string of each key; a tuple fills the fields of its format. Any other value is shown with str().
FORMATS = {"parameters": "{:,}", "macs": "{:,}", "best_train": PERCENT, "best_test": PERCENT, "last5_mean": PERCENT,
           "last5_min": PERCENT, "seconds_per_epoch": "{:.1f}", "met_of": "{}/{}", "met_interval": "{:.0f}-{:.0f} %",
           "last5_min_mean": PERCENT, "last5_min_interval": INTERVAL, "lowest": PERCENT, "highest": PERCENT,
           "misread_share": PERCENT, "ratio_range": "{:.2f}-{:.2f}", "best_train_mean": PERCENT,
           "best_test_mean": PERCENT, "difference": DIFFERENCE, "reported": PERCENT, "recipe_part": DIFFERENCE,
           "network_part": DIFFERENCE, "total_part": DIFFERENCE, "member_1": PERCENT, "member_2": PERCENT,
           "members_mean": PERCENT, "ensemble": PERCENT, "single": PERCENT}

# The labels of a table of runs scored on the validation split, where "test" would mislead.
HELD_OUT = {"best_test": "best held-out %", "last5_min": "last-5 min held-out %",
            "first_at": f"first epoch held-out ≥ {TARGET_ACCURACY:.2f} %"}

# The columns of a table of seeds, in the order the reader sees them.
SEED_COLUMNS = ("seed", "best_train", "best_test", "last5_min", "first_at", "met")


def table_cells(rows, columns=None, formats=None, labels=None):
    """The headers and the display strings of rows: the given columns (all of the first row's keys by default),
    each headed by its label and shown in its format; formats and labels override FORMATS and LABELS for this
    table."""
    columns = list(columns or rows[0])
    formats = {**FORMATS, **(formats or {})}
    labels = {**LABELS, **(labels or {})}

    def cell(key, value):
        if value is None:
            return "–"
        if isinstance(value, bool):  # before any number format: a bool is an int
            return "yes" if value else "no"
        fmt = formats.get(key, "{}")
        return fmt.format(*value) if isinstance(value, tuple) else fmt.format(value)

    return [labels.get(key, key) for key in columns], [[cell(key, row[key]) for key in columns] for row in rows]


def markdown_table(rows, columns=None, formats=None):
    """Rows as a Markdown table (see table_cells)."""
    headers, body = table_cells(rows, columns, formats)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def html_table(rows, columns=None, formats=None, note=None, labels=None):
    """Rows as an HTML table (see table_cells), with a note beneath it: the form a glued table keeps when another
    page pastes it."""
    headers, body = table_cells(rows, columns, formats, labels)

    def tr(cells, tag):
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    return ('<table class="table">\n<thead>' + tr(headers, "th") + "</thead>\n<tbody>\n"
            + "\n".join(tr(cells, "td") for cells in body) + "\n</tbody>\n</table>"
            + (f"\n<p>{html.escape(note)}</p>" if note else ""))


def run_row(history, name=None):
    """One run as numbers, read off its history alone: which run it is (name, else its model) and what it reached."""
    s = summarise(history)
    model = history.meta.get("model")
    return {"run": model if name is None else name, "model": model, "seed": history.meta.get("seed"),
            "parameters": s["params"], "epochs": s["epochs"], "best_train": s["best_train"],
            "best_test": s["best_test"], "last5_mean": s["last5_mean"], "last5_min": s["last5_min"],
            "first_at": s["first_at"], "met": s["met"], "seconds_per_epoch": s["seconds_per_epoch"]}


def run_rows(histories):
    """run_row of each run of histories ({key: History}), named by its key, in their order."""
    return [run_row(history, key) for key, history in histories.items()]


def model_costs(name):
    """What the named model costs, counted on it built afresh: multiply-adds per image and final receptive field.
    Kept out of run_row, which reads a history alone."""
    model = build_model(name)
    return {"macs": macs(model), "receptive_field": final_receptive_field(model)}


def contiguous(history):
    """Whether a run was computed in PyTorch's contiguous memory layout rather than channels-last."""
    return not RunConfig.from_record(history.meta["config"]).channels_last


def layout_note(runs):
    """Which of runs were computed in PyTorch's contiguous memory layout rather than channels-last, said once beneath
    their table; None when none was. runs: {seed: History}, or groups of them ({name: {seed: History}}), where a
    group computed wholly contiguous is named once. The layout orders the sums, not the recipe."""
    if not isinstance(next(iter(runs.values())), dict):  # one group of seeds
        seeds = [seed for seed, history in runs.items() if contiguous(history)]
        if len(seeds) == len(runs):
            return "Every run was computed in the contiguous memory layout."
        named = [f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"] if seeds else []
    else:
        named = []
        for name, group in runs.items():
            seeds = [seed for seed, history in group.items() if contiguous(history)]
            if seeds:
                named.append(f"{name} (every seed)" if len(seeds) == len(group) else
                             f"{name} seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}")
    if not named:
        return None
    return (f"Computed in the contiguous memory layout: {'; '.join(named)}; the others channels-last. The layout "
            "changes the order of the sums, not the recipe.")


def bar_text(met, seeds):
    """A count of seeds meeting the target against the book's bar (RELIABLE), in words that follow its 95 % Wilson
    interval: "meets the bar", or falls short of it with or without the interval reaching it."""
    bar = RELIABLE[0] / RELIABLE[1]
    if met / seeds >= bar:
        return "meets the bar"
    reach = "though its 95 % interval still reaches it" if wilson(met, seeds)[1] >= bar else \
        "and its 95 % interval does not reach it"
    return f"falls short of the bar, {reach}"


def spread_texts(runs):
    """How the lowest accuracies of the last 5 epochs of runs ({key: History}) spread, as glued text: their standard
    deviation ("sd") and range ("spread") in points, how many standard deviations their mean sits above the target
    accuracy ("margin"), and the mean that would put the target accuracy at the bar's share of a normal spread of
    this deviation ("needed": 9 seeds in 10 above it, were the seeds normal), and where the mean sits against that
    ("against_needed": "0.03 points below it")."""
    lows = last5_minima(runs)
    mean, sd = statistics.mean(lows), statistics.stdev(lows)
    quantile = statistics.NormalDist().inv_cdf(RELIABLE[0] / RELIABLE[1])
    needed = TARGET_ACCURACY + quantile * sd
    short = mean - needed
    return {"sd": f"{sd:.2f} points", "spread": f"{max(lows) - min(lows):.2f} points",
            "margin": f"{(mean - TARGET_ACCURACY) / sd:.1f} standard deviations",
            "needed": f"{needed:.2f} %",
            "against_needed": f"{abs(short):.2f} points {'above' if short >= 0 else 'below'} it"}


def confusion_matrix(labels, preds, classes=10):
    """counts[true, predicted]."""
    return torch.bincount(labels * classes + preds, minlength=classes * classes).reshape(classes, classes)


def confusion_rows(labels, preds, top=5):
    """The commonest mistakes as rows (true digit, read as, count), most frequent first."""
    mistakes = confusion_matrix(labels, preds).fill_diagonal_(0).flatten()
    return [{"true_digit": int(i) // 10, "read_as": int(i) % 10, "count": int(mistakes[i])}
            for i in mistakes.argsort(descending=True)[:top] if mistakes[i] > 0]


def misread_rows(labels, preds):
    """Per true digit in labels: test images, how many were misread, and the share misread (%)."""
    counts = confusion_matrix(labels, preds)
    images, right = counts.sum(dim=1).tolist(), counts.diagonal().tolist()
    return [{"digit": digit, "images": n, "misread": n - ok, "misread_share": 100 * (n - ok) / n}
            for digit, (n, ok) in enumerate(zip(images, right)) if n]


def seed_group_rows(groups, accuracy_only=()):
    """One row per group of runs ({name: {key: History}}): seeds, how many met the target (met, seeds) with its 95 %
    Wilson interval (in %), the lowest accuracy of the last 5 epochs (its mean over seeds with the 95 % interval, lowest
    and highest), and the best train and test accuracy, each a mean over seeds. The groups named in accuracy_only
    meet the target on its accuracy alone, whatever their parameters (a published network made for a larger
    budget)."""
    rows = []
    for name, runs in groups.items():
        summaries = [summarise(history) for history in runs.values()]
        lows = [s["last5_min"] for s in summaries]
        met = met_on_accuracy(runs) if name in accuracy_only else met_count(runs)
        mean, low, high = mean_interval(lows)
        rows.append({"seed_group": name, "seeds": len(lows), "met_of": (met, len(lows)),
                     "met_interval": tuple(100 * share for share in wilson(met, len(lows))),
                     "last5_min_mean": mean, "last5_min_interval": (low, high),
                     "lowest": min(lows), "highest": max(lows),
                     "best_train_mean": statistics.mean(s["best_train"] for s in summaries),
                     "best_test_mean": statistics.mean(s["best_test"] for s in summaries)})
    return rows


def met_count(runs):
    """How many of runs ({key: History}) met the target."""
    return sum(summarise(history)["met"] for history in runs.values())


def met_on_accuracy(runs):
    """How many of runs ({key: History}) hold TARGET_ACCURACY over their last 5 epochs, whatever their parameters:
    the target's count for a network under the budget, and the same test for one made for a larger budget."""
    return sum(low >= TARGET_ACCURACY for low in last5_minima(runs))


def met_text(runs, accuracy_only=False):
    """How many of runs ({key: History}) met the target (with accuracy_only, its accuracy alone: met_on_accuracy),
    with the 95 % Wilson interval of that share: "9/10 (95 % interval 60-98 %)"."""
    met = met_on_accuracy(runs) if accuracy_only else met_count(runs)
    low, high = wilson(met, len(runs))
    return f"{met}/{len(runs)} (95 % interval {100 * low:.0f}-{100 * high:.0f} %)"


def mean_interval_text(mean, low, high):
    """A mean last-5 minimum with its 95 % interval, as every page words it: "99.42 % (95 % interval 99.36-99.47)"."""
    return f"{mean:.2f} % (95 % interval {low:.2f}-{high:.2f})"


def last5_minima(runs):
    """The lowest accuracy of the last 5 epochs of each run of runs ({key: History})."""
    return [summarise(history)["last5_min"] for history in runs.values()]


def compare_runs(runs, other):
    """runs against other ({key: History} each): the difference of their mean last-5 minima (points) with its 95 %
    Welch interval, resolved when the interval excludes zero (stats.welch)."""
    return welch(last5_minima(runs), last5_minima(other))


def comparison_text(comparison, better, worse, same):
    """The words a comparison earns, with the figures that earn them: `better` or `worse` only when its interval
    resolves the difference, else `same`; e.g. "costs accuracy (-0.08 points, 95 % interval -0.14 to -0.02)"."""
    # a bound just below zero prints as -0.00: the sign says on which side of zero it lies
    return (f"{verdict(comparison, better, worse, same)} ({comparison['diff']:+.2f} points, 95 % interval "
            f"{comparison['low']:+.2f} to {comparison['high']:+.2f})")
