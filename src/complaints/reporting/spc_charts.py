"""Control charts and before/after comparisons, drawn and put into words.

The numbers come from complaints.analysis.spc (limits, run rules, before/after); this module draws
the p-chart as a charts.Chart (PNG, alt text, table of its numbers), says which signals the run
rules found, and puts a before/after comparison into a sentence.

    describe_signals(flags, months)             the signals as plain-English sentences
    before_after_sentence(result)               a before/after comparison in words
    spc_chart(chart_frame, flags, title, ...)   the p-chart as a charts.Chart (PNG, alt, table)

Text returned by describe_signals and before_after_sentence is plain, unescaped text: callers that
put it into HTML must escape it (charts.chart_html does so for chart titles, alt text and tables).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from ..analysis.spc import run_rules, shift_runs, trend_runs, two_of_three_windows
from . import charts
from .charts import Chart, _fmt_percent, _join, _new_figure, _plain, _wrap, palette

__all__ = ["RULE_NAMES", "before_after_sentence", "describe_signals", "spc_chart"]

RULE_NAMES = {
    "outside_limits": "beyond a control limit",
    "shift": "shift",
    "trend": "trend",
    "two_of_three": "2 of 3 near a limit",
}


def _month_name(month, fmt: str = "%B %Y") -> str:
    if isinstance(month, pd.Period):
        month = month.to_timestamp()
    try:
        return pd.Timestamp(month).strftime(fmt)
    except (TypeError, ValueError):
        return str(month)


def describe_signals(flags: pd.DataFrame, months: Sequence, what: str = "the figure") -> list[str]:
    """The signals found by run_rules as plain-English sentences, in time order, e.g.
    "From April 2021 to October 2021, 7 months in a row were below the average: a shift."

    `months` gives the period of each row of `flags` (Timestamps or Periods, same order); `what`
    names the quantity in sentences ("the share answered within 20 working days"). An empty list
    means no special cause: only common-cause variation. The text is not HTML-escaped.
    """
    months = list(months)
    if len(months) != len(flags):
        raise ValueError(f"{len(months)} months given for {len(flags)} rows of flags")
    names = [_month_name(m) for m in months]
    side = flags["side"].to_numpy(dtype=int)
    change = flags["change"].to_numpy(dtype=int)
    beyond2 = flags["beyond2"].to_numpy(dtype=int)
    outside = flags["outside_limits"].to_numpy(dtype=bool)
    two = flags["two_of_three"].to_numpy(dtype=bool)
    valid = flags["has_value"].to_numpy(dtype=bool)
    found: list[tuple[int, int, str]] = []  # (position, order, sentence)

    for s in (1, -1):
        where = [i for i in range(len(flags)) if outside[i] and side[i] == s]
        if where:
            limit = "upper" if s > 0 else "lower"
            listed = _join([names[i] for i in where])
            found.append(
                (
                    where[0],
                    0,
                    f"In {listed}, {what} was {'above' if s > 0 else 'below'} the "
                    f"{limit} control limit: special cause variation.",
                )
            )
    for a, b, s in shift_runs(side):
        found.append(
            (
                a,
                1,
                f"From {names[a]} to {names[b]}, {b - a + 1} months in a row were "
                f"{'above' if s > 0 else 'below'} the average: a shift.",
            )
        )
    for a, b, s in trend_runs(change):
        found.append(
            (
                a,
                2,
                f"From {names[a]} to {names[b]}, {what} {'rose' if s > 0 else 'fell'} month on "
                f"month, {b - a + 1} months in a row each {'higher' if s > 0 else 'lower'} "
                f"than the one before: a trend.",
            )
        )
    for s in (1, -1):
        windows = two_of_three_windows(beyond2, valid)
        hits = sorted({j for w, ws in windows if ws == s for j in w} & set(np.flatnonzero(two).tolist()))
        # group into episodes: flagged points no more than 2 months apart
        episodes: list[list[int]] = []
        for j in hits:
            if episodes and j - episodes[-1][-1] <= 2:
                episodes[-1].append(j)
            else:
                episodes.append([j])
        limit = "upper" if s > 0 else "lower"
        for ep in episodes:
            found.append(
                (
                    ep[0],
                    3,
                    f"In {_join([names[j] for j in ep])}, {what} was more than two standard "
                    f"deviations {'above' if s > 0 else 'below'} the average in at least 2 of "
                    f"3 months in a row: close to the {limit} control limit.",
                )
            )
    return [sentence for _, _, sentence in sorted(found, key=lambda t: (t[0], t[1]))]


# ---------------------------------------------------------------------------------------------
# Before and after a change, in words


def _day_name(date: pd.Timestamp) -> str:
    return f"{date.day} {date.strftime('%B %Y')}"


def _p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.2g}"
    if (p < 0.05) != (float(text) < 0.05):  # never let rounding cross the 0.05 line
        text = f"{p:.4g}"
    return f"p = {text}"


def _points(x: float) -> str:
    v = abs(x) * 100
    return f"{v:.1f}" if 0 < v < 1 else f"{v:.0f}"


def _signed_points(x: float) -> str:
    v = x * 100
    text = f"{v:.1f}" if 0 < abs(v) < 1 else f"{v:.0f}"
    return "0" if float(text) == 0 else text


def before_after_sentence(result: dict) -> str:
    """complaints.analysis.spc.before_after's result in words (plain text, not HTML-escaped).

    "statistically significant" only when `significant` (its q-value, in the year's family of tests,
    below 0.05; p when there is no q); otherwise the difference is "within what chance variation
    would produce"; when either group rests on small numbers (complaints.analysis.small_numbers:
    fewer than 10 answered in time or late, or fewer than 30 answered) the sentence says the numbers
    are too few to conclude from and draws no conclusion.
    """
    out = result
    change = pd.Timestamp(out["change_date"] if "change_date" in out else out["date"])
    target_days = int(out["target_days"])
    n1, k1, n2, k2 = int(out["n_before"]), int(out["k_before"]), int(out["n_after"]), int(out["k_after"])

    when_before, when_after = f"Before {_day_name(change)}", f"from {_day_name(change)}"
    timescale = f"within {target_days} working days"

    def share(k: int, n: int, first: bool) -> str:
        if n == 0:
            return "no complaints were answered" if first else "none were answered"
        noun = "response" if n == 1 else "responses"
        return (
            f"{k:,} of {n:,} {noun} ({_fmt_percent(k / n)}) were {timescale}"
            if first
            else f"{k:,} of {n:,} ({_fmt_percent(k / n)})"
        )

    parts = [f"{when_before}, {share(k1, n1, True)}; {when_after}, {share(k2, n2, n1 == 0)}."]
    if _is_true(out["too_few"]):
        parts.append("The numbers are too few to conclude from.")
    else:
        diff = out["difference"]
        if _signed_points(diff) == "0":
            what = "The difference, under half a percentage point"
        else:
            what = f"This {'rise' if diff > 0 else 'fall'} of {_points(diff)} percentage points"
        interval = (
            f"(95% confidence interval {_signed_points(out['diff_ci_low'])} to "
            f"{_signed_points(out['diff_ci_high'])} points)"
        )
        q = out.get("q_value")
        has_q = q is not None and not (isinstance(q, float) and math.isnan(q)) and str(q) != ""
        p_text = (
            f"Fisher's exact test, {_p_text(float(q)).replace('p ', 'q ', 1) if has_q else _p_text(out['p_value'])}"
        )
        if _is_true(out["significant"]):
            parts.append(f"{what} {interval} is statistically significant ({p_text}).")
        else:
            parts.append(f"{what} {interval} is within what chance variation would produce ({p_text}).")
    return " ".join(parts)


def _is_true(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def capability_sentence(capability: dict) -> str | None:
    """What a control chart cannot show, and what it would need (None when it can show a signal)."""
    if capability.get("can_show_signal"):
        return None
    reasons = capability.get("reasons", [])
    needs = []
    if "too_few_points" in reasons:
        needs.append(f"at least {capability['points_needed']} months (there are {capability['points']})")
    if "too_few_responses" in reasons:
        needs.append(
            f"about {capability['responses_needed']:,} responses a month (the typical month has "
            f"{capability['median_responses']:,.0f})"
        )
    if "no_variation" in reasons:
        needs.append("months in which some responses are in time and some are not")
    return (
        "These months are too few, or hold too few responses, for the chart to show a signal: it "
        f"would need {_join(needs)}. Read it as a picture of the months, not as evidence that the "
        "process is stable or has changed."
    )


# ---------------------------------------------------------------------------------------------
# The chart


def _signal_text(row) -> str:
    found = [text for key, text in RULE_NAMES.items() if bool(row[key])]
    return "; ".join(found) if found else "none"


def _stepped(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates for a limit that is flat across each month (x - 0.5 to x + 0.5)."""
    xs = np.concatenate([x - 0.5, [x[-1] + 0.5]])
    ys = np.concatenate([y, [y[-1]]])
    return xs, ys


