"""The frontier (chapter 13): how the lowest accuracy of the last 5 epochs falls as a network's parameters fall, a
straight line through it against log-parameters, where that line crosses a bar, each with its 95 % interval, and the
figure of it all."""
import math

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats as scipy_stats

from .report import compare_runs, comparison_text, last5_minima
from .stats import LEVEL, mean_interval
from .target import TARGET_ACCURACY, TARGET_PARAMS, summarise

RELIABLE = (9, 10)  # seeds that must meet the target, of the test seeds trained: the book's bar (chapter 9)
JUDGED_FROM = 5  # validation seeds an idea needs before its place against the frontier is judged


def frontier_rows(groups):
    """One row per network ({name: {key: History}}, each the seeds of one network), fewest parameters first: its
    parameters, its seeds' last-5 minima (lows), their mean and 95 % interval, lowest and highest, and how many of
    its seeds met the target (met_of)."""
    rows = []
    for name, runs in groups.items():
        sizes = {history.params for history in runs.values()}
        if len(sizes) != 1:
            raise ValueError(f"{name}: its runs trained networks of different sizes {sorted(sizes)}; "
                             "give each network its own group")
        lows = last5_minima(runs)
        mean, low, high = mean_interval(lows)
        rows.append(dict(network=name, parameters=sizes.pop(), seeds=len(lows), lows=lows,
                         met_of=(met_count(runs), len(lows)), last5_min_mean=mean, last5_min_interval=(low, high),
                         lowest=min(lows), highest=max(lows)))
    return sorted(rows, key=lambda row: row["parameters"])


def fit_frontier(rows):
    """The least-squares line through every seed's last-5 minimum against log10(parameters). Returns its slope
    (points per tenfold parameters) with the slope's 95 % interval, and what crossing() and band() need: the
    intercept, the seeds' scatter about the line (scatter, their standard deviation), n, and the x's mean and sum
    of squares."""
    x = np.array([math.log10(row["parameters"]) for row in rows for _ in row["lows"]])
    y = np.array([low for row in rows for low in row["lows"]])
    if len(set(x)) < 2 or len(x) < 3:
        raise ValueError(f"a line needs seeds of at least 2 networks and 3 runs in all, got {len(set(x))} and "
                         f"{len(x)}")
    line = scipy_stats.linregress(x, y)
    n = len(x)
    scatter = math.sqrt(((y - line.intercept - line.slope * x) ** 2).sum() / (n - 2))
    t = scipy_stats.t.ppf((1 + LEVEL) / 2, n - 2)
    return dict(slope=line.slope, slope_interval=(line.slope - t * line.stderr, line.slope + t * line.stderr),
                intercept=line.intercept, scatter=scatter, n=n, t=t, x_mean=x.mean(),
                x_ss=((x - x.mean()) ** 2).sum())


def predict(fit, parameters):
    """The line's last-5 minimum at `parameters` (a number or an array)."""
    return fit["intercept"] + fit["slope"] * np.log10(parameters)


def band(fit, parameters):
    """Half the width of the 95 % confidence band of the line (of the mean last-5 minimum) at `parameters`."""
    d = np.log10(parameters) - fit["x_mean"]
    return fit["t"] * fit["scatter"] * np.sqrt(1 / fit["n"] + d ** 2 / fit["x_ss"])


def crossing(fit, bar=TARGET_ACCURACY):
    """(parameters, low, high): where the line reaches `bar`, and the 95 % interval of that point, the parameters at
    which the line's confidence band holds the bar (inverse prediction, as Fieller's interval). low or high is None
    where the band never leaves the bar on that side: the runs do not locate the crossing there."""
    b, t_s = fit["slope"], fit["t"] * fit["scatter"]
    if b == 0:
        return None, None, None
    m = fit["intercept"] + b * fit["x_mean"] - bar  # the line's height above the bar at the mean log-parameters
    point = 10 ** (fit["x_mean"] - m / b)
    # (m + b d)^2 = t^2 s^2 (1/n + d^2 / x_ss), with d the distance in log10(parameters) from their mean
    a2, a1, a0 = b * b - t_s ** 2 / fit["x_ss"], 2 * m * b, m * m - t_s ** 2 / fit["n"]
    disc = a1 * a1 - 4 * a2 * a0
    if a2 <= 0 or disc < 0:  # the slope is not resolved: the band holds the bar on at least one side for good
        return point, None, None
    d1, d2 = sorted(((-a1 - math.sqrt(disc)) / (2 * a2), (-a1 + math.sqrt(disc)) / (2 * a2)))
    return point, 10 ** (fit["x_mean"] + d1), 10 ** (fit["x_mean"] + d2)


def reliable_bar(fit, share=0.9, bar=TARGET_ACCURACY):
    """The mean last-5 minimum at which `share` of the seeds would clear `bar`, were the seeds spread about the
    line as normally as about the runs' own: bar plus that many standard deviations of the scatter."""
    return bar + scipy_stats.norm.ppf(share) * fit["scatter"]


