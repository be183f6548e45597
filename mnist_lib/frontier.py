"""The frontier (chapter 17): how the lowest accuracy of the last 5 epochs falls as a network's parameters fall, a
straight line through it against log-parameters, where that line crosses a bar, each with its 95 % interval, and the
figure of it all."""
import math
import statistics
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats as scipy_stats

from .report import compare_runs, comparison_text, last5_minima, mean_interval_text, met_count, met_text
from .runs import fit_seeds
from .stats import LEVEL, mean_interval
from .target import RELIABLE, TARGET_ACCURACY, TARGET_PARAMS

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


def share_clearing(fit, parameters, bar=TARGET_ACCURACY):
    """The share of seeds the line expects to clear bar at `parameters`, scattered normally about it as its runs."""
    return scipy_stats.norm.cdf((predict(fit, parameters) - bar) / fit["scatter"])


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
    """The row of the fewest parameters whose seeds' mean last-5 minimum reaches bar; None if none does."""
    return next((row for row in rows if row["last5_min_mean"] >= bar), None)


def seed_runs(cfg, names, seeds, folders, processes=2):
    """{name: {seed: History}}: cfg with each named network once per seed, in folders[name] (runs.fit_seeds)."""
    return {name: fit_seeds(replace(cfg, model=name), seeds, folders[name], processes) for name in names}


def climb_to_reliable(rows, start, cfg, seeds, folders, processes=2):
    """{network: its runs} of the networks tested, in order: `start` (a row of rows), then each wider one of rows,
    each trained with cfg for seeds (seed_runs), until one meets the target on at least RELIABLE[0] of its runs."""
    tested = {}
    for row in rows[rows.index(start):]:
        name = row["network"]
        tested |= seed_runs(cfg, [name], seeds, folders, processes)
        if met_count(tested[name]) >= RELIABLE[0]:
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
        verdict = (comparison_text(comparison, f"above {against}", f"below {against}", f"not resolved from {against}")
                   if len(lows) >= JUDGED_FROM else f"not judged: {len(lows)} seed{'s' * (len(lows) > 1)}")
        rows.append(dict(idea=idea, parameters=params, seeds=len(lows), last5_min_mean=sum(lows) / len(lows),
                         last5_min_interval=mean_interval(lows)[1:] if len(lows) > 1 else None, against=against,
                         difference=comparison and (comparison["diff"], comparison["low"], comparison["high"]),
                         verdict=verdict))
    return rows


def crossing_text(point, low, high):
    """A crossing (crossing()'s triple) in words: "6,120 parameters (95 % interval 5,310 to 7,480)"."""
    if point is None:
        return "nowhere: the line is flat"
    ends = [f"{end:,.0f}" if end is not None else f"any number {side}"
            for end, side in ((low, "fewer"), (high, "more"))]
    return f"{point:,.0f} parameters (95 % interval {ends[0]} to {ends[1]})"



def interval_text(row):
    """A row's mean last-5 minimum with its 95 % interval: "99.42 % (95 % interval 99.36-99.47)"."""
    return mean_interval_text(row["last5_min_mean"], *row["last5_min_interval"])


