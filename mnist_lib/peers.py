"""The five published networks of this exercise (../shared/PEERS.md), trained as their write-ups state.

Each recipe sets what its write-up states and keeps the book's recipe (BOOK_RECIPE) where the write-up is silent
(UNSTATED names those fields). Two settings are the same for all five: no weight average (ema=0), since none of them
evaluates anything but the weights it trained, and only the augmentation each one names (translate=0 unless it names
shifts). Dropout belongs to the networks (above), the normalisation to the data: the book's, computed from the
training set, is (0.1307, 0.3081).
"""
from dataclasses import replace

import torch.nn as nn

from .blocks import ConvBlock, PeerBlock
from .config import RunConfig

# The five published networks of this exercise that ../shared/PEERS.md checks by hand, one line per row of its
# tables (row: output size). Each ends in logits: the write-ups' log-softmax is left out, since the cross-entropy
# loss applies it, and applied twice it changes nothing (log_softmax of log-probabilities returns them unchanged).


def peer_a():
    """Peer A, 7,864 parameters. Dropout 0.05 at each block; the write-up does not say which kind, so the book's:
    Dropout2d, as in Model_4."""
    block = dict(order="relu_bn", dropout=0.05, dropout2d=True)
    return nn.Sequential(
        PeerBlock(1, 8, padding=1, **block),  # 1: 28
        PeerBlock(8, 16, padding=1, **block),  # 2: 28
        nn.MaxPool2d(2),  # 3: 14
        PeerBlock(16, 8, k=1, order="none"),  # 4: 14
        PeerBlock(8, 12, **block),  # 5: 12
        PeerBlock(12, 12, **block),  # 6: 10
        PeerBlock(12, 16, **block),  # 7: 8
        PeerBlock(16, 16, **block),  # 8: 6
        nn.AvgPool2d(6),  # 9: 1
        PeerBlock(16, 10, k=1, order="none"),  # 10: 1
        nn.Flatten())


def peer_b():
    """Peer B, 9,904 parameters (the write-up's bar was 10,000). Dropout 0.01 per value after every block, as its
    notebook's nn.Dropout."""
    block = dict(order="bn_relu", dropout=0.01)
    return nn.Sequential(
        PeerBlock(1, 16, padding=1, **block),  # 1: 28
        PeerBlock(16, 24, **block),  # 2: 26
        nn.MaxPool2d(2),  # 3: 13
        PeerBlock(24, 8, k=1, **block),  # 4: 13
        PeerBlock(8, 16, **block),  # 5: 11
        PeerBlock(16, 16, **block),  # 6: 9
        PeerBlock(16, 16, **block),  # 7: 7
        nn.AdaptiveAvgPool2d(1),  # 8: 1
        PeerBlock(16, 10, k=1, order="none"),  # 9: 1
        nn.Flatten())


def peer_c():
    """Peer C, 7,884 parameters, no dropout. ConvBlock with batch norm is its conv -> BN -> ReLU rows exactly."""
    return nn.Sequential(
        ConvBlock(1, 10, bn=True),  # 1: 26
        ConvBlock(10, 10, bn=True),  # 2: 24
        ConvBlock(10, 10, bn=True),  # 3: 22
        PeerBlock(10, 10, order="bn"),  # 4: 20
        PeerBlock(10, 10, k=1, order="bn"),  # 5: 20
        nn.MaxPool2d(2),  # 6: 10
        ConvBlock(10, 14, bn=True),  # 7: 8
        ConvBlock(14, 14, bn=True),  # 8: 6
        PeerBlock(14, 13, order="bn"),  # 9: 4
        nn.AdaptiveAvgPool2d(1),  # 10: 1
        PeerBlock(13, 10, k=1, order="bn"),  # 11: 1, batch norm of the logits themselves
        nn.Flatten())


def peer_d():
    """Peer D, 7,676 parameters. Dropout 0.1 per value in rows 6 and 7, as its code's nn.Dropout."""
    return nn.Sequential(
        PeerBlock(1, 4),  # 1: 26
        PeerBlock(4, 8),  # 2: 24
        PeerBlock(8, 16),  # 3: 22
        PeerBlock(16, 8, k=1, order="none"),  # 4: 22
        nn.MaxPool2d(2),  # 5: 11
        PeerBlock(8, 16, dropout=0.1),  # 6: 9
        PeerBlock(16, 16, dropout=0.1),  # 7: 7
        PeerBlock(16, 16, padding=1),  # 8: 7
        PeerBlock(16, 10, k=1, order="none"),  # 9: 7; both linear, so it and the pool may come in either order
        nn.AvgPool2d(7),  # 10: 1
        nn.Flatten())


