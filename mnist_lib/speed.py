"""Training throughput of the classic DataLoader + PIL pipeline against in-memory batches, same model and steps."""
import itertools
import statistics
import time

import torch
import torch.nn as nn

from .data import Augment, BatchLoader, classic_loader
from .models import build_model
from .train import device_name, pick_device, ran_on

WARMUP = 5  # untimed steps: first-call allocation and, on a GPU, kernel selection


def images_per_second(model, batches, steps, device):
    """Train `steps` batches after the warm-up steps; images per second of the timed part."""
    if steps + WARMUP > len(batches):
        raise ValueError(f"steps must be at most {len(batches) - WARMUP}, one epoch of batches")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    images, start = 0, None
    for i, (x, y) in enumerate(itertools.islice(batches, steps + WARMUP)):
        if i == WARMUP:
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


def compare_pipelines(data, cfg, *, steps=100, repeats=3, workers=0):
    """Rows of images per second for both pipelines, training cfg.model with cfg's batch size and augmentation.

    The pipelines take turns, `repeats` times each, and each row gives the median: a shared machine's
    slow moments then fall on both, and one of them cannot decide the ratio.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    device, augment = pick_device(cfg.device), Augment.from_config(cfg)
    pipelines = {
        "classic DataLoader + PIL": classic_loader(data, train=True, batch_size=cfg.batch_size, augment=augment,
                                                   num_workers=workers),
        "in-memory BatchLoader": BatchLoader(data.train_images.to(device), data.train_labels.to(device),
                                             batch_size=cfg.batch_size, mean=data.mean, std=data.std,
                                             augment=augment, seed=cfg.seed),
    }
    rates = {name: [] for name in pipelines}
    for _ in range(repeats):
        for name, batches in pipelines.items():
            rates[name].append(images_per_second(build_model(cfg.model, seed=0).to(device), batches, steps, device))
    machine = ran_on(device_name(device), torch.get_num_threads())
    return [{"pipeline": name, "images / s": statistics.median(rates[name]), "machine": machine} for name in pipelines]
