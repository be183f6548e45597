import pytest
import torch
import torch.nn as nn

from mnist_lib.blocks import Ensemble
from mnist_lib.evaluation import (accuracy_of, ensemble_rows, member_accuracies, robustness_rows,
                                  worst_cost)


def test_accuracy_of_9940_in_10000_is_exactly_the_bar():
    assert accuracy_of(9940, 10000) >= 99.40 and accuracy_of(9939, 10000) < 99.40


class Always(nn.Module):
    """Reads every image as one digit, however it is moved."""

    def __init__(self, digit):
        super().__init__()
        self.logits = nn.Parameter(torch.eye(10)[digit])

    def forward(self, x):
        return self.logits.expand(len(x), 10)


def test_robustness_rows_move_the_test_digits_once_per_row_and_score_each_model(data):
    rows = robustness_rows({"ones": Always(1), "sevens": Always(7)}, data, shifts=(2,), angles=(10,))
    assert [row["digits"] for row in rows] == [
        "as they are", "shifted 2 px right", "shifted 2 px left", "shifted 2 px down", "shifted 2 px up",
        "rotated 10° anticlockwise", "rotated 10° clockwise"]
    share = {d: 100 * (data.test_labels == d).sum().item() / len(data.test_labels) for d in (1, 7)}
    assert all(row["ones"] == share[1] and row["sevens"] == share[7] for row in rows)


def test_the_worst_cost_of_a_kind_of_move_is_taken_against_the_digits_as_they_are():
    rows = [{"digits": "as they are", "a": 99.5}, {"digits": "shifted 2 px right", "a": 99.3},
            {"digits": "shifted 2 px up", "a": 98.9}, {"digits": "rotated 10° clockwise", "a": 98.0}]
    assert worst_cost(rows, "a", "shifted 2 px") == pytest.approx(0.6)
    assert worst_cost(rows, "a", "rotated 10°") == pytest.approx(1.5)


def test_member_accuracies_and_ensemble_rows_score_each_member_alone(data):
    class Always(nn.Module):  # predicts one digit whatever the image
        def __init__(self, digit):
            super().__init__()
            self.digit, self.weight = digit, nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return nn.functional.one_hot(torch.full((len(x),), self.digit), 10).float() + self.weight

    labels = data.test_labels
    share = {d: 100.0 * (labels == d).sum().item() / len(labels) for d in range(10)}
    assert member_accuracies(Ensemble([Always(1), Always(7)]), data) == pytest.approx([share[1], share[7]])
    rows = ensemble_rows({1: Ensemble([Always(1), Always(1)]), 2: Ensemble([Always(3), Always(7)])},
                         {1: Always(2), 2: Always(4)}, data)
    assert [row["seed"] for row in rows] == [1, 2, "mean"]
    assert rows[0]["ensemble"] == pytest.approx(share[1]) and rows[1]["single"] == pytest.approx(share[4])
    assert rows[1]["members_mean"] == pytest.approx((share[3] + share[7]) / 2)
    assert rows[2]["member_2"] == pytest.approx((share[1] + share[7]) / 2)