def peer_e():
    """Peer E, 7,901 parameters. Dropout2d as stated; its rate is not given for this network, so the 0.01 of the
    write-up's step before it. ReLU before batch norm, the common choice (the write-up does not show it)."""
    block = dict(order="relu_bn", dropout=0.01, dropout2d=True)
    return nn.Sequential(
        PeerBlock(1, 7, **block),  # 1: 26
        PeerBlock(7, 16, **block),  # 2: 24
        PeerBlock(16, 12, k=1, order="none"),  # 3: 24
        nn.MaxPool2d(2),  # 4: 12
        PeerBlock(12, 16, **block),  # 5: 10
        PeerBlock(16, 16, **block),  # 6: 8
        PeerBlock(16, 16, **block),  # 7: 6
        nn.AvgPool2d(6),  # 8: 1
        PeerBlock(16, 10, k=1, order="none"),  # 9: 1
        nn.Flatten())


# The book's recipe that the peers are trained under and that fills what a write-up leaves unstated: step 11's. The
# final recipe (step 12) differs from it only in cutting the learning rate every 6 epochs instead of every 8.
BOOK_RECIPE = RunConfig(step_size=8)

PEER_RECIPES = {
    # Stated: random rotation within +-6.9 degrees (dropout 0.05 is in the network). Silent on the optimiser, learning
    # rate, schedule, batch size, epochs and normalisation: the book's SGD at 0.1 with momentum 0.9, step decay by
    # 0.1 after 8 epochs, batches of 64, 15 epochs.
    "Peer_A": replace(BOOK_RECIPE, model="Peer_A", rotation=6.9, translate=0.0, ema=0.0),
    # Stated, from its notebook: SGD at 0.01 with momentum 0.9, no weight decay; StepLR every 5 epochs by 0.1;
    # batches of 32; 15 epochs; rotation within +-10 degrees (dropout 0.01 is in the network).
    "Peer_B": replace(BOOK_RECIPE, model="Peer_B", batch_size=32, lr=0.01, momentum=0.9, weight_decay=0.0,
                      scheduler="step", step_size=5, gamma=0.1, rotation=10.0, translate=0.0, ema=0.0),
    # Stated, from its notebook: SGD at 0.01 with momentum 0.9; OneCycleLR peaking at 0.01 over 15 epochs, stepped
    # per batch, its other arguments torch's defaults, as make_optimizer's; batches of 64; a random resized crop of
    # 85-100 % of the area, then rotation within +-7 degrees.
    "Peer_C": replace(BOOK_RECIPE, model="Peer_C", batch_size=64, lr=0.01, momentum=0.9, scheduler="onecycle",
                      rotation=7.0, translate=0.0, crop_scale=0.85, ema=0.0),
    # Stated, from its code: SGD at 0.04 with momentum 0.9; StepLR every 7 epochs by 0.1; batches of 128; 15 epochs;
    # random affine (rotation +-20 degrees, shifts +-10 %, zoom 0.9-1.1), then colour jitter 0.1, which on a grey
    # image is brightness and contrast within 1 +- 0.1 (dropout 0.1 is in the network).
    "Peer_D": replace(BOOK_RECIPE, model="Peer_D", batch_size=128, lr=0.04, momentum=0.9, scheduler="step",
                      step_size=7, gamma=0.1, rotation=20.0, translate=0.1, scale=0.1, jitter=0.1, ema=0.0),
    # Stated: random rotation, its angle not given; a StepLR "at step 10" in the step before the final one, taken
    # as every 10 epochs. Silent on the optimiser, learning rate, decay factor, batch size, epochs and
    # normalisation, and on the rotation's angle: the book's SGD at 0.1 with momentum 0.9, decay by 0.1, batches of
    # 64, 15 epochs, +-7 degrees. (Its dropout rate, 0.01 from the step before, is in the network.)
    "Peer_E": replace(BOOK_RECIPE, model="Peer_E", step_size=10, rotation=7.0, translate=0.0, ema=0.0),
}

# The fields each write-up is silent on, which therefore keep BOOK_RECIPE's values.
UNSTATED = {
    "Peer_A": ("optimizer", "lr", "momentum", "scheduler", "step_size", "gamma", "batch_size", "epochs"),
    "Peer_B": (),
    "Peer_C": (),
    "Peer_D": (),
    "Peer_E": ("optimizer", "lr", "momentum", "scheduler", "gamma", "batch_size", "epochs", "rotation"),
}

