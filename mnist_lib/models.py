"""The drill-down's networks, built from the blocks of mnist_lib.blocks, and the registry that names every model."""
import torch
import torch.nn as nn

from . import peers
from .blocks import (ConvBlock, ConvHead, Ensemble, GhostBlock, Head, SeparableBlock, SeparableHead, SharedBlock,
                     Transition)


class Baseline(nn.Module):
    """A LeNet-style network whose fully connected layer holds most of its 100K+ parameters."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            ConvBlock(1, 16), nn.MaxPool2d(2),  # 28 -> 26 -> 13, RF 3 -> 4
            ConvBlock(16, 32), nn.MaxPool2d(2),  # 13 -> 11 -> 5, RF 8 -> 10
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x)  # each logit sees 26x26 pixels


class Net(nn.Module):
    """Two convolution blocks, a transition at RF 5, three more blocks, then GAP: no fully connected layer."""

    def __init__(self, *, widths, bn=False, dropout=0.0):
        super().__init__()
        c1, c2, c3, c4, c5, c6 = widths
        block = dict(bn=bn, dropout=dropout)
        self.block1 = nn.Sequential(ConvBlock(1, c1, **block), ConvBlock(c1, c2, **block))
        self.transition = Transition(c2, c3)
        self.block2 = nn.Sequential(ConvBlock(c3, c4, **block), ConvBlock(c4, c5, **block),
                                    ConvBlock(c5, c6, **block))
        self.head = Head(c6)

    def forward(self, x):
        x = self.block1(x)  # 28 -> 26 -> 24, RF 3 -> 5: strokes and their edges
        x = self.transition(x)  # 24 -> 12, RF 5 -> 6
        x = self.block2(x)  # 12 -> 10 -> 8 -> 6, RF 10 -> 14 -> 18: parts of digits
        return self.head(x)  # 6 -> 1, RF 28: the whole digit


class ConvHeadNet(nn.Module):
    """Three blocks before the transition (RF 7), two after, and a convolutional head."""

    def __init__(self, *, widths):
        super().__init__()
        c1, c2, c3, c4, c5, c6 = widths
        block = dict(bn=True)
        self.block1 = nn.Sequential(ConvBlock(1, c1, **block), ConvBlock(c1, c2, **block), ConvBlock(c2, c3, **block))
        self.transition = Transition(c3, c4)
        self.block2 = nn.Sequential(ConvBlock(c4, c5, **block), ConvBlock(c5, c6, **block))
        self.head = ConvHead(c6)

    def forward(self, x):
        x = self.block1(x)  # 28 -> 26 -> 24 -> 22, RF 3 -> 5 -> 7: strokes, edges and their corners
        x = self.transition(x)  # 22 -> 11, RF 7 -> 8
        x = self.block2(x)  # 11 -> 9 -> 7, RF 12 -> 16
        return self.head(x)  # 7 -> 5 -> 1, RF 20 -> 28: the whole digit


class SeparableNet(nn.Module):
    """ConvHeadNet's layout with separable convolutions after the first: the same depth and receptive field, one and
    a half to three times the channels. Step 10's network, and chapter 17's variants of it: `groups` gives each
    separable block's pointwise groups, `ghost` which blocks are ghost blocks, `before_pool` how many blocks come
    before the pool. The comments in forward give step 10's layout; anatomy.receptive_fields gives any variant's."""

    def __init__(self, *, widths, groups=None, ghost=None, before_pool=2):
        super().__init__()
        blocks = len(widths) - 1
        groups, ghost = groups or (1,) * blocks, ghost or (False,) * blocks

        def block(i):
            c_in, c_out = widths[i], widths[i + 1]
            return GhostBlock(c_in, c_out) if ghost[i] else SeparableBlock(c_in, c_out, groups[i])

        # The first convolution stays whole: with one input channel a separable one would have nothing to mix.
        self.block1 = nn.Sequential(ConvBlock(1, widths[0], bn=True), *(block(i) for i in range(before_pool)))
        self.transition = nn.MaxPool2d(2)  # the next pointwise convolution already mixes the channels
        self.block2 = nn.Sequential(*(block(i) for i in range(before_pool, blocks)))
        self.head = SeparableHead(widths[-1])

    def forward(self, x):
        x = self.block1(x)  # 28 -> 26 -> 24 -> 22, RF 3 -> 5 -> 7
        x = self.transition(x)  # 22 -> 11, RF 7 -> 8
        x = self.block2(x)  # 11 -> 9 -> 7, RF 12 -> 16
        return self.head(x)  # 7 -> 5 -> 1, RF 20 -> 28


class SharedNet(nn.Module):
    """Step 10's layout up to the first block after the pool; then, in place of the second, one shared block applied
    several times (chapter 17)."""

    def __init__(self, *, widths, repeat):
        super().__init__()
        c1, c2, c3, c4 = widths
        self.block1 = nn.Sequential(ConvBlock(1, c1, bn=True), SeparableBlock(c1, c2), SeparableBlock(c2, c3))
        self.transition = nn.MaxPool2d(2)
        self.block2 = nn.Sequential(SeparableBlock(c3, c4), SharedBlock(c4, repeat))
        self.head = SeparableHead(c4)

    def forward(self, x):
        x = self.block1(x)  # 28 -> 26 -> 24 -> 22, RF 3 -> 5 -> 7
        x = self.transition(x)  # 22 -> 11, RF 7 -> 8
        x = self.block2(x)  # 11 -> 9, RF 12; then 9 -> 9 each time, RF + 4 each time
        return self.head(x)  # 9 -> 7 -> 1


WIDTHS = (8, 16, 10, 16, 16, 16)  # channels of the six convolutions: under 8,000 parameters in all
# Fewer channels late, one more convolution early: parameters move to where the 22x22 maps are.
CONV_HEAD_WIDTHS = (8, 12, 16, 8, 16, 16)
# One and a half to three times those channels for fewer parameters: separable convolutions are that much cheaper.
SEPARABLE_WIDTHS = (12, 24, 32, 48, 48)
# Step 10's layout under 4,000 parameters, kept wide after the pool (chapter 17's Small_C).
NARROW_WIDTHS = (6, 12, 20, 36, 36)


def widths_between(fraction, low=NARROW_WIDTHS, high=SEPARABLE_WIDTHS):
    """Channels `fraction` of the way from low's to high's, rounded: 0 gives low, 1 gives high. One family of
    widths, from Small_C's to step 10's, for comparing networks by size alone."""
    return tuple(round(a + fraction * (b - a)) for a, b in zip(low, high))


MODELS = {
    "Model_1": lambda: Baseline(),
    "Model_2": lambda: Net(widths=WIDTHS),
    "Model_3": lambda: Net(widths=WIDTHS, bn=True),
    "Model_4": lambda: Net(widths=WIDTHS, bn=True, dropout=0.05),
    "Model_5": lambda: ConvHeadNet(widths=CONV_HEAD_WIDTHS),
    "Model_6": lambda: SeparableNet(widths=SEPARABLE_WIDTHS),
    # Step 10's network widened along chapter 17's line of widths, 15 % of the way from Small_C's past it: the widest
    # on that line under the budget, 7,952 parameters.
    "Model_7": lambda: SeparableNet(widths=widths_between(1.15)),
    # Chapter 17's networks under 4,000 parameters: step 10's channels cut evenly (A), kept wide where the maps are
    # large (B), kept wide after the pool (C); then rungs a third, two thirds and half of the way from C to step 10,
    # and one a quarter of that way below C (M).
    "Small_A": lambda: SeparableNet(widths=(8, 16, 24, 32, 32)),
    "Small_B": lambda: SeparableNet(widths=(16, 20, 24, 28, 28)),
    "Small_C": lambda: SeparableNet(widths=NARROW_WIDTHS),
    "Small_E": lambda: SeparableNet(widths=widths_between(1 / 3)),
    "Small_F": lambda: SeparableNet(widths=widths_between(2 / 3)),
    "Small_L": lambda: SeparableNet(widths=widths_between(1 / 2)),
    "Small_M": lambda: SeparableNet(widths=widths_between(-1 / 4)),
    # Two of Small_C side by side, 7,924 parameters: each trained on its own loss, their probabilities averaged.
    "Pair_C": lambda: Ensemble([build_model("Small_C") for _ in range(2)]),
    # Other layouts: C's early channels with 48 late, paid for by grouped pointwise convolutions (D); ghost blocks
    # throughout at Small_E's widths (G) or late at wider ones (H); one shared block after the pool, applied twice
    # (I) or three times (J); a third separable block before the pool (K).
    "Small_D": lambda: SeparableNet(widths=(6, 12, 20, 48, 48), groups=(1, 1, 2, 2)),
    "Small_G": lambda: SeparableNet(widths=widths_between(1 / 3), ghost=(True, True, True, True)),
    "Small_H": lambda: SeparableNet(widths=(6, 12, 20, 44, 42), ghost=(False, False, True, True)),
    "Small_I": lambda: SharedNet(widths=(6, 12, 20, 35), repeat=2),
    "Small_J": lambda: SharedNet(widths=(6, 12, 20, 35), repeat=3),
    "Small_K": lambda: SeparableNet(widths=(6, 10, 16, 20, 32, 34), before_pool=3),
    # Published networks of the same exercise (../shared/PEERS.md), for comparison; Peer_B has 9,904 parameters.
    "Peer_A": peers.peer_a,
    "Peer_B": peers.peer_b,
    "Peer_C": peers.peer_c,
    "Peer_D": peers.peer_d,
    "Peer_E": peers.peer_e,
}


def model_names():
    return list(MODELS)


def build_model(name, seed=None):
    """A freshly initialised model of the registered name; with a seed, the same weights every time."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    if seed is None:
        return MODELS[name]()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MODELS[name]()


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
