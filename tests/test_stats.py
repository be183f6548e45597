import math
import statistics

import pytest

from mnist_lib.stats import mean_interval, verdict, welch, wilson

Z = statistics.NormalDist().inv_cdf(0.975)  # 1.960, the normal quantile of a two-sided 95 % interval


def test_mean_interval_of_two_values_uses_t_with_one_degree_of_freedom():
    # t with one degree of freedom is the Cauchy distribution: t(0.975, 1) = tan(pi * (0.975 - 0.5)) = 12.706;
    # the standard error of (1, 3) is stdev 1.414 / sqrt 2 = 1
    t = math.tan(math.pi * (0.975 - 0.5))
    mean, low, high = mean_interval([1.0, 3.0])
    assert mean == 2.0 and high - mean == pytest.approx(t) and mean - low == pytest.approx(t)


def test_welch_with_equal_variances_and_sizes_matches_the_pooled_interval():
    a, b = [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]
    result = welch(a, b)
    # equal sizes and variances: df = 6, se = sqrt(2 * var / 4) = sqrt(2 * 1.6667 / 4); t(0.975, 6) = 2.4469
    half = 2.4469 * math.sqrt(2 * statistics.variance(a) / 4)
    assert result["diff"] == -4.0 and result["low"] == pytest.approx(-4.0 - half, abs=1e-3)
    assert result["resolved"] and verdict(result) == "lower"


def test_an_interval_across_zero_is_not_resolved():
    result = welch([99.40, 99.45, 99.50], [99.42, 99.47, 99.44])
    assert result["low"] < 0 < result["high"] and not result["resolved"]
    assert verdict(result, "beats", "trails", "no different from") == "no different from"


def test_wilson_of_ten_out_of_ten_reaches_down_to_about_72_percent():
    # at p = k/n = 1 the Wilson interval's low end reduces to n / (n + z^2) = 10 / 13.84 = 0.7225
    low, high = wilson(10, 10)
    assert low == pytest.approx(10 / (10 + Z * Z)) and high == pytest.approx(1.0)


def test_wilson_of_half_is_symmetric():
    # at p = 1/2 the centre stays at 1/2, the half width is z * sqrt(1/40 + z^2/400) / (1 + z^2/10) = 0.2634
    low, high = wilson(5, 10)
    half = Z * math.sqrt(1 / 40 + Z * Z / 400) / (1 + Z * Z / 10)
    assert low == pytest.approx(1 - high) and low == pytest.approx(0.5 - half)


@pytest.mark.parametrize("call", [lambda: mean_interval([1.0]), lambda: welch([1.0], [1.0, 2.0]),
                                  lambda: wilson(3, 2), lambda: wilson(0, 0)])
def test_too_little_data_is_refused(call):
    with pytest.raises(ValueError):
        call()
