"""Images per second of fit's training step with each speed lever, taking turns in one process, as chapter 16 shows.

    python benchmarks/levers.py [--steps 100] [--repeats 3] [--only NAME ...] [--device auto]
"""
import argparse

from mnist_lib import RunConfig, load_mnist
from mnist_lib.speed import lever_rows, lever_steps
from mnist_lib.train import pick_device


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="timed optimiser steps per lever and turn")
    p.add_argument("--repeats", type=int, default=3, help="turns per lever; the median is shown")
    p.add_argument("--only", nargs="*", default=None,
                   help="levers to time besides the first row (default: all; names as printed)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    args = p.parse_args(argv)
    cfg = RunConfig(device=args.device)  # the final recipe
    levers = lever_steps(pick_device(cfg.device))
    if args.only:
        unknown = set(args.only) - set(levers)
        if unknown:
            p.error(f"unknown levers {sorted(unknown)}; levers: {list(levers)}")
        first = next(iter(levers))
        levers = {name: step for name, step in levers.items() if name == first or name in args.only}
    try:
        rows = lever_rows(load_mnist(), cfg, steps=args.steps, repeats=args.repeats, levers=levers)
    except ValueError as err:
        p.error(str(err))
    print(f"{cfg.model}, batch {cfg.batch_size}, {args.steps} steps, median of {args.repeats} turns")
    for row in rows:
        low, high = row["ratio_range"]
        print(f"{row['lever']:60s} {row['images_per_second']:9,.0f} images/s  {row['ratio']:5.2f}x"
              f"  (turns {low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
