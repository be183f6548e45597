from types import SimpleNamespace

import pytest

from mnist_lib.config import RunConfig
from mnist_lib.profiling import GROUPS, backward_share, convolution_kind, group_of, profile_step, share, top_groups


def event(name, shapes=(), parent=None):
    return SimpleNamespace(name=name, input_shapes=[list(s) for s in shapes], cpu_parent=parent)


@pytest.mark.parametrize("name, shapes, kind", [
    ("aten::mkldnn_convolution", [(64, 24, 24, 24), (24, 1, 3, 3)], "depthwise convolutions"),
    ("aten::mkldnn_convolution", [(64, 24, 22, 22), (32, 24, 1, 1)], "pointwise convolutions"),
    ("aten::mkldnn_convolution", [(64, 1, 28, 28), (12, 1, 3, 3)], "full convolutions"),  # one input channel
    ("aten::convolution_backward", [(64, 24, 22, 22), (64, 24, 24, 24), (24, 1, 3, 3)], "depthwise convolutions"),
    ("aten::convolution_backward", [(64, 16, 10, 10), (64, 10, 12, 12), (16, 10, 3, 3)], "full convolutions"),
])
def test_a_convolution_is_told_by_its_weights_shape(name, shapes, kind):
    assert convolution_kind(event(name, shapes)) == kind


def test_an_operator_belongs_to_the_outermost_phase_else_to_what_it_computes():
    conv = event("aten::convolution", [(64, 24, 24, 24), (24, 1, 3, 3)])
    assert group_of(event("aten::empty", parent=conv)) == ("depthwise convolutions", False)
    in_eval = event("aten::convolution", [(64, 24, 24, 24), (24, 1, 3, 3)], parent=event("evaluation"))
    assert group_of(event("aten::empty", parent=in_eval)) == ("evaluation", False)
    engine = event("autograd::engine::evaluate_function: NativeBatchNormBackward0")
    assert group_of(event("aten::native_batch_norm_backward", parent=engine)) == ("batch norm", True)
    assert group_of(event("aten::_foreach_lerp_", parent=event("weight averaging"))) == ("weight averaging", False)
    assert group_of(event("aten::add_")) == ("other operators", False)


def test_the_plain_network_spends_nothing_on_depthwise_convolutions_or_batch_norm(data):
    cfg = RunConfig().smoke()
    separable = profile_step(data, cfg, steps=3)
    plain = profile_step(data, RunConfig(model="Model_2").smoke(), steps=3)
    for rows in (separable, plain):
        assert [r["group"] for r in rows] == list(GROUPS)
        assert sum(r["share"] for r in rows) == pytest.approx(100)
        assert share(rows, "evaluation") > 0 and share(rows, "augmentation") > 0 and 0 < backward_share(rows) < 100
    assert share(separable, "depthwise convolutions") > 0 and share(separable, "batch norm") > 0
    assert share(plain, "depthwise convolutions", "batch norm") == 0 and share(plain, "full convolutions") > 0
    assert len(top_groups(plain, 3)) == 3 and top_groups(plain, 1)[0].startswith(
        max(plain, key=lambda r: r["ms"])["group"])
