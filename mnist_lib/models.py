"""The drill-down's models, built from a few named blocks, and the registry that names them."""
import torch
import torch.nn as nn


class ConvBlock(nn.Sequential):
    """3x3 convolution -> [batch norm] -> ReLU -> [dropout]."""

    def __init__(self, c_in, c_out, *, bn=False, dropout=0.0):
        layers = [nn.Conv2d(c_in, c_out, 3, bias=not bn)]  # no padding: every output sees a full 3x3 of the input
        layers += [nn.BatchNorm2d(c_out)] if bn else []
        layers += [nn.ReLU()]
        layers += [nn.Dropout2d(dropout)] if dropout else []
        super().__init__(*layers)


class SeparableBlock(nn.Sequential):
    """Depthwise 3x3 convolution -> pointwise 1x1 convolution -> batch norm -> ReLU [-> channel shuffle].

    The same 3x3 view as ConvBlock at about a ninth of the parameters for wide layers, so the budget buys more
    channels: 3x3 per input channel plus one weight per input-output pair, instead of 3x3 per pair.
    With groups > 1 the pointwise convolution mixes only within each of that many groups of channels, a further
    groups-fold saving; the shuffle then deals each group's outputs out across all groups, so that the next grouped
    block mixes what this one kept apart."""

    def __init__(self, c_in, c_out, groups=1):
        layers = [nn.Conv2d(c_in, c_in, 3, groups=c_in, bias=False),
                  nn.Conv2d(c_in, c_out, 1, groups=groups, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
        layers += [nn.ChannelShuffle(groups)] if groups > 1 else []
        super().__init__(*layers)


class GhostBlock(nn.Module):
    """A separable block that computes half of its output channels and makes the other half from them with a cheap
    depthwise 3x3 convolution (GhostNet, Han et al. 2020): about half the pointwise weights for the same width."""

    def __init__(self, c_in, c_out):
        super().__init__()
        half = c_out // 2
        self.primary = nn.Sequential(nn.Conv2d(c_in, c_in, 3, groups=c_in, bias=False),
                                     nn.Conv2d(c_in, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU())
        # padded, so that both halves keep the same size and can be stacked
        self.cheap = nn.Sequential(nn.Conv2d(half, c_out - half, 3, padding=1, groups=half, bias=False),
                                   nn.BatchNorm2d(c_out - half), nn.ReLU())

    def forward(self, x):
        x = self.primary(x)
        return torch.cat([x, self.cheap(x)], dim=1)


class SharedBlock(nn.Module):
    """One padded separable convolution applied `repeat` times, each time with its own batch norm and added to its
    input: more depth for the cost of the norms alone."""

    def __init__(self, c, repeat):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False))
        self.norms = nn.ModuleList(nn.BatchNorm2d(c) for _ in range(repeat))

    def forward(self, x):
        for norm in self.norms:
            x = x + torch.relu(norm(self.conv(x)))
        return x


class Transition(nn.Sequential):
    """2x2 max-pool, then a 1x1 convolution that mixes and narrows the channels (pooling first is 4x cheaper)."""

    def __init__(self, c_in, c_out):
        super().__init__(nn.MaxPool2d(2), nn.Conv2d(c_in, c_out, 1, bias=False))


class Head(nn.Sequential):
    """Global average pooling, then a 1x1 convolution to the 10 class logits."""

    def __init__(self, c_in):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c_in, 10, 1), nn.Flatten())


