"""The training loop: fit() turns a model, the data and a RunConfig into a History."""
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn as nn
from torch.profiler import record_function
from tqdm import tqdm  # text bars: the same in a terminal, a notebook and a rendered page

from .allocator import keep_freed_memory
from .augment import Augment
from .blocks import Ensemble, averaged_log_probabilities
from .data import BatchLoader
from .distill import load_teacher
from .evaluation import accuracy_of, evaluate
from .history import History, run_meta, save_weights_atomic


def seed_everything(seed):
    random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name="auto"):
    """cuda, then mps, then cpu; or the device named."""
    if name != "auto":
        try:
            return torch.device(name)
        except RuntimeError as err:
            raise ValueError(f"unknown device {name!r}: use auto, cpu, cuda or mps") from err
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def train_step(model, x, y, optimizer, criterion, averaged=None, teacher=None):
    """One optimiser step on a batch (and the weight average's update); (loss, logits) of the batch as trained.
    With a teacher (distill.Teacher), the loss mixes the labels' with the teacher's predictions. For a
    blocks.Ensemble, the loss is the sum of its members' losses, the one they are trained on, and the logits are the
    log of their averaged probabilities."""
    logits = model(x)
    if isinstance(model, Ensemble):  # each member scored alone
        if teacher is not None:
            raise ValueError("distillation trains a single network; give a model that is not an ensemble")
        loss = sum(criterion(member, y) for member in logits)
        logits = averaged_log_probabilities(logits).detach()
    else:
        loss = criterion(logits, y)
    if teacher is not None:
        loss = teacher.mixed_loss(logits, x, loss)
    if not torch.isfinite(loss):
        raise FloatingPointError(
            f"the training loss became {loss.item()}; lower the learning rate "
            f"(now {optimizer.param_groups[0]['lr']:.4g}) or check the input data")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    if averaged is not None:
        with record_function("weight averaging"):  # a label for speed.profile_step
            averaged.update_parameters(model)
    return loss, logits


def train_epoch(model, loader, optimizer, criterion, batch_scheduler=None, bar=None, averaged=None, teacher=None):
    """One pass over loader; (mean loss, accuracy in %) of the batches as trained.

    averaged, an AveragedModel of model, takes in the weights after every step; teacher, a distill.Teacher, adds
    its predictions to the loss."""
    model.train()
    loss_sum, correct, total = 0.0, 0, 0
    for x, y in loader:
        loss, logits = train_step(model, x, y, optimizer, criterion, averaged, teacher)
        if batch_scheduler is not None:
            batch_scheduler.step()
        loss_sum += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        total += len(y)
        if bar is not None:
            bar.update(1)
    return loss_sum / total, accuracy_of(correct, total)


def split_for(cfg, data):
    """(train images, train labels, eval images, eval labels, name of the eval set) for cfg."""
    train_x, train_y = data.train_images, data.train_labels
    if cfg.holdout:
        eval_x, eval_y, name = train_x[-cfg.holdout:], train_y[-cfg.holdout:], "validation"
        train_x, train_y = train_x[:-cfg.holdout], train_y[:-cfg.holdout]
    else:
        eval_x, eval_y, name = data.test_images, data.test_labels, "test"
    if cfg.train_subset:
        train_x, train_y = train_x[:cfg.train_subset], train_y[:cfg.train_subset]
    if cfg.test_subset:
        eval_x, eval_y = eval_x[:cfg.test_subset], eval_y[:cfg.test_subset]
    return train_x, train_y, eval_x, eval_y, name


def scored_as(cfg, data):
    """data as cfg's runs see it: the images they train on, and in place of the test set the images they are scored
    on (the held-out split when cfg holds one out)."""
    train_x, train_y, eval_x, eval_y, _ = split_for(cfg, data)
    return replace(data, train_images=train_x, train_labels=train_y, test_images=eval_x, test_labels=eval_y)


def make_optimizer(model, cfg, steps_per_epoch):
    """(optimizer, scheduler stepped per batch or None, scheduler stepped per epoch or None)."""
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.scheduler == "onecycle":
        return opt, torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=cfg.lr, epochs=cfg.epochs, steps_per_epoch=steps_per_epoch), None
    if cfg.scheduler == "step":
        return opt, None, torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma)
    if cfg.scheduler == "plateau":
        return opt, None, torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=cfg.gamma, patience=1)
    return opt, None, None


def weight_average(model, decay):
    """An exponential moving average of model's weights and batch-norm statistics, or None when decay is 0.

    The average moves less from step to step than the weights it follows, so its test accuracy wobbles less
    from epoch to epoch."""
    if not decay:
        return None
    return torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(decay), use_buffers=True)


def memory_format(cfg):
    """The layout of activations and weights that cfg (a RunConfig, or a speed.Step) names. With one input channel
    the images are already channels-last, and the first convolution's channels-last weights carry the layout through
    the network."""
    return torch.channels_last if cfg.channels_last else torch.contiguous_format


def fit(model, data, cfg, *, out=None, progress=True):
    """Train model on data as cfg says and return its History.

    With out, the history is written to out/history.json after every epoch (an interrupted run keeps its
    finished epochs) and the final weights to out/model.pt.
    """
    seed_everything(cfg.seed)
    keep_freed_memory()
    device = pick_device(cfg.device)
    model.to(device, memory_format=memory_format(cfg))
    train_x, train_y, eval_x, eval_y, eval_set = split_for(cfg, data)
    train_loader = BatchLoader(train_x.to(device), train_y.to(device), batch_size=cfg.batch_size, mean=data.mean,
                               std=data.std, augment=Augment.from_config(cfg), seed=cfg.seed)
    eval_loader = BatchLoader(eval_x.to(device), eval_y.to(device), batch_size=cfg.eval_batch_size,
                              mean=data.mean, std=data.std, shuffle=False)
    optimizer, batch_scheduler, epoch_scheduler = make_optimizer(model, cfg, len(train_loader))
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    averaged = weight_average(model, cfg.ema)
    teacher = load_teacher(cfg, device, memory_format(cfg))
    evaluated = model if averaged is None else averaged.module
    history = History(run_meta(cfg, model, device, eval_set))
    out = Path(out) if out is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=cfg.epochs * len(train_loader), desc=cfg.model, unit="batch", disable=not progress,
               mininterval=1.0)
    with bar:
        for epoch in range(1, cfg.epochs + 1):
            lr = optimizer.param_groups[0]["lr"]
            start = time.perf_counter()
            train_loss, train_acc = train_epoch(model, train_loader, optimizer, criterion, batch_scheduler, bar,
                                              averaged, teacher)
            seconds = time.perf_counter() - start
            test_loss, test_acc = evaluate(evaluated, eval_loader)
            if isinstance(epoch_scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                epoch_scheduler.step(test_acc)
            elif epoch_scheduler is not None:
                epoch_scheduler.step()
            history.epochs.append(dict(epoch=epoch, train_loss=train_loss, train_acc=train_acc,
                                       test_loss=test_loss, test_acc=test_acc, lr=lr, seconds=seconds))
            line = (f"epoch {epoch:2d}/{cfg.epochs}  train loss {train_loss:.4f} acc {train_acc:.2f}%  "
                    f"{eval_set} loss {test_loss:.4f} acc {test_acc:.2f}%  lr {lr:.4g}  {seconds:.1f}s")
            bar.set_postfix_str(f"{eval_set} acc {test_acc:.2f}%")
            if progress:
                tqdm.write(line, file=sys.stdout)
            if out is not None:
                history.save(out / "history.json")
    if out is not None:
        save_weights_atomic(evaluated, out / "model.pt")
    return history
