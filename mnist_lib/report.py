"""Tables built from recorded runs, for the book's Results and comparisons."""
import html
import statistics

import torch

from .anatomy import final_receptive_field, macs
from .history import History, ran_on
from .models import build_model
from .plots import confusion_matrix
from .target import TARGET_ACCURACY, runs_by_model, summarise

PERCENT = "{:.2f}"


def table_cells(rows, formats=None):
    """The header and the display strings of rows of equal keys; formats maps a key to a format string."""
    formats = formats or {}
    keys = list(rows[0])

    def cell(key, value):
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return formats.get(key, "{}").format(value)

    return keys, [[cell(k, row[k]) for k in keys] for row in rows]


def markdown_table(rows, formats=None):
    """Rows of equal keys as a Markdown table."""
    keys, body = table_cells(rows, formats)
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def html_table(rows, formats=None, note=None):
    """Rows of equal keys as an HTML table, with a note beneath it: the form a glued table keeps when another page
    pastes it."""
    keys, body = table_cells(rows, formats)

    def tr(cells, tag):
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    return ('<table class="table">\n<thead>' + tr(keys, "th") + "</thead>\n<tbody>\n"
            + "\n".join(tr(cells, "td") for cells in body) + "\n</tbody>\n</table>"
            + (f"\n<p>{html.escape(note)}</p>" if note else ""))


def results_text(history):
    """A run's Results figures as display strings, keyed as the chapters glue them."""
    s = summarise(history)
    return {"params": f"{s['params']:,}", "epochs": str(s["epochs"]), "best_train": f"{s['best_train']:.2f} %",
            "best_test": f"{s['best_test']:.2f} %", "last5_min": f"{s['last5_min']:.2f} %",
            "first_at": f"epoch {s['first_at']}" if s["first_at"] else "not reached",
            "met": "yes" if s["met"] else "no", "seconds_per_epoch": f"{s['seconds_per_epoch']:.1f} s"}


def run_row(history, name=None):
    """One run as a row: what the model costs and what the run reached."""
    model = build_model(history.meta["model"])
    s = summarise(history)
    return {"run": name or history.meta["model"], "model": history.meta["model"], "parameters": s["params"],
            "MACs": macs(model), "RF": final_receptive_field(model), "epochs": s["epochs"],
            "best train %": s["best_train"], "best test %": s["best_test"], "last-5 min %": s["last5_min"],
            "first epoch ≥ 99.40 %": s["first_at"], "target met": s["met"],
            "s / epoch": s["seconds_per_epoch"]}


def ran_on_note(runs):
    """Where runs ({name: History}) ran, said once for a table of them rather than on every row."""
    machines = {}
    for name, history in runs.items():
        machines.setdefault(ran_on(history.meta["device_name"], history.meta["threads"]), []).append(name)
    if len(machines) == 1:
        return f"Every run ran on {next(iter(machines))}."
    return "Ran on " + "; ".join(f"{machine}: {', '.join(names)}" for machine, names in machines.items()) + "."


RUN_FORMATS = {"parameters": "{:,}", "MACs": "{:,}", "best train %": PERCENT, "best test %": PERCENT,
               "last-5 min %": PERCENT, "s / epoch": "{:.1f}"}


def runs_table(paths):
    """A Markdown table of the histories at `paths` (a dict name -> history.json path), where they ran beneath."""
    runs = {name: History.load(path) for name, path in paths.items()}
    return markdown_table([run_row(history, name) for name, history in runs.items()], RUN_FORMATS) + \
        "\n\n" + ran_on_note(runs)


SEED_FORMATS = {"best train %": PERCENT, "best test %": PERCENT, "last-5 min %": PERCENT}


def seed_rows(histories):
    """One row per seed: best train and test accuracy, last-5 minimum, first epoch at the bar, target met."""
    rows = []
    for seed, history in sorted(histories.items()):
        s = summarise(history)
        rows.append({"seed": seed, "best train %": s["best_train"], "best test %": s["best_test"],
                     "last-5 min %": s["last5_min"], "first epoch ≥ 99.40 %": s["first_at"], "target met": s["met"]})
    return rows


