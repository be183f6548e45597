"""Images per second of training through the classic DataLoader + PIL transforms and through in-memory batches.

Same model, batch size and augmentation (the final recipe's), same number of optimiser steps, one process:
    python benchmarks/pipelines.py [--steps 100] [--repeats 3] [--workers 0] [--device auto]
"""
import argparse

from mnist_lib import RunConfig, load_mnist
from mnist_lib.speed import compare_pipelines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="timed optimiser steps per pipeline")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per pipeline, taking turns; the median is shown")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes for the classic pipeline")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    args = p.parse_args(argv)
    cfg = RunConfig(device=args.device)  # the final recipe
    try:
        rows = compare_pipelines(load_mnist(), cfg, steps=args.steps, repeats=args.repeats, workers=args.workers)
    except ValueError as err:
        p.error(str(err))
    print(f"{cfg.model}, batch {cfg.batch_size}, rotation ±{cfg.rotation}°, shift ±{cfg.translate:.0%}, "
          f"{args.steps} steps, median of {args.repeats} runs, {rows[0]['machine']}")
    for row in rows:
        print(f"{row['pipeline']:26s} {row['images_per_second']:9,.0f} images/s")
    print(f"ratio (ours / classic): {rows[1]['images_per_second'] / rows[0]['images_per_second']:.2f}x")


if __name__ == "__main__":
    main()