def frontier_texts(rows, fit):
    """The frontier's figures as the chapter glues them: its two ends, how far its means rise and how far one
    network's seeds spread, the line's slope and scatter, where it crosses the bar and the level at which nine seeds
    in ten would clear it, and the line at 5,000 parameters against that level."""
    nine, sds = reliable_bar(fit), [statistics.stdev(r["lows"]) for r in rows]
    at_nine, rise = crossing(fit, nine), rows[-1]["last5_min_mean"] - rows[0]["last5_min_mean"]
    spreads = [r["highest"] - r["lowest"] for r in rows]
    (at_5000, half), (low, high) = (predict(fit, 5000), band(fit, 5000)), fit["slope_interval"]
    return {"ladder_low": f"{rows[0]['network']} ({rows[0]['parameters']:,} parameters, {interval_text(rows[0])})",
            "ladder_high": f"{rows[-1]['network']} ({rows[-1]['parameters']:,} parameters, {interval_text(rows[-1])})",
            "rise": f"{rise:.2f} points", "spreads": f"{min(spreads):.2f} to {max(spreads):.2f} points",
            "slope": f"{fit['slope']:.2f} points", "slope_interval": f"{low:.2f} to {high:.2f}",
            "scatter": f"{fit['scatter']:.3f} points", "nine_in_ten": f"{nine:.2f} %",
            "cross_bar": crossing_text(*crossing(fit)), "cross_nine": crossing_text(*at_nine),
            "nine_verdict": ("within the budget" if fit["slope"] > 0 and at_nine[0] < TARGET_PARAMS else
                             "beyond the budget at its point, though its interval reaches under it"
                             if at_nine[1] is None or at_nine[1] < TARGET_PARAMS else "beyond the budget"),
            "seed_sds": f"{min(sds):.3f} to {max(sds):.3f} points",
            "at_5000": f"{at_5000:.2f} % (95 % band {at_5000 - half:.2f}-{at_5000 + half:.2f})",
            "reach_5000": "not expected by the line" if at_5000 + half < nine else "not ruled out by the line"}


def climb_texts(rows, chosen, tested):
    """The rule's choice (chosen, a row of rows), each tested network's count of seeds meeting the target (tested,
    climb_to_reliable's), the smallest reliable network, and the network of the ladder just below it (below the
    chosen one when none is reliable): its test count if it was tested, else its validation figures."""
    reliable = next((name for name, runs in tested.items() if met_count(runs) >= RELIABLE[0]), None)
    at = [row["network"] for row in rows].index(reliable or chosen["network"])
    below = rows[at - 1] if at else None
    if below is None:
        below_text = "none: it is the ladder's smallest"
    elif below["network"] in tested:
        below_text = (f"{below['network']} ({below['parameters']:,} parameters), met the target for "
                      f"{met_text(tested[below['network']])} of its test seeds")
    else:
        below_text = (f"{below['network']} ({below['parameters']:,} parameters), was not tested; on the validation "
                      f"split it averages {interval_text(below)}, {below['met_of'][0]} of its {below['met_of'][1]} "
                      "seeds meeting the target there")
    return {"chosen": chosen["network"], "chosen_params": f"{chosen['parameters']:,}",
            "chosen_validation": interval_text(chosen),
            "climb": "; ".join(f"{name} {met_text(runs)}" for name, runs in tested.items()),
            "reliable": reliable or "none of the networks tested",
            "reliable_params": f"{next(iter(tested[reliable].values())).params:,}" if reliable else "–",
            "reliable_met": met_text(tested[reliable]) if reliable else "–", "below": below_text}


def idea_texts(idea_table, reference):
    """What the ideas (idea_rows') show as glued text: the verdicts of those with enough seeds, how many seeds the
    others have, and how many of those others average within the seeds of reference (a frontier row)."""
    judged = [row for row in idea_table if row["seeds"] >= JUDGED_FROM]
    others = [row for row in idea_table if row["seeds"] < JUDGED_FROM]
    inside = sum(reference["lowest"] <= row["last5_min_mean"] <= reference["highest"] for row in others)
    below = sum(row["last5_min_mean"] < reference["lowest"] for row in others)
    return {"ideas_judged": "; ".join(f"{row['idea']}: {row['verdict']}" for row in judged) or "none",
            "unjudged_seeds": f"{min(row['seeds'] for row in others)} to {max(row['seeds'] for row in others)}",
            "ideas_inside": f"{inside} of {len(others)}", "ideas_below": str(below),
            "ideas_above": str(len(others) - inside - below),
            "reference_range": f"{reference['lowest']:.2f}-{reference['highest']:.2f} %"}

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
