import pytest
import torch
import torch.nn as nn

import mnist_lib.models as models
from fingerprints import committed, fingerprint
from mnist_lib.blocks import Ensemble, GhostBlock, PeerBlock, SeparableBlock, SharedBlock
from mnist_lib.models import (NARROW_WIDTHS, SEPARABLE_WIDTHS, WIDTHS, Net, build_model, count_parameters, model_names,
                              widths_between)
from mnist_lib.target import TARGET_PARAMS


def conv(c_in, c_out, k=3, bias=True):
    return c_in * c_out * k * k + (c_out if bias else 0)


# Worked out by hand from the layer list of each model.
HAND_COUNTS = {
    "Model_1": conv(1, 16) + conv(16, 32) + (32 * 5 * 5 * 128 + 128) + (128 * 10 + 10),
    "Model_2": conv(1, 8) + conv(8, 16) + conv(16, 10, 1, False) + conv(10, 16) + 2 * conv(16, 16) + conv(16, 10, 1),
    "Model_3": (conv(1, 8, bias=False) + conv(8, 16, bias=False) + conv(16, 10, 1, False) + conv(10, 16, bias=False)
                + 2 * conv(16, 16, bias=False) + conv(16, 10, 1) + 2 * (8 + 16 + 16 + 16 + 16)),
}
HAND_COUNTS["Model_4"] = HAND_COUNTS["Model_3"]  # dropout adds no parameters


def conv_head_net(c1, c2, c3, c4, c5, c6):
    """Three conv-BN blocks, a 1x1 transition, two conv-BN blocks and a 3x3 convolution to 10 classes."""
    return (conv(1, c1, bias=False) + conv(c1, c2, bias=False) + conv(c2, c3, bias=False) + conv(c3, c4, 1, False)
            + conv(c4, c5, bias=False) + conv(c5, c6, bias=False) + conv(c6, 10) + 2 * (c1 + c2 + c3 + c5 + c6))


def separable(c_in, c_out, groups=1):
    """A 3x3 filter per input channel, a 1x1 convolution mixing them within each group, batch norm."""
    return 9 * c_in + c_in * c_out // groups + 2 * c_out


def separable_net(c1, c2, c3, c4, c5, groups=(1, 1, 1, 1)):
    """A whole 3x3 convolution with batch norm, four separable blocks, and a separable 3x3 head to 10 classes."""
    g2, g3, g4, g5 = groups
    return (conv(1, c1, bias=False) + 2 * c1 + separable(c1, c2, g2) + separable(c2, c3, g3) + separable(c3, c4, g4)
            + separable(c4, c5, g5) + 9 * c5 + conv(c5, 10, 1))


