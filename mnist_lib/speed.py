"""Where a training step's time goes and what each lever buys: images per second of fit's own step, taking turns."""
import itertools
import resource
import statistics
import time
from dataclasses import dataclass, replace

import torch
import torch.nn as nn

from .allocator import keep_freed_memory
from .augment import Augment
from .data import BatchLoader, classic_loader
from .evaluation import evaluate
from .history import device_name, ran_on
from .models import build_model
from .runs import local_executor
from .train import memory_format, pick_device, train_step, weight_average

WARMUP = 5  # untimed steps: first-call allocation and, on a GPU, kernel selection


@dataclass(frozen=True)
class Step:
    """How a training step is computed. The defaults are fit's step before chapter 16; FAST is fit's step now."""
    channels_last: bool = False  # activations and weights NHWC
    keep_memory: bool = False  # the C allocator keeps freed memory (allocator.keep_freed_memory)
    batch_size: int = 64
    threads: int = 1  # intra-op threads of this one process
    average_every: int = 1  # steps between updates of the weight average (0: no average)
    optimizer: str = "for-loop"  # SGD's implementation: for-loop, foreach or fused
    autocast: str = ""  # "" (fp32) or bfloat16 / float16 for the forward pass
    compiled: bool = False  # torch.compile the model


TODAY = Step()
FAST = Step(channels_last=True, keep_memory=True)


def lever_steps(device):
    """{name: Step}: fit's step before and now, and each lever alone on top of it now."""
    levers = {"fit's step before (contiguous, glibc's default allocator)": TODAY,
              "channels-last alone": replace(TODAY, channels_last=True),
              "allocator keeps freed memory alone": replace(TODAY, keep_memory=True),
              "fit's step now (channels-last, allocator)": FAST,
              "+ SGD foreach": replace(FAST, optimizer="foreach"),
              "+ SGD fused": replace(FAST, optimizer="fused"),
              "+ weight average every 4 steps": replace(FAST, average_every=4),
              "+ no weight average": replace(FAST, average_every=0),
              "+ batches of 128": replace(FAST, batch_size=128),
              "+ batches of 256": replace(FAST, batch_size=256),
              "+ bf16 autocast": replace(FAST, autocast="bfloat16"),
              "+ torch.compile": replace(FAST, compiled=True),
              "+ 2 threads": replace(FAST, threads=2)}
    if device.type == "cuda":
        levers["+ fp16 autocast"] = replace(FAST, autocast="float16")
    return levers


