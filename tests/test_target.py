import pytest

from mnist_lib.target import first_epoch_at, meets_target
from crafted import crafted_run
from test_models import HAND_COUNTS


def crafted(test_accs, params=HAND_COUNTS["Model_4"]):
    return crafted_run(test_accs, params=params, model="crafted")


@pytest.mark.parametrize("accs, met", [
    ([98.0] * 10 + [99.40] * 5, True),  # exactly the bar, on each of the last 5
    ([98.0] * 10 + [99.5, 99.5, 99.39, 99.5, 99.5], False),  # one dip in the last 5
    ([98.0] * 9 + [99.0] + [99.45] * 5, True),  # a dip before the last 5 does not count
    ([99.5] * 16, False),  # more than 15 epochs
    ([99.5] * 4, False),  # fewer epochs than the window
])
def test_meets_target_reads_the_last_five_epochs(accs, met):
    assert meets_target(crafted(accs)) is met


def test_meets_target_needs_fewer_than_8000_parameters():
    assert meets_target(crafted([99.5] * 15, params=7999))
    assert not meets_target(crafted([99.5] * 15, params=8000))


def test_first_epoch_at_the_bar():
    assert first_epoch_at(crafted([99.0, 99.41, 99.2])) == 2 and first_epoch_at(crafted([99.0])) is None