class SeparableHead(nn.Sequential):
    """A depthwise 3x3 convolution, a pointwise convolution to the 10 class maps, then global average pooling."""

    def __init__(self, c_in):
        super().__init__(nn.Conv2d(c_in, c_in, 3, groups=c_in, bias=False), nn.Conv2d(c_in, 10, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())


class ConvHead(nn.Sequential):
    """A 3x3 convolution to 10 class maps, then global average pooling of each map to one logit."""

    def __init__(self, c_in):
        super().__init__(nn.Conv2d(c_in, 10, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())


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
    a half to three times the channels. Step 8's network, and chapter 13's variants of it: `groups` gives each
    separable block's pointwise groups, `ghost` which blocks are ghost blocks, `before_pool` how many blocks come
    before the pool. The comments in forward give step 8's layout; anatomy.receptive_fields gives any variant's."""

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
    """Step 8's layout up to the first block after the pool; then, in place of the second, one shared block applied
    several times (chapter 13)."""

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


class PeerBlock(nn.Sequential):
    """A convolution without bias, then what a published network puts after it, in its order: "relu_bn",
    "bn_relu", "bn" or "none"; then dropout when dropout > 0, per channel (Dropout2d) or per value (Dropout).

    ConvBlock fits only some of the peers' rows: they pad, put ReLU before batch norm, end a row with batch norm
    alone or with nothing, and drop single values."""

    ORDERS = ("relu_bn", "bn_relu", "bn", "none")

    def __init__(self, c_in, c_out, k=3, *, padding=0, order="relu_bn", dropout=0.0, dropout2d=False):
        if order not in self.ORDERS:
            raise ValueError(f"order must be one of {self.ORDERS}, got {order!r}")
        after = {"relu": nn.ReLU, "bn": lambda: nn.BatchNorm2d(c_out)}
        layers = [nn.Conv2d(c_in, c_out, k, padding=padding, bias=False)]
        layers += [after[name]() for name in order.split("_") if name != "none"]
        layers += [(nn.Dropout2d if dropout2d else nn.Dropout)(dropout)] if dropout else []
        super().__init__(*layers)


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


WIDTHS = (8, 16, 10, 16, 16, 16)  # channels of the six convolutions: under 8,000 parameters in all
# Fewer channels late, one more convolution early: parameters move to where the 22x22 maps are.
CONV_HEAD_WIDTHS = (8, 12, 16, 8, 16, 16)
# One and a half to three times those channels for fewer parameters: separable convolutions are that much cheaper.
SEPARABLE_WIDTHS = (12, 24, 32, 48, 48)
# Step 8's layout under 4,000 parameters, kept wide after the pool (chapter 13's Small_C).
NARROW_WIDTHS = (6, 12, 20, 36, 36)


def widths_between(fraction, low=NARROW_WIDTHS, high=SEPARABLE_WIDTHS):
    """Channels `fraction` of the way from low's to high's, rounded: 0 gives low, 1 gives high. One family of
    widths, from Small_C's to step 8's, for comparing networks by size alone."""
    return tuple(round(a + fraction * (b - a)) for a, b in zip(low, high))


MODELS = {
    "Model_1": lambda: Baseline(),
    "Model_2": lambda: Net(widths=WIDTHS),
    "Model_3": lambda: Net(widths=WIDTHS, bn=True),
    "Model_4": lambda: Net(widths=WIDTHS, bn=True, dropout=0.05),
    "Model_5": lambda: ConvHeadNet(widths=CONV_HEAD_WIDTHS),
    "Model_6": lambda: SeparableNet(widths=SEPARABLE_WIDTHS),
    # Chapter 13's networks under 4,000 parameters: step 8's channels cut evenly (A), kept wide where the maps are
    # large (B), kept wide after the pool (C); then rungs a third, two thirds and half of the way from C to step 8.
    "Small_A": lambda: SeparableNet(widths=(8, 16, 24, 32, 32)),
    "Small_B": lambda: SeparableNet(widths=(16, 20, 24, 28, 28)),
    "Small_C": lambda: SeparableNet(widths=NARROW_WIDTHS),
    "Small_E": lambda: SeparableNet(widths=widths_between(1 / 3)),
    "Small_F": lambda: SeparableNet(widths=widths_between(2 / 3)),
    "Small_L": lambda: SeparableNet(widths=widths_between(1 / 2)),
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
    "Peer_A": peer_a,
    "Peer_B": peer_b,
    "Peer_C": peer_c,
    "Peer_D": peer_d,
    "Peer_E": peer_e,
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
