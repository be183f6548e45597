"""Tables built from recorded runs, for the book's Results and comparisons."""
from .anatomy import final_receptive_field, macs
from .models import build_model
from .train import History, summarise

PERCENT = "{:.2f}"


def markdown_table(rows, formats=None):
    """Rows of equal keys as a Markdown table; formats maps a key to a format string."""
    formats = formats or {}
    keys = list(rows[0])

    def cell(key, value):
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return formats.get(key, "{}").format(value)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(cell(k, row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


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


RUN_FORMATS = {"parameters": "{:,}", "MACs": "{:,}", "best train %": PERCENT, "best test %": PERCENT,
               "last-5 min %": PERCENT, "s / epoch": "{:.1f}"}


def runs_table(paths):
    """A Markdown table of the histories at `paths` (a dict name -> history.json path)."""
    return markdown_table([run_row(History.load(path), name) for name, path in paths.items()], RUN_FORMATS)