def seed_summary(histories):
    """How many seeds met the target, the mean ± std of their last-5 minimum, the worst of those minima, how far
    test accuracy ranges within the last 5 epochs of a seed, and the best train accuracy (means over seeds)."""
    summaries = [summarise(history) for history in histories.values()]
    mins = [s["last5_min"] for s in summaries]
    spread = statistics.stdev(mins) if len(mins) > 1 else 0.0
    ranges = [s["last5_max"] - s["last5_min"] for s in summaries]
    return {"seeds_met": f"{sum(s['met'] for s in summaries)}/{len(summaries)}",
            "last5_mean": f"{statistics.mean(mins):.2f} ± {spread:.2f} %",
            "last5_worst": f"{min(mins):.2f} %", "last5_range": f"{statistics.mean(ranges):.2f} points",
            "best_train": f"{statistics.mean(s['best_train'] for s in summaries):.2f} %"}


# The number formats of the columns that candidate_rows and model_rows share.
CANDIDATE_FORMATS = {"parameters": "{:,}", "last-5 mean %": PERCENT, "last-5 min %": PERCENT}


def candidate_rows(histories):
    """One row per run ({name: History}): parameters and its accuracy over the last 5 epochs, mean and lowest."""
    rows = []
    for name, history in histories.items():
        s = summarise(history)
        rows.append({"run": name, "parameters": s["params"], "last-5 mean %": s["last5_mean"],
                     "last-5 min %": s["last5_min"]})
    return rows


def model_rows(histories):
    """One row per model over its runs ({key: History}): parameters, runs, how many of them met the target, the
    last-5 mean averaged over the runs, and the lowest accuracy of any run's last 5 epochs."""
    rows = []
    for name, runs in runs_by_model(histories).items():
        runs = [summarise(history) for history in runs.values()]
        rows.append({"model": name, "parameters": runs[0]["params"], "runs": len(runs),
                     "target met": sum(s["met"] for s in runs),
                     "last-5 mean %": statistics.mean(s["last5_mean"] for s in runs),
                     "last-5 min %": min(s["last5_min"] for s in runs)})
    return rows


def best_of(rows, names):
    """The row, among those of the named models, with the highest last-5 mean."""
    return max((row for row in rows if row["model"] in names), key=lambda row: row["last-5 mean %"])


def first_to_meet(rows, names):
    """The row of the first of the named models, in their order, whose every run met the target; None if none did."""
    by_model = {row["model"]: row for row in rows}
    return next((by_model[name] for name in names if by_model[name]["target met"] == by_model[name]["runs"]), None)


def confusion_rows(labels, preds, top=5):
    """The commonest mistakes as rows (true digit, read as, count), most frequent first."""
    mistakes = confusion_matrix(labels, preds).fill_diagonal_(0).flatten()
    return [{"true digit": int(i) // 10, "read as": int(i) % 10, "count": int(mistakes[i])}
            for i in mistakes.argsort(descending=True)[:top] if mistakes[i] > 0]


def misread_rows(labels, preds):
    """Per true digit in labels: test images, how many were misread, and the share misread."""
    counts = confusion_matrix(labels, preds)
    images, right = counts.sum(dim=1).tolist(), counts.diagonal().tolist()
    return [{"digit": digit, "images": n, "misread": n - ok, "misread %": 100 * (n - ok) / n}
            for digit, (n, ok) in enumerate(zip(images, right)) if n]


def seed_group_rows(groups):
    """One row per group of runs ({name: {key: History}}): seeds, how many met the target with the 95 % Wilson
    interval, and the lowest accuracy of the last 5 epochs: its mean over seeds with the 95 % interval, lowest and
    highest."""
    from .stats import mean_interval, wilson

    rows = []
    for name, runs in groups.items():
        summaries = [summarise(history) for history in runs.values()]
        met, lows = sum(s["met"] for s in summaries), [s["last5_min"] for s in summaries]
        mean, low, high = mean_interval(lows)
        k_low, k_high = wilson(met, len(lows))
        rows.append({"runs": name, "seeds": len(lows), "met": f"{met}/{len(lows)}",
                     "met 95 % interval": f"{k_low:.2f}-{k_high:.2f}", "last-5 min mean %": mean,
                     "95 % interval": f"{low:.2f}-{high:.2f}", "lowest %": min(lows), "highest %": max(lows)})
    return rows
