"""What every step chapter shows under the book's protocol: its recipe trained with five seeds on the validation
split, where the step is judged against the one before, and with five seeds on the test set, where it is reported."""
import statistics
from dataclasses import replace
from pathlib import Path

from .report import last5_minima, mean_interval_text, met_text
from .runs import fit_seeds
from .stats import mean_interval
from .target import summarise

SEEDS = range(1, 6)  # each split's seeds; two in smoke form


def step_runs(cfg, out, chapter):
    """{"validation": {seed: History}, "test": {seed: History}}: cfg trained once per seed on the validation split
    (in out/validation/seed_<n>) and on the full training set, scored on the test set (out/test/seed_<n>); a
    finished run is read, not trained again. chapter (chapter.open_chapter's) gives the form and the processes."""
    seeds = range(1, 3) if chapter.smoke else SEEDS
    folder = Path(chapter.folder(out))
    return {"validation": fit_seeds(cfg.on_validation(), seeds, folder / "validation", chapter.processes),
            "test": fit_seeds(replace(cfg, holdout=0), seeds, folder / "test", chapter.processes)}


def step_texts(runs):
    """Each split's figures as glued text, keyed "<split>_<figure>": the lowest accuracy of the last 5 epochs (mean
    with its 95 % interval), the seeds meeting the target (with Wilson's interval), and the best train and
    evaluation accuracy, means over the seeds."""
    texts = {}
    for split, histories in runs.items():
        summaries = [summarise(history) for history in histories.values()]
        texts |= {f"{split}_last5": mean_interval_text(*mean_interval(last5_minima(histories))),
                  f"{split}_met": met_text(histories),
                  f"{split}_best_train": f"{statistics.mean(s['best_train'] for s in summaries):.2f} %",
                  f"{split}_best_test": f"{statistics.mean(s['best_test'] for s in summaries):.2f} %"}
    return texts
