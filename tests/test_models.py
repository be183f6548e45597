import pytest
import torch
import torch.nn as nn

import mnist_lib.models as models
from fingerprints import committed, fingerprint
from mnist_lib.models import (NARROW_WIDTHS, SEPARABLE_WIDTHS, WIDTHS, GhostBlock, Net, SeparableBlock, SharedBlock,
                              build_model, count_parameters, model_names, widths_between)
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
HAND_COUNTS["Small_A"] = separable_net(8, 16, 24, 32, 32)
HAND_COUNTS["Small_B"] = separable_net(16, 20, 24, 28, 28)
HAND_COUNTS["Small_C"] = separable_net(6, 12, 20, 36, 36)
HAND_COUNTS["Small_D"] = separable_net(6, 12, 20, 48, 48, groups=(1, 1, 2, 2))
HAND_COUNTS["Small_E"] = separable_net(8, 16, 24, 40, 40)
HAND_COUNTS["Small_F"] = separable_net(10, 20, 28, 44, 44)
HAND_COUNTS["Small_L"] = separable_net(9, 18, 26, 42, 42)
HAND_COUNTS["Small_G"] = ghost_net(8, 16, 24, 40, 40, (True, True, True, True))
HAND_COUNTS["Small_H"] = ghost_net(6, 12, 20, 44, 42, (False, False, True, True))
HAND_COUNTS["Small_I"] = shared_net(6, 12, 20, 35, 2)
HAND_COUNTS["Small_J"] = shared_net(6, 12, 20, 35, 3)
HAND_COUNTS["Small_K"] = deep_net(6, 10, 16, 20, 32, 34)


def test_every_model_has_a_hand_count():
    assert set(HAND_COUNTS) == set(model_names())


def test_the_width_family_runs_from_small_c_to_step_8_in_even_steps():
    assert widths_between(0) == NARROW_WIDTHS and widths_between(1) == SEPARABLE_WIDTHS
    for k in (1, 2):  # the rungs a third and two thirds of the way, in whole channels
        assert widths_between(k / 3) == tuple(s + k * (b - s) // 3 for s, b in zip(NARROW_WIDTHS, SEPARABLE_WIDTHS))
    assert widths_between(1 / 2) == tuple(s + (b - s) // 2 for s, b in zip(NARROW_WIDTHS, SEPARABLE_WIDTHS))


@pytest.mark.parametrize("name", sorted(HAND_COUNTS))
def test_parameter_count_matches_hand_arithmetic(name):
    assert count_parameters(build_model(name)) == HAND_COUNTS[name]


@pytest.mark.parametrize("name", model_names())
def test_output_is_ten_logits_per_image(name):
    model = build_model(name).eval()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_models_from_step_2_on_fit_the_budget():
    assert all(count_parameters(build_model(n)) < TARGET_PARAMS for n in model_names()[1:])


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
