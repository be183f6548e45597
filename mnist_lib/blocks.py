"""The named blocks every network of the book is built from."""
import math

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


class Ensemble(nn.Module):
    """Networks side by side on the same input. In training each member's logits come out on their own, shape
    (members, batch, classes), so that each member is trained on its own loss as it would be alone; in evaluation
    the output is the log of the members' averaged probabilities. Averaging can change a prediction only where the
    members disagree: there the digit their probabilities favour on average wins."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        logits = torch.stack([member(x) for member in self.members])
        if self.training:
            return logits
        return averaged_log_probabilities(logits)


def averaged_log_probabilities(member_logits):
    """log of the mean over members (the first dimension) of their softmax probabilities, without underflow."""
    return member_logits.log_softmax(-1).logsumexp(0) - math.log(len(member_logits))


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