def ghost(c_in, c_out):
    """A separable block to half the outputs, then a 3x3 filter per channel of that half for the other half."""
    return separable(c_in, c_out // 2) + 9 * (c_out // 2) + 2 * (c_out // 2)


def ghost_net(c1, c2, c3, c4, c5, ghosts):
    """separable_net with the separable blocks flagged in ghosts made ghost blocks."""
    blocks = [(ghost if g else separable)(a, b) for g, a, b in zip(ghosts, (c1, c2, c3, c4), (c2, c3, c4, c5))]
    return conv(1, c1, bias=False) + 2 * c1 + sum(blocks) + 9 * c5 + conv(c5, 10, 1)


def shared_net(c1, c2, c3, c4, repeat):
    """Three blocks before the pool, one after, one shared separable convolution with a norm per use, and the head."""
    return (conv(1, c1, bias=False) + 2 * c1 + separable(c1, c2) + separable(c2, c3) + separable(c3, c4)
            + 9 * c4 + c4 * c4 + 2 * c4 * repeat + 9 * c4 + conv(c4, 10, 1))


def deep_net(c1, c2, c3, c4, c5, c6):
    """separable_net with a third separable block before the pool."""
    return (conv(1, c1, bias=False) + 2 * c1 + separable(c1, c2) + separable(c2, c3) + separable(c3, c4)
            + separable(c4, c5) + separable(c5, c6) + 9 * c6 + conv(c6, 10, 1))


HAND_COUNTS["Model_5"] = conv_head_net(8, 12, 16, 8, 16, 16)
HAND_COUNTS["Model_6"] = separable_net(12, 24, 32, 48, 48)
HAND_COUNTS["Model_7"] = separable_net(13, 26, 34, 50, 50)
HAND_COUNTS["Small_A"] = separable_net(8, 16, 24, 32, 32)
HAND_COUNTS["Small_B"] = separable_net(16, 20, 24, 28, 28)
HAND_COUNTS["Small_C"] = separable_net(6, 12, 20, 36, 36)
HAND_COUNTS["Small_D"] = separable_net(6, 12, 20, 48, 48, groups=(1, 1, 2, 2))
HAND_COUNTS["Small_E"] = separable_net(8, 16, 24, 40, 40)
HAND_COUNTS["Small_F"] = separable_net(10, 20, 28, 44, 44)
HAND_COUNTS["Small_L"] = separable_net(9, 18, 26, 42, 42)
HAND_COUNTS["Small_M"] = separable_net(4, 9, 17, 33, 33)
HAND_COUNTS["Small_G"] = ghost_net(8, 16, 24, 40, 40, (True, True, True, True))
HAND_COUNTS["Small_H"] = ghost_net(6, 12, 20, 44, 42, (False, False, True, True))
HAND_COUNTS["Small_I"] = shared_net(6, 12, 20, 35, 2)
HAND_COUNTS["Small_J"] = shared_net(6, 12, 20, 35, 3)
HAND_COUNTS["Small_K"] = deep_net(6, 10, 16, 20, 32, 34)
HAND_COUNTS["Pair_C"] = 2 * separable_net(6, 12, 20, 36, 36)
# ../shared/PEERS.md's checks, row by row: convolution weights (no biases), then 2 per batch-norm channel.
HAND_COUNTS["Peer_A"] = 72 + 16 + 1152 + 32 + 128 + 864 + 24 + 1296 + 24 + 1728 + 32 + 2304 + 32 + 160
HAND_COUNTS["Peer_B"] = 144 + 32 + 3456 + 48 + 192 + 16 + 1152 + 32 + 2304 + 32 + 2304 + 32 + 160
HAND_COUNTS["Peer_C"] = (90 + 20 + 900 + 20 + 900 + 20 + 900 + 20 + 100 + 20 + 1260 + 28 + 1764 + 28 + 1638 + 26
                         + 130 + 20)
HAND_COUNTS["Peer_D"] = 36 + 8 + 288 + 16 + 1152 + 32 + 128 + 1152 + 32 + 2304 + 32 + 2304 + 32 + 160
HAND_COUNTS["Peer_E"] = 63 + 14 + 1008 + 32 + 192 + 1728 + 32 + 2304 + 32 + 2304 + 32 + 160


def test_every_model_has_a_hand_count():
    assert set(HAND_COUNTS) == set(model_names())


def test_widths_between_gives_chapter_13s_rungs():
    # a third, half and two thirds of the way from Small_C's (6, 12, 20, 36, 36) to step 8's (12, 24, 32, 48, 48)
    assert NARROW_WIDTHS == (6, 12, 20, 36, 36)
    assert [widths_between(f) for f in (-1 / 4, 0, 1 / 3, 1 / 2, 2 / 3, 1)] == [
        (4, 9, 17, 33, 33), (6, 12, 20, 36, 36), (8, 16, 24, 40, 40), (9, 18, 26, 42, 42), (10, 20, 28, 44, 44),
        SEPARABLE_WIDTHS]


def test_model_7_is_the_widest_network_on_that_line_under_the_budget():
    params = [count_parameters(models.SeparableNet(widths=widths_between(1 + f / 100))) for f in range(0, 40)]
    widest = max(f for f, p in enumerate(params) if p < TARGET_PARAMS)
    assert count_parameters(build_model("Model_7")) == params[widest] == 7952 and params[widest + 1] >= TARGET_PARAMS


@pytest.mark.parametrize("name", sorted(HAND_COUNTS))
def test_parameter_count_matches_hand_arithmetic(name):
    assert count_parameters(build_model(name)) == HAND_COUNTS[name]


@pytest.mark.parametrize("name", model_names())
def test_output_is_ten_logits_per_image(name):
    model = build_model(name).eval()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_every_model_but_the_baseline_and_peer_b_fits_the_budget():
    # Peer_B is a published network of 9,904 parameters: its write-up's bar was 10,000
    assert [n for n in model_names() if count_parameters(build_model(n)) >= TARGET_PARAMS] == ["Model_1", "Peer_B"]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Model_1, Model_2"):
        build_model("Model_99")


def test_each_call_builds_a_fresh_model():
    a, b = build_model("Model_3"), build_model("Model_3")
    assert a is not b
    assert not torch.equal(a.block1[0][0].weight, b.block1[0][0].weight)


def test_a_seed_fixes_the_weights():
    def weights(seed):
        return build_model("Model_4", seed=seed).block1[0][0].weight

    assert torch.equal(weights(3), weights(3)) and not torch.equal(weights(3), weights(4))


def channels_reached(layers, c_in, out_channel):
    """The input channels whose values change the given output channel."""
    x = torch.randn(1, c_in, 9, 9, requires_grad=True)
    layers.eval()(x)[0, out_channel].sum().backward()
    return {c for c in range(c_in) if x.grad[0, c].abs().sum() > 0}


def test_a_grouped_block_mixes_only_within_its_group():
    torch.manual_seed(0)
    assert channels_reached(nn.Sequential(SeparableBlock(8, 8, groups=2)), 8, 0) == set(range(4))


def test_the_shuffle_lets_the_next_grouped_block_mix_every_group():
    torch.manual_seed(0)
    assert channels_reached(nn.Sequential(SeparableBlock(8, 8, groups=2), SeparableBlock(8, 8, groups=2)), 8, 0) \
        == set(range(8))


def test_ghost_block_makes_its_second_half_from_its_first():
    block = GhostBlock(4, 8).eval()
    out = block(torch.randn(2, 4, 9, 9))
    assert out.shape == (2, 8, 7, 7)
    assert torch.equal(out[:, 4:], block.cheap(out[:, :4]))


def test_shared_block_uses_one_convolution_each_time_and_adds_its_input():
    block = SharedBlock(3, repeat=3).eval()
    calls = []
    block.conv.register_forward_hook(lambda *_: calls.append(1))
    x = torch.randn(2, 3, 9, 9)
    assert block(x).shape == x.shape and len(calls) == 3
    nn.init.zeros_(block.conv[1].weight)  # every pass then adds relu(norm(0)) = 0 with the norms' initial shift of 0
    assert torch.equal(block(x), x)


REWRITE = "after a deliberate change to the model, run PYTHONPATH=. python tests/fingerprints.py and commit the file"


def test_an_ensemble_gives_each_members_logits_in_training_and_their_averaged_probabilities_after():
    model = build_model("Pair_C", seed=0)
    x = torch.randn(5, 1, 28, 28)
    trained = model.train()(x)
    assert trained.shape == (2, 5, 10)
    model.eval()
    alone = torch.stack([member(x) for member in model.members])
    expected = alone.softmax(-1).mean(0)
    assert torch.allclose(model(x).exp(), expected, atol=1e-6)
    assert not torch.equal(alone[0], alone[1])  # two members, two initialisations


def test_an_ensembles_output_stays_finite_where_a_member_is_certain():
    model = Ensemble([nn.Flatten(), nn.Flatten()]).eval()
    logits = torch.full((1, 1, 1, 10), -200.0)
    logits[..., 3] = 200.0
    assert torch.isfinite(model(logits)).all()


def test_every_registered_model_and_no_other_has_a_committed_fingerprint():
    assert set(committed()) == set(model_names()), REWRITE


@pytest.mark.parametrize("name", model_names())
def test_structure_and_seeded_weights_match_the_committed_fingerprint(name):
    assert fingerprint(name) == committed().get(name), f"{name}'s layers or initial weights changed: {REWRITE}"


def test_a_fingerprint_sees_a_change_that_adds_no_parameter(monkeypatch):
    before = build_model("Model_4", seed=0).state_dict()
    # Model_4 with twice its dropout rate: the same seeded weights, another structure
    monkeypatch.setitem(models.MODELS, "Model_4", lambda: Net(widths=WIDTHS, bn=True, dropout=0.1))
    after = build_model("Model_4", seed=0).state_dict()
    assert list(after) == list(before) and all(torch.equal(after[key], before[key]) for key in before)
    assert fingerprint("Model_4") != committed()["Model_4"]


# Each peer's rows as ../shared/PEERS.md's tables give them: the layer and what follows it, and the output size.
PEER_TABLES = {
    "Peer_A": [("conv 1-8 k3 p1, ReLU BN Dropout2d 0.05", 28), ("conv 8-16 k3 p1, ReLU BN Dropout2d 0.05", 28),
               ("max-pool 2", 14), ("conv 16-8 k1 p0,", 14), ("conv 8-12 k3 p0, ReLU BN Dropout2d 0.05", 12),
               ("conv 12-12 k3 p0, ReLU BN Dropout2d 0.05", 10), ("conv 12-16 k3 p0, ReLU BN Dropout2d 0.05", 8),
               ("conv 16-16 k3 p0, ReLU BN Dropout2d 0.05", 6), ("average pool 6", 1), ("conv 16-10 k1 p0,", 1)],
    "Peer_B": [("conv 1-16 k3 p1, BN ReLU Dropout 0.01", 28), ("conv 16-24 k3 p0, BN ReLU Dropout 0.01", 26),
               ("max-pool 2", 13), ("conv 24-8 k1 p0, BN ReLU Dropout 0.01", 13),
               ("conv 8-16 k3 p0, BN ReLU Dropout 0.01", 11), ("conv 16-16 k3 p0, BN ReLU Dropout 0.01", 9),
               ("conv 16-16 k3 p0, BN ReLU Dropout 0.01", 7), ("GAP", 1), ("conv 16-10 k1 p0,", 1)],
    "Peer_C": [("conv 1-10 k3 p0, BN ReLU", 26), ("conv 10-10 k3 p0, BN ReLU", 24), ("conv 10-10 k3 p0, BN ReLU", 22),
               ("conv 10-10 k3 p0, BN", 20), ("conv 10-10 k1 p0, BN", 20), ("max-pool 2", 10),
               ("conv 10-14 k3 p0, BN ReLU", 8), ("conv 14-14 k3 p0, BN ReLU", 6), ("conv 14-13 k3 p0, BN", 4),
               ("GAP", 1), ("conv 13-10 k1 p0, BN", 1)],
    "Peer_D": [("conv 1-4 k3 p0, ReLU BN", 26), ("conv 4-8 k3 p0, ReLU BN", 24), ("conv 8-16 k3 p0, ReLU BN", 22),
               ("conv 16-8 k1 p0,", 22), ("max-pool 2", 11), ("conv 8-16 k3 p0, ReLU BN Dropout 0.1", 9),
               ("conv 16-16 k3 p0, ReLU BN Dropout 0.1", 7), ("conv 16-16 k3 p1, ReLU BN", 7),
               ("conv 16-10 k1 p0,", 7), ("average pool 7", 1)],
    "Peer_E": [("conv 1-7 k3 p0, ReLU BN Dropout2d 0.01", 26), ("conv 7-16 k3 p0, ReLU BN Dropout2d 0.01", 24),
               ("conv 16-12 k1 p0,", 24), ("max-pool 2", 12), ("conv 12-16 k3 p0, ReLU BN Dropout2d 0.01", 10),
               ("conv 16-16 k3 p0, ReLU BN Dropout2d 0.01", 8), ("conv 16-16 k3 p0, ReLU BN Dropout2d 0.01", 6),
               ("average pool 6", 1), ("conv 16-10 k1 p0,", 1)],
}


def describe(row):
    """A row of a peer in PEERS.md's notation: 'conv 1-8 k3 p1, ReLU BN Dropout2d 0.05', 'max-pool 2', 'GAP'."""
    if isinstance(row, nn.MaxPool2d):
        return f"max-pool {row.kernel_size}"
    if isinstance(row, nn.AvgPool2d):
        return f"average pool {row.kernel_size}"
    if isinstance(row, nn.AdaptiveAvgPool2d):
        return "GAP"
    conv, *after = row
    names = {nn.ReLU: "ReLU", nn.BatchNorm2d: "BN", nn.Dropout: "Dropout", nn.Dropout2d: "Dropout2d"}
    then = " ".join(names[type(m)] + (f" {m.p}" if isinstance(m, nn.Dropout | nn.Dropout2d) else "") for m in after)
    assert conv.bias is None, "the peers' convolutions have no bias"
    return f"conv {conv.in_channels}-{conv.out_channels} k{conv.kernel_size[0]} p{conv.padding[0]}, {then}".strip()


def rows_with_sizes(model):
    """(description, output size) of each row of a peer, read by running a 28x28 image through it."""
    rows = [row for row in model if not isinstance(row, nn.Flatten)]
    sizes = []
    hooks = [row.register_forward_hook(lambda _, __, out: sizes.append(out.shape[-1])) for row in rows]
    model.eval()(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    return list(zip(map(describe, rows), sizes))


@pytest.mark.parametrize("name", sorted(PEER_TABLES))
def test_each_peer_is_its_published_table_row_by_row(name):
    assert rows_with_sizes(build_model(name)) == PEER_TABLES[name]


def test_the_peers_are_every_peer_registered():
    assert sorted(PEER_TABLES) == [n for n in model_names() if n.startswith("Peer_")]


@pytest.mark.parametrize("name", sorted(PEER_TABLES))
def test_each_peer_trains_on_a_batch_of_two(name):
    # Peer C's batch norm of the logits needs two values per class in training
    model = build_model(name, seed=0).train()
    logits = model(torch.randn(2, 1, 28, 28))
    nn.functional.cross_entropy(logits, torch.tensor([3, 7])).backward()
    assert logits.shape == (2, 10) and all(p.grad is not None for p in model.parameters())


def test_a_log_softmax_head_changes_nothing_under_cross_entropy():
    # why the peers end in logits: cross-entropy applies log-softmax, which leaves log-probabilities as they are
    logits, target = torch.randn(8, 10), torch.arange(8)
    loss = nn.functional.cross_entropy(logits, target)
    torch.testing.assert_close(nn.functional.cross_entropy(nn.functional.log_softmax(logits, 1), target), loss)


def test_peer_block_names_the_orders_it_knows():
    with pytest.raises(ValueError, match="order must be one of"):
        PeerBlock(1, 8, order="relu_bn_relu")
