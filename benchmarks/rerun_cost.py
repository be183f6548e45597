"""How long the book's committed runs took to train, folder by folder, as their histories record it.

    python benchmarks/rerun_cost.py [--histories book/histories] [--workers 2]

Each chapter trains the runs missing from its folder under book/histories. A step's folder may also hold seeds
beyond the step's own (more test seeds, more validation seeds), which the chapters after the steps train; they are
counted on a line of their own. A run's time is the sum of its epochs' training seconds, evaluation left out, on the
machine and threads its history names: a lower bound on what a rerun from scratch needs there, since evaluation,
loading and the chapters' own measurements come on top. On such a machine, as `workers` one-thread processes, a
folder's runs take about its total divided by the workers.
"""
import argparse
from collections import defaultdict
from pathlib import Path

from mnist_lib.history import History, ran_on
from mnist_lib.steps import CHANGES, SEEDS


def folder_of(path, histories):
    """The line a run at path (its history.json) is counted on: its top folder, with a step's seeds beyond its own
    on a line of their own."""
    parts = path.relative_to(histories).parts
    seed = parts[-2].removeprefix("seed_")
    if parts[0] in CHANGES and not (seed.isdigit() and int(seed) in SEEDS):
        return f"{parts[0]}, more seeds"
    return parts[0]


def costs(histories):
    """{line: {"runs": n, "hours": training hours, "machines": {where they ran, with how many threads}}}, in folder
    order."""
    histories = Path(histories)
    lines = defaultdict(lambda: {"runs": 0, "hours": 0.0, "machines": set()})
    for path in sorted(histories.rglob("history.json")):
        run = History.load(path)
        line = lines[folder_of(path, histories)]
        line["runs"] += 1
        line["hours"] += sum(run.column("seconds")) / 3600
        line["machines"].add(ran_on(run.meta.get("device_name", "unrecorded"), run.meta.get("threads", "?")))
    return dict(sorted(lines.items()))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--histories", default="book/histories", help="the folder of committed runs")
    p.add_argument("--workers", type=int, default=2, help="one-thread processes a rerun would train on at once")
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error(f"workers must be at least 1, got {args.workers}")
    if not Path(args.histories).is_dir():
        p.error(f"no folder {args.histories}; run from the repository root or give --histories")
    lines = costs(args.histories)
    if not lines:
        p.error(f"no history.json under {args.histories}")
    print(f"{'folder':34s} {'runs':>5s} {'training hours':>16s} {f'hours, {args.workers} workers':>17s}  machines")
    for name, line in lines.items():
        print(f"{name:34s} {line['runs']:5d} {line['hours']:16.2f} {line['hours'] / args.workers:17.2f}  "
              f"{'; '.join(sorted(line['machines']))}")
    total = sum(line["hours"] for line in lines.values())
    print(f"{'all':34s} {sum(line['runs'] for line in lines.values()):5d} {total:16.2f} {total / args.workers:17.2f}")


if __name__ == "__main__":
    main()