class TimedStep:
    """fit's training step for the final recipe's model, set up as `step` says, over in-memory batches."""

    def __init__(self, data, cfg, step, device, batches=None):
        self.step, self.device = step, device
        self.model = build_model(cfg.model, seed=cfg.seed).to(device, memory_format=memory_format(step))
        impl = {"for-loop": dict(foreach=False), "foreach": dict(foreach=True), "fused": dict(fused=True)}
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=cfg.momentum,
                                         **impl[step.optimizer])
        self.averaged = weight_average(self.model, cfg.ema) if step.average_every else None
        self.forward = torch.compile(self.model) if step.compiled else self.model
        self.criterion = nn.CrossEntropyLoss()
        self.batches = batches or BatchLoader(
            data.train_images.to(device), data.train_labels.to(device), batch_size=step.batch_size,
            mean=data.mean, std=data.std, augment=Augment.from_config(cfg), seed=cfg.seed)
        self.count = 0

    def __call__(self, x, y):
        x, y = x.to(self.device), y.to(self.device)
        self.count += 1
        every = self.step.average_every
        averaged = self.averaged if every and self.count % every == 0 else None
        with torch.autocast(self.device.type, dtype=getattr(torch, self.step.autocast or "float32"),
                            enabled=bool(self.step.autocast)):
            return train_step(self.forward, x, y, self.optimizer, self.criterion, averaged)

    def images_per_second(self, steps):
        """Train `steps` batches after the warm-up steps, as `step` says; images per second of the timed part."""
        if steps + WARMUP > len(self.batches):
            raise ValueError(f"steps must be at most {len(self.batches) - WARMUP}, one epoch of batches")
        threads = torch.get_num_threads()
        torch.set_num_threads(self.step.threads)
        keep_freed_memory(self.step.keep_memory)
        self.model.train()
        try:
            images, start = 0, None
            for i, (x, y) in enumerate(itertools.islice(self.batches, steps + WARMUP)):
                if i == WARMUP:
                    synchronize(self.device)
                    start, images = time.perf_counter(), 0
                self(x, y)
                images += len(y)
            synchronize(self.device)
            return images / (time.perf_counter() - start)
        finally:
            torch.set_num_threads(threads)
            keep_freed_memory()


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def turns(timed, steps, repeats):
    """{name: [images/s of each turn]} of each TimedStep in timed, which take turns `repeats` times: a slow spell of
    a shared machine then falls on one turn of a step rather than on all its turns."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    rates = {name: [] for name in timed}
    for _ in range(repeats):
        for name, step in timed.items():
            rates[name].append(step.images_per_second(steps))
    return rates


def taking_turns(timed, steps, repeats):
    """{name: median images/s} of each TimedStep in timed over its turns (see turns)."""
    return {name: statistics.median(r) for name, r in turns(timed, steps, repeats).items()}


def lever_rows(data, cfg, *, steps=100, repeats=3, levers=None):
    """One row per lever: images per second of fit's step set up that way (median of its turns), the ratio of that
    to fit's step before, and the lowest and highest ratio of one turn to the same turn of fit's step before."""
    device = pick_device(cfg.device)
    levers = levers or lever_steps(device)
    rates = turns({name: TimedStep(data, cfg, step, device) for name, step in levers.items()}, steps, repeats)
    before = rates[next(iter(levers))]
    rows = []
    for name, rate in rates.items():
        paired = [r / b for r, b in zip(rate, before)]
        rows.append(dict(lever=name, images_per_second=statistics.median(rate),
                         ratio=statistics.median(rate) / statistics.median(before),
                         ratio_range=(min(paired), max(paired))))
    return rows


def turns_apart(row, other):
    """Where row's ratios of single turns lie against other's (rows of lever_rows): "above" or "below" only when
    the two ranges do not overlap, else "within"."""
    (low, high), (other_low, other_high) = row["ratio_range"], other["ratio_range"]
    return "above" if low > other_high else "below" if high < other_low else "within"


def _one_process_rate(cfg, step, steps):
    from .data import load_mnist

    return TimedStep(load_mnist(), cfg, step, pick_device(cfg.device)).images_per_second(steps)


def processes_rate(cfg, step, *, steps=100, processes=2):
    """Images per second of `processes` worker processes that each time `step` at once, added up."""
    with local_executor(processes) as pool:
        return sum(pool.map(_one_process_rate, [cfg] * processes, [step] * processes, [steps] * processes))


def compare_pipelines(data, cfg, *, steps=100, repeats=3, workers=0, step=FAST):
    """Rows of images per second for both pipelines, training cfg.model with cfg's batch size and augmentation,
    with fit's step as `step` says (taking turns; see taking_turns)."""
    device = pick_device(cfg.device)
    classic = classic_loader(data, train=True, batch_size=cfg.batch_size, augment=Augment.from_config(cfg),
                             num_workers=workers)
    timed = {"classic DataLoader + PIL": TimedStep(data, cfg, step, device, batches=classic),
             "in-memory BatchLoader": TimedStep(data, cfg, step, device)}
    rates = taking_turns(timed, steps, repeats)
    machine = ran_on(device_name(device), step.threads)
    return [dict(pipeline=name, images_per_second=rate, machine=machine) for name, rate in rates.items()]


def evaluation_rows(data, cfg, *, sizes=(100, 1000, 10000), repeats=3):
    """Test images per second that fit's evaluation reaches with each batch size (taking turns, median), over
    cfg.test_subset images (0: all)."""
    device = pick_device(cfg.device)
    model = build_model(cfg.model, seed=cfg.seed).to(device, memory_format=memory_format(cfg))
    count = cfg.test_subset or len(data.test_labels)
    images, labels = data.test_images[:count].to(device), data.test_labels[:count].to(device)
    loaders = {size: BatchLoader(images, labels, batch_size=size, mean=data.mean, std=data.std, shuffle=False)
               for size in sizes}
    seconds = {size: [] for size in sizes}
    keep_freed_memory()
    for _ in range(repeats):
        for size, loader in loaders.items():
            start = time.perf_counter()
            evaluate(model, loader)
            synchronize(device)
            seconds[size].append(time.perf_counter() - start)
    base = len(labels) / statistics.median(seconds[cfg.eval_batch_size]) if cfg.eval_batch_size in sizes else None
    return [dict(batch_size=size, images_per_second=len(labels) / statistics.median(s),
                 ratio=len(labels) / statistics.median(s) / base if base else None) for size, s in seconds.items()]


def faults_per_step(data, cfg, step, *, steps=20):
    """Minor page faults (first touches of freshly mapped pages) per training step of fit's step as `step` says."""
    timed = TimedStep(data, cfg, step, pick_device(cfg.device))
    timed.images_per_second(1)  # warm-up, with the step's allocator setting
    keep_freed_memory(step.keep_memory)
    try:
        batches = iter(timed.batches)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(steps):
            timed(*next(batches))
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps
    finally:
        keep_freed_memory()