@charts.cached
def spc_chart(
    chart_frame: pd.DataFrame,
    flags: pd.DataFrame | None,
    title: str,
    label: str,
    target_text: str | None = None,
    target: float | None = None,
    capability: dict | None = None,
) -> Chart | None:
    """A p-chart of monthly timeliness as a charts.Chart (PNG, alt text, table of the numbers).

    chart_frame: the output of p_chart (month, responded, within, proportion, centre, lower,
    upper). flags: run_rules on it (computed here if None). `label` names the proportion ("Answered
    within 20 working days"). `target`, a fraction, draws a target line labelled `target_text`
    (default "Target: <pct>"); `target_text` without `target` is added as a note under the chart.

    Monthly points are joined by a line (broken where a month has no responses); the centre line
    is solid; the 3-sigma limits are dashed and stepped, as they widen in months with fewer
    responses; special-cause months are orange diamonds (colour AND marker). None if fewer than
    two months have data.
    """
    if chart_frame is None or len(chart_frame) == 0:
        return None
    frame = chart_frame.reset_index(drop=True)
    y = pd.to_numeric(frame["proportion"], errors="coerce").to_numpy(dtype=float)
    if np.isfinite(y).sum() < 2:
        return None
    if flags is None:
        flags = run_rules(frame)
    flags = flags.reset_index(drop=True)
    months = [pd.Timestamp(m.to_timestamp() if isinstance(m, pd.Period) else m) for m in frame["month"]]
    short = [_month_name(m, "%b %Y") for m in months]
    x = np.arange(len(frame), dtype=float)
    centre = float(frame["centre"].iloc[0])
    lower = frame["lower"].to_numpy(dtype=float)
    upper = frame["upper"].to_numpy(dtype=float)
    special = flags["special_cause"].to_numpy(dtype=bool) & np.isfinite(y)
    has = np.isfinite(y)

    table = pd.DataFrame(
        {
            "Month": short,
            "Responded": frame["responded"].astype(int),
            "Within target": frame["within"].astype(int),
            "Proportion": y,
            "Lower limit": lower,
            "Upper limit": upper,
            "Signal": [_signal_text(row) if h else "no responses" for (_, row), h in zip(flags.iterrows(), has)],
        }
    )
    formats = {
        "Month": "text",
        "Responded": "number",
        "Within target": "number",
        "Proportion": "percent",
        "Lower limit": "percent",
        "Upper limit": "percent",
        "Signal": "text",
    }

    colours = palette()
    point_colour, special_colour, target_colour = colours[0], colours[1], colours[2]
    line_grey = "#333333"
    with matplotlib.rc_context(charts._RC):
        fig = _new_figure(7.0, 4.8)
        ax = fig.add_subplot()
        xs, ys = _stepped(x, upper * 100)
        ax.plot(
            xs,
            ys,
            drawstyle="steps-post",
            color="#777777",
            linestyle="--",
            linewidth=1.3,
            zorder=1.5,
            label="Control limits (3 sigma)",
        )
        xs, ys = _stepped(x, lower * 100)
        ax.plot(xs, ys, drawstyle="steps-post", color="#777777", linestyle="--", linewidth=1.3, zorder=1.5)
        ax.axhline(
            centre * 100,
            color=line_grey,
            linewidth=1.6,
            zorder=1.6,
            label=_plain(f"Average (centre line): {_fmt_percent(centre)}"),
        )
        if target is not None and math.isfinite(float(target)):
            ax.axhline(
                float(target) * 100,
                color=target_colour,
                linestyle="-.",
                linewidth=1.8,
                zorder=1.7,
                label=_plain(target_text or f"Target: {_fmt_percent(target)}"),
            )
        ax.plot(x, y * 100, color=point_colour, linewidth=1.4, zorder=2)  # NaN months break the line
        common = has & ~special
        ax.plot(
            x[common],
            y[common] * 100,
            linestyle="none",
            marker="o",
            markersize=6.5,
            color=point_colour,
            zorder=3,
            label=_plain(f"{label}, by month"),
        )
        if special.any():
            ax.plot(
                x[special],
                y[special] * 100,
                linestyle="none",
                marker="D",
                markersize=8,
                color=special_colour,
                markeredgecolor="#222222",
                markeredgewidth=0.8,
                zorder=4,
                label="Special cause (Making Data Count rules)",
            )
        for i in np.flatnonzero(~has):
            ax.text(
                x[i],
                0.03,
                "no responses",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=charts.SMALLEST_TEXT_PT,
                color=charts.FOOTNOTE_COLOUR,
                style="italic",
            )
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylabel(_wrap(f"{label} (%)", 40))
        step = max(1, math.ceil(len(x) / 12))
        ticks = x[::step]
        ax.set_xticks(ticks)
        rotate = len(ticks) > 6
        ax.set_xticklabels(
            [short[int(i)] for i in ticks], rotation=45 if rotate else 0, ha="right" if rotate else "center"
        )
        ax.set_xlim(-0.7, len(x) - 0.3)
        ax.set_xlabel("Month of receipt")
        ax.set_title(_wrap(title, 60), loc="left")
        fig.draw_without_rendering()
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(
            range(len(labels)),
            key=lambda i: (not labels[i].endswith("by month"), not labels[i].startswith("Special"), i),
        )
        below = charts._bottom_in_axes(fig, ax) - 0.03
        for columns in (2, 1):  # two columns where they fit within the widest a chart may be
            legend = ax.legend(
                [handles[i] for i in order],
                [labels[i] for i in order],
                loc="upper left",
                bbox_to_anchor=(0, below),
                frameon=False,
                ncol=columns,
                borderaxespad=0,
            )
            fig.draw_without_rendering()
            if legend.get_window_extent().width / fig.dpi <= charts.MAX_WIDTH_IN - 1.2:
                break
        notes = [
            "Control limits: 3 standard deviations either side of the average; they are wider in",
            "months with fewer responses.",
        ]
        if target_text and target is None:
            notes.append(str(target_text))
        charts._footnote(fig, ax, [_plain(n) for n in notes], below=legend)
        png, svg = charts._images(fig)

    good = np.flatnonzero(has)
    low_i, high_i = good[np.argmin(y[good])], good[np.argmax(y[good])]
    names = [_month_name(m) for m in months]
    total_n = int(frame["responded"].sum())
    parts = [
        f"Control chart ({_chart_name(frame)}): {label}, by month of receipt, {names[0]} to {names[-1]}.",
        f"Average (centre line) {_fmt_percent(centre)} of {total_n:,} responses.",
        f"Monthly values ranged from {_fmt_percent(y[low_i])} in {names[low_i]} to "
        f"{_fmt_percent(y[high_i])} in {names[high_i]}.",
    ]
    lo_ok, hi_ok = lower[good], upper[good]
    parts.append(
        f"3-sigma control limits, which vary with the number of responses: lower "
        f"{_range_text(lo_ok)}, upper {_range_text(hi_ok)}."
    )
    if target is not None and math.isfinite(float(target)):
        pct = _fmt_percent(target)
        extra = f" ({target_text})" if target_text and pct not in str(target_text) else ""
        parts.append(f"Target line at {pct}{extra}.")
    elif target_text:
        parts.append(f"{target_text}.".replace("..", "."))
    empty = [names[i] for i in np.flatnonzero(~has)]
    if empty:
        parts.append(f"No responses in {_join(empty)}.")
    sentences = describe_signals(flags, months)
    cannot = capability_sentence(capability) if capability is not None else None
    if sentences:
        parts.append("Signals: " + " ".join(sentences))
    elif cannot:
        parts.append(cannot)
    else:
        parts.append(
            "No special cause: every month is within the limits and there is no shift, trend or "
            "run of months near a limit, so the variation is common cause."
        )
    return Chart(title=str(title), alt=" ".join(parts), table=table, png=png, formats=formats, svg=svg)


def _chart_name(frame: pd.DataFrame) -> str:
    kind = str(frame["chart"].iloc[0]) if "chart" in frame.columns and len(frame) else "p"
    return "Laney's p'-chart" if kind == "p'" else "p-chart"


def _range_text(values: np.ndarray) -> str:
    lo, hi = _fmt_percent(np.nanmin(values)), _fmt_percent(np.nanmax(values))
    return lo if lo == hi else f"{lo} to {hi}"