def first_at_bar(rows, bar=TARGET_ACCURACY):
    """The row of the network with the fewest parameters whose seeds' mean last-5 minimum reaches bar; None if none
    does."""
    return next((row for row in rows if row["last5_min_mean"] >= bar), None)


def met_count(runs):
    """How many of runs ({key: History}) met the target."""
    return sum(summarise(history)["met"] for history in runs.values())


def climb_to_reliable(rows, test_runs, start):
    """{network: its test runs} of the networks tested, in order: `start` (a row of rows), then each wider network
    of rows in turn, until one meets the target on at least RELIABLE[0] of its runs. test_runs(name) trains or reads
    a network's RELIABLE[1] test runs ({key: History})."""
    tested = {}
    for row in rows[rows.index(start):]:
        tested[row["network"]] = runs = test_runs(row["network"])
        if met_count(runs) >= RELIABLE[0]:
            break
    return tested


def idea_rows(ideas, ladder):
    """One row per idea ({idea: {key: History}}, its validation runs), read against the network of the ladder
    ({name: {key: History}}) nearest to it in parameters: parameters, seeds, mean last-5 minimum with its 95 %
    interval, the difference from that network with its 95 % Welch interval, and the verdict, which only an idea
    with JUDGED_FROM seeds or more earns."""
    sizes = {name: next(iter(runs.values())).params for name, runs in ladder.items()}
    rows = []
    for idea, runs in ideas.items():
        lows, params = last5_minima(runs), next(iter(runs.values())).params
        against = min(sizes, key=lambda name: abs(math.log(sizes[name] / params)))
        comparison = compare_runs(runs, ladder[against]) if len(lows) > 1 else None
        verdict = (comparison_text(comparison, f"above {against}", f"below {against}", f"no different from {against}")
                   if len(lows) >= JUDGED_FROM else f"not judged: {len(lows)} seed{'s' * (len(lows) > 1)}")
        rows.append(dict(idea=idea, parameters=params, seeds=len(lows), last5_min_mean=sum(lows) / len(lows),
                         last5_min_interval=mean_interval(lows)[1:] if len(lows) > 1 else None, against=against,
                         difference=comparison and (comparison["diff"], comparison["low"], comparison["high"]),
                         verdict=verdict))
    return rows


def crossing_text(point, low, high):
    """A crossing (crossing()'s triple) in words: "6,120 parameters (95 % interval 5,310 to 7,480)", an open end
    said as such."""
    if point is None:
        return "nowhere: the line is flat"
    low_text = f"{low:,.0f}" if low is not None else "any number fewer"
    high_text = f"{high:,.0f}" if high is not None else "any number more"
    return f"{point:,.0f} parameters (95 % interval {low_text} to {high_text})"


def plot_frontier(rows, fit, crossings=(), references=()):
    """Last-5 minimum against parameters (log scale): each network's seeds as points and mean with its 95 % interval
    (frontier_rows' rows), the fitted line with its 95 % band (fit_frontier's fit), the bar, and for each of
    crossings ({label: (parameters, low, high)}) the point and interval where the line crosses. references:
    (label, parameters, accuracy) drawn as open markers, e.g. published single runs."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for row in rows:
        ax.plot([row["parameters"]] * row["seeds"], row["lows"], "o", color="C0", alpha=0.45, ms=4)
        mean, (low, high) = row["last5_min_mean"], row["last5_min_interval"]
        ax.errorbar(row["parameters"], mean, yerr=[[mean - low], [high - mean]], fmt="s", color="k", capsize=4, ms=5)
        ax.annotate(row["network"], (row["parameters"], high), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8)
    edges = [min(row["parameters"] for row in rows) / 1.15, TARGET_PARAMS * 1.1]
    for *_, parameters, _ in references:
        edges = [min(edges[0], parameters / 1.15), max(edges[1], parameters * 1.1)]
    xs = np.geomspace(*edges, 200)
    ax.plot(xs, predict(fit, xs), "-", color="C0", lw=1.2, label="line through the seeds")
    ax.fill_between(xs, predict(fit, xs) - band(fit, xs), predict(fit, xs) + band(fit, xs), color="C0", alpha=0.15,
                    lw=0, label="its 95 % band")
    for i, (label, (point, low, high)) in enumerate(crossings.items() if crossings else ()):
        ax.axvspan(low or edges[0], high or edges[1], color=f"C{i + 1}", alpha=0.12, lw=0)
        ax.axvline(point, color=f"C{i + 1}", lw=1, ls="--", label=label)
    for i, (label, parameters, accuracy) in enumerate(references):
        ax.plot(parameters, accuracy, marker="D", mfc="none", ls="none", color=f"C{i + 4}", ms=7, label=label)
    ax.axhline(TARGET_ACCURACY, color="k", ls=":", lw=1, label=f"{TARGET_ACCURACY:.2f} %")
    ax.axvline(TARGET_PARAMS, color="C3", ls="-.", lw=1, label=f"{TARGET_PARAMS:,} parameters")
    ax.set(xscale="log", xlim=edges, xlabel="trainable parameters (log scale)",
           ylabel="lowest accuracy of the last 5 epochs (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
