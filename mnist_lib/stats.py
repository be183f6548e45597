"""The statistics every comparison in the book uses: intervals for a mean, a difference of means and a count."""
import math
import statistics

from scipy import stats

LEVEL = 0.95  # every interval in the book


def mean_interval(values):
    """(mean, low, high): the mean of values with its 95 % t-interval."""
    n = len(values)
    if n < 2:
        raise ValueError(f"an interval needs at least 2 values, got {n}")
    mean, sem = statistics.mean(values), statistics.stdev(values) / math.sqrt(n)
    half = stats.t.ppf((1 + LEVEL) / 2, n - 1) * sem
    return mean, mean - half, mean + half


def welch(a, b):
    """The difference mean(a) - mean(b) with its 95 % Welch interval; resolved when the interval excludes zero."""
    if min(len(a), len(b)) < 2:
        raise ValueError(f"each side needs at least 2 values, got {len(a)} and {len(b)}")
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    diff = statistics.mean(a) - statistics.mean(b)
    if va + vb == 0:
        return dict(diff=diff, low=diff, high=diff, resolved=diff != 0)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = stats.t.ppf((1 + LEVEL) / 2, df) * math.sqrt(va + vb)
    return dict(diff=diff, low=diff - half, high=diff + half, resolved=not diff - half <= 0 <= diff + half)


def wilson(k, n):
    """(low, high): the 95 % Wilson interval of a proportion k/n."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    z = stats.norm.ppf((1 + LEVEL) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def verdict(comparison, better="higher", worse="lower", same="no different"):
    """The word a comparison of a against b earns: `better` or `worse` only when the interval resolves it."""
    if not comparison["resolved"]:
        return same
    return better if comparison["diff"] > 0 else worse
