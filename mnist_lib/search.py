"""Chapter 13's search for the smallest network: the candidates round by round, their runs on the validation split,
and the rules, fixed before the runs they judge, that send a network to the test set."""
from dataclasses import dataclass, replace
from pathlib import Path

from .config import VALIDATION_IMAGES
from .report import model_rows
from .runs import fit_each_seed
from .target import runs_by_model, summarise

# The networks of each round, in the order tried (mnist_lib.models says what each one changes).
ROUNDS = {"first": ("Small_A", "Small_B", "Small_C"), "grouped": ("Small_D",), "ladder": ("Small_E", "Small_F"),
          "layouts": ("Small_G", "Small_H", "Small_I", "Small_J"), "deeper": ("Small_K",), "halfway": ("Small_L",)}
HOLDOUT = VALIDATION_IMAGES  # the validation split scores the candidates
VALIDATION_SEEDS, MORE_SEEDS = (1, 2), (3, 4)  # every candidate's seeds; then a rung's two more
PASS_MARK = 3  # of a rung's four validation seeds that must meet the target for it to go to the test set


def search_folders(out, reference, reference_folder):
    """{model: folder of its validation runs}: each candidate's under out/validation, the reference's where its
    chapter keeps them."""
    folders = {name: Path(out) / "validation" / name for names in ROUNDS.values() for name in names}
    return {reference: Path(reference_folder), **folders}


@dataclass
class Search:
    """Networks trained with one recipe on the validation split, each network's runs in its own folder."""
    cfg: object  # the RunConfig every candidate trains with; only the model changes
    folders: dict  # {model: folder}, as search_folders gives
    processes: int = 2  # fit_runs' worker processes (0: in this process)

    def validate(self, names, seeds=VALIDATION_SEEDS):
        """{"<model>, seed <n>": History}: each named network trained once per seed, scored on the holdout."""
        runs = {name: (replace(self.cfg, model=name, holdout=HOLDOUT), self.folders[name]) for name in names}
        return fit_each_seed(runs, seeds, self.processes)

    def with_more_seeds(self, runs, name):
        """(model_rows' row, {key: History}) of the named network over its runs among runs and those of
        MORE_SEEDS."""
        more = {**runs_by_model(runs)[name], **self.validate([name], MORE_SEEDS)}
        return model_rows(more)[0], more


def best_of(rows, names):
    """The row, among those of the named models, with the highest last-5 mean."""
    return max((row for row in rows if row["model"] in names), key=lambda row: row["last5_mean"])


def first_to_meet(rows, names):
    """The row of the first of the named models, in their order, whose every run met the target; None if none did."""
    by_model = {row["model"]: row for row in rows}
    return next((by_model[name] for name in names if by_model[name]["met"] == by_model[name]["runs"]), None)


def passes(row):
    """True when a rung's runs met the target often enough for it to go to the test set."""
    return row["met"] >= PASS_MARK


def smallest_to_test(climbed, rungs, reference):
    """The network that goes to the test set as the smallest to meet the target: the ladder's first rung whose every
    run met it (climbed, a row or None), else the first of rungs (rows, smallest first) that passes, else the
    reference network."""
    if climbed:
        return climbed["model"]
    return next((row["model"] for row in rungs if passes(row)), reference)


def rung_texts(row, runs):
    """A rung's verdict over its runs ({key: History}) as glued text: how many met the target, the range of their
    last-5 means, and whether it goes to the test set."""
    last5_means = [summarise(history)["last5_mean"] for history in runs.values()]
    return {"met": f"{row['met']} of {row['runs']}",
            "range": f"{min(last5_means):.2f} to {max(last5_means):.2f} %",
            "verdict": "it goes to the test set" if passes(row) else "it stays off the test set"}
