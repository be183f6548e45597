"""Distillation: a trained network (the teacher) whose softened predictions the network in training learns from,
beside the labels."""
from pathlib import Path

import torch
import torch.nn.functional as F

from .history import History, load_trained


class Teacher:
    """A finished run's network, frozen, and how much of the loss its predictions make (share, at temperature)."""

    def __init__(self, network, share, temperature):
        self.network, self.share, self.temperature = network, share, temperature
        for weight in network.parameters():
            weight.requires_grad_(False)

    def mixed_loss(self, logits, x, hard_loss):
        """(1 - share) of hard_loss (the labels' loss) plus share of the divergence of the softened predictions from
        the teacher's on the same images, times temperature squared so that its gradients keep their scale as the
        temperature changes (Hinton, Vinyals and Dean, 2015)."""
        with torch.no_grad():
            target = F.softmax(self.network(x) / self.temperature, dim=1)
        soft = F.kl_div(F.log_softmax(logits / self.temperature, dim=1), target, reduction="batchmean")
        return (1 - self.share) * hard_loss + self.share * self.temperature ** 2 * soft


def load_teacher(cfg, device, memory_format):
    """The Teacher cfg names (None when cfg.distill is 0), after checking that its folder holds a finished run
    trained on the same split as cfg: a teacher that trained on the images a run is scored on would pass them on."""
    if not cfg.distill:
        return None
    folder = Path(cfg.teacher)
    if not (folder / "history.json").is_file() or not (folder / "model.pt").is_file():
        raise ValueError(f"teacher {folder} holds no finished run (history.json and model.pt); train it first, "
                         "e.g. python -m mnist_lib train --out <folder>")
    recorded = History.load(folder / "history.json").meta["config"]
    if recorded.get("holdout", 0) != cfg.holdout:
        raise ValueError(f"teacher {folder} was trained with holdout={recorded.get('holdout', 0)}, this run has "
                         f"holdout={cfg.holdout}: give a teacher trained on the same split")
    network = load_trained(folder).to(device, memory_format=memory_format)
    return Teacher(network, cfg.distill, cfg.temperature)
