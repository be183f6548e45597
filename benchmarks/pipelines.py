"""Images per second of training through the classic DataLoader + PIL transforms and through in-memory batches.

Same model, same augmentation, same number of optimiser steps, one process:
    python benchmarks/pipelines.py [--steps 100] [--workers 0] [--device auto]
"""
import argparse
import itertools
import time

import torch
import torch.nn as nn

from mnist_lib import RunConfig, build_model, load_mnist
from mnist_lib.data import Augment, BatchLoader, classic_loader
from mnist_lib.train import device_name, pick_device


def images_per_second(model, batches, steps, device):
    """Train `steps` batches after 5 warm-up steps; images per second of the timed part."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    if steps + 5 > len(batches):
        raise ValueError(f"--steps must be at most {len(batches) - 5}, one epoch of batches")
    images, start = 0, None
    for i, (x, y) in enumerate(itertools.islice(batches, steps + 5)):
        if i == 5:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start, images = time.perf_counter(), 0
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        images += len(y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return images / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="timed optimiser steps per pipeline")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes for the classic pipeline")
    p.add_argument("--device", default="auto")
    args = p.parse_args()
    cfg = RunConfig()
    device, data, augment = pick_device(args.device), load_mnist(), Augment.from_config(cfg)
    classic = classic_loader(data, train=True, batch_size=cfg.batch_size, augment=augment, num_workers=args.workers)
    ours = BatchLoader(data.train_images.to(device), data.train_labels.to(device), batch_size=cfg.batch_size,
                       mean=data.mean, std=data.std, augment=augment)
    print(f"{cfg.model}, batch {cfg.batch_size}, augmentation {augment}, {args.steps} steps, "
          f"{device} ({device_name(device)}), {torch.get_num_threads()} threads")
    rates = {}
    for name, batches in (("classic DataLoader + PIL", classic), ("in-memory BatchLoader", ours)):
        rates[name] = images_per_second(build_model(cfg.model, seed=0).to(device), batches, args.steps, device)
        print(f"{name:26s} {rates[name]:9,.0f} images/s")
    print(f"ratio (ours / classic): {rates['in-memory BatchLoader'] / rates['classic DataLoader + PIL']:.2f}x")


if __name__ == "__main__":
    main()