# What this package runs differently from each write-up, for the page to show beside the results. Common to all:
# other random streams (shuffling, augmentation, dropout), so no seed reproduces a published run; augmentation drawn
# a batch at a time and resampled bilinearly once, where torchvision's RandomRotation and RandomAffine resample each
# image with the nearest pixel; and no log-softmax layer, which cross-entropy on the logits makes unnecessary.
DIFFERENCES = {
    "Peer_A": "Dropout2d (the book's kind) for a dropout whose kind the write-up does not state. Optimiser, learning "
              "rate, schedule, batch size and normalisation are the book's, the write-up being silent on them.",
    "Peer_B": "Its rotation fills the corners with 1 on images of 0-255, that is 1/255: the zero background used "
              "here. It normalises with (0.1309, 0.3084), the statistics of training and test images together; "
              "here (0.1307, 0.3081), of the training images: a difference of under 0.001 of a pixel's range.",
    "Peer_C": "Its crop and its rotation resample twice (the crop bilinearly, the rotation with the nearest pixel); "
              "here both are one bilinear resampling, the crop's boxes drawn as torchvision draws them. It "
              "normalises the test images with the test set's own statistics (0.1325, 0.3104) and the training "
              "images with (0.1307, 0.3081); here both with the latter.",
    "Peer_D": "Its colour jitter is torchvision's ColorJitter(0.1, 0.1, 0.1, 0.1) on grey PIL images, where "
              "saturation and hue change nothing: brightness and contrast within 1 +- 0.1, applied here in a "
              "fixed order (torchvision draws one per image; the two commute except where pixels clip at white) "
              "on floats rather than 8-bit values. Its random affine shifts by whole pixels; here by any fraction.",
    "Peer_E": "Dropout rate 0.01 and StepLR every 10 epochs, taken from the step before the final network; "
              "ReLU before batch norm, where the write-up does not show the order. Rotation angle, optimiser, "
              "learning rate, batch size and normalisation are the book's, the write-up being silent on them.",
}

# What each write-up reports of its one run, as ../shared/PEERS.md quotes it: the epochs it gives test accuracies for
# and those accuracies (%). Peer A gives none ("consistently over 99.4 %"); Peer E gives its final test accuracy.
REPORTED = {
    "Peer_A": None,
    "Peer_B": {"epochs": (11, 12, 13, 14, 15), "test_acc": (99.43, 99.43, 99.42, 99.43, 99.44)},
    "Peer_C": {"epochs": (13, 14, 15), "test_acc": (99.43, 99.43, 99.44)},
    "Peer_D": {"epochs": (11, 12, 13, 14, 15), "test_acc": (99.43, 99.43, 99.48, 99.42, 99.44)},
    "Peer_E": {"epochs": ("final",), "test_acc": (99.42,)},
}


def reported_lowest(name):
    """The lowest test accuracy a peer's write-up reports over the epochs it gives (REPORTED); None for a peer that
    gives none, or a network that is not a peer."""
    reported = REPORTED.get(name)
    return min(reported["test_acc"]) if reported else None


def recipe_text(recipe):
    """A recipe's optimiser, learning rate, schedule, batch size, weight average and augmentation in words."""
    optimiser = f"SGD (momentum {recipe.momentum:g})" if recipe.optimizer == "sgd" else recipe.optimizer.capitalize()
    schedule = {"step": f"cut by {recipe.gamma:g} every {recipe.step_size} epochs", "onecycle": "one-cycle",
                "none": "constant", "plateau": f"cut by {recipe.gamma:g} on a plateau"}[recipe.scheduler]
    moves = [(recipe.rotation, f"rotation ±{recipe.rotation:g}°"),
             (recipe.translate, f"shifts ±{recipe.translate:.0%}"), (recipe.scale, f"zoom ±{recipe.scale:.0%}"),
             (recipe.crop_scale, f"crops of {recipe.crop_scale:.0%}+"),
             (recipe.jitter, f"brightness and contrast ±{recipe.jitter:.0%}")]
    return "; ".join([f"{optimiser} at {recipe.lr:g}, {schedule}", f"batches of {recipe.batch_size}",
                      *([f"weights averaged (decay {recipe.ema:g})"] if recipe.ema else []),
                      ", ".join(text for on, text in moves if on) or "no augmentation"])
