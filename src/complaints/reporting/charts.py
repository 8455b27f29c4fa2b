"""Charts for the reports: each drawn once as SVG (for the web page: text stays text, crisp in print
and scaling with the picture) and as PNG (for PDF and Word), embedded so that a report is one file.
No chart is wider than MAX_WIDTH_IN, so no A4 page shrinks it, and no text on it is smaller than
SMALLEST_TEXT_PT: in print, chart text is at least the size of the body text; on a phone the
page scrolls a chart sideways rather than shrink its text under 10 px.

Every chart comes with alt text that states the key numbers in plain English and a table of the
numbers it draws, so that a reader who cannot see the image, or wants the exact figures, loses
nothing. Colours come from seaborn's "colorblind" palette and series are also told apart by marker
and line style. A single number gets no chart: each builder returns None when there is too little
to draw.

    trend_chart(rows, title, label)          one metric of one council across years, with 95% CIs
    shares_chart(shares, title, label)       a breakdown of one council-year, as sorted horizontal bars
    timeliness_chart(rows, title, targets)   the shares answered within their timescales, across years
    chart_html(chart)                        <figure> with the embedded picture, caption and table

Figures are drawn on `matplotlib.figure.Figure` objects directly (the Agg canvas), never through
pyplot's figure manager, so nothing is left open in pyplot between calls and batch runs do not
accumulate figures.

In the public version (complaints.analysis.disclosure) rows may carry a `suppressed` mark: a withheld
figure is not drawn (a trend marks its year "fewer than 5" or "[c]"; a bar chart lists the category
last with no bar), and its alt text and table give the mark, never the number.

A Chart's table holds numbers, not text: proportions stay fractions (0.49) as in metrics.csv;
rates are per 1,000 of their exposure, as the column name says. `Chart.formats` says how
`chart_html` writes each column ("percent" -> "49%", "number" -> "1,838", "money" -> "£42,300").
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
import json
import math
import os
import re
import struct
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # non-interactive: reports are built on machines without a display

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from . import numbers
from .numbers import MISSING

__all__ = [
    "Chart",
    "chart_html",
    "format_cell",
    "palette",
    "shares_chart",
    "timeliness_chart",
    "timeliness_label",
    "trend_chart",
]

MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", ":", "-.", (0, (7, 2, 1, 2, 1, 2)), (0, (1, 1))]
DPI = 144
PAD_IN = 0.15  # white space around a chart
MAX_WIDTH_IN = 7.0  # no chart is wider: A4's text width (180 mm) is 7.09 in
# Footnotes; everything else is larger. Charts are drawn about as wide as an A4 page's text (7.2 in),
# so in print their text is at least the 10 pt of the body text.
SMALLEST_TEXT_PT = 10.5
MIN_SCALE = 10 / (SMALLEST_TEXT_PT * 96 / 72)  # how far a chart shrinks before its text is under 10 px
FOOTNOTE_COLOUR = "#444444"

_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
}

CI_LOW, CI_HIGH = "95% CI low", "95% CI high"
UNBROKEN = {"Year", "Financial year", "Month"}  # columns whose values never wrap ("2022-23")


@dataclass
class Chart:
    title: str
    alt: str  # what the chart shows and its key numbers, in plain English
    table: pd.DataFrame  # the numbers drawn, with readable column names
    png: bytes  # for PDF and Word; given as bytes, or as a function that draws them when first asked for
    formats: dict[str, str] = field(default_factory=dict)  # column -> text | number | percent | money
    svg: bytes = b""  # for web pages, where there is one


def _get_png(chart: Chart) -> bytes:
    if callable(chart._png):
        chart._png = chart._png()
    return chart._png


def _set_png(chart: Chart, value) -> None:
    chart._png = value


# `png` reads as bytes however it was given: a drawing function given for it runs on first use, once.
Chart.png = property(_get_png, _set_png)  # type: ignore[assignment]


@functools.cache
def palette() -> list[tuple[float, float, float]]:
    """seaborn's "colorblind" palette, reordered so that neighbouring series differ most: blue,
    orange, green, pink, vermillion, brown, sky blue. seaborn is imported on first use only, as it
    brings scipy with it."""
    import seaborn as sns  # after matplotlib.use("Agg") above, as it imports pyplot

    colours = [tuple(c) for c in sns.color_palette("colorblind")]
    return [colours[i] for i in (0, 1, 2, 4, 3, 5, 9)]


# ---------------------------------------------------------------------------------------------
# Formatting numbers for people


def _is_missing(value) -> bool:
    return numbers.cell(value, "text") == MISSING


# Numbers are written by complaints.reporting.numbers, the one formatter of the project.
def _fmt_number(value) -> str:
    return numbers.cell(value, "number")


def _fmt_percent(value) -> str:
    """A fraction as a percentage: 0.4915 -> '49%' (one decimal below 1%, so 0.004 is not '0%')."""
    return numbers.cell(value, "percent")


def _fmt_text(value) -> str:
    return numbers.cell(value, "text")


def format_cell(value, fmt: str) -> str:
    """One table cell as text (not yet HTML-escaped)."""
    return numbers.cell(value, fmt)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    """'Complaints received' -> 'complaints received' inside a sentence; 'SEND complaints' stays."""
    text = str(text)
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# Financial years on the x axis


_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def _year_start(year: str) -> int | None:
    m = _YEAR.match(str(year).strip())
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return start if (start + 1) % 100 == end else None


def _year_key(year: str):
    start = _year_start(year)
    return (0, start, "") if start is not None else (1, 0, str(year))


def _year_axis(years: Iterable[str]) -> list[str]:
    """Every financial year from the first to the last given, in order, so a missing year shows
    as a gap rather than being silently closed up. Labels that are not financial years are kept
    in sorted order as they are."""
    years = sorted({str(y) for y in years}, key=_year_key)
    starts = [_year_start(y) for y in years]
    if not years or any(s is None for s in starts) or max(starts) - min(starts) > 50:
        return years
    return [f"{s}-{(s + 1) % 100:02d}" for s in range(min(starts), max(starts) + 1)]


def _consecutive_runs(positions: Sequence[int]) -> list[list[int]]:
    """Indices grouped into runs of adjacent axis positions: lines join a run, never a gap."""
    runs: list[list[int]] = []
    for i, pos in enumerate(positions):
        if runs and pos == positions[runs[-1][-1]] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# ---------------------------------------------------------------------------------------------
# A cache of charts drawn, across runs

_CACHE: dict = {"folder": None}
_MISS = object()
CHART_MODULES = ("charts.py", "spc_charts.py")  # the drawing code: a change to it redraws every chart


def use_cache(folder: Path | None) -> None:
    """Keep the charts drawn from now on in `folder` (None: no cache). A chart is then drawn again only
    when its data, its words or the drawing code (or matplotlib, or Pillow) changed: `cached`."""
    _CACHE["folder"] = Path(folder) if folder else None


@functools.cache
def _code_version() -> str:
    import PIL

    here = Path(__file__).parent
    digest = hashlib.sha256(f"{matplotlib.__version__} {PIL.__version__}".encode())
    for name in CHART_MODULES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _key_part(value) -> bytes:
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        shape = repr(([str(c) for c in frame.columns], [str(t) for t in frame.dtypes], frame.shape)).encode()
        return shape + pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return repr(value).encode()


def _chart_key(name: str, args: tuple, kwargs: dict) -> str:
    digest = hashlib.sha256(f"{name}|{_code_version()}".encode())
    for part in (*args, *sorted(kwargs.items())):
        digest.update(b"|" + _key_part(part))
    return digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def _keep_png(folder: Path, key: str, draw_png: Callable[[], bytes]) -> Callable[[], bytes]:
    def drawn() -> bytes:
        png = draw_png()
        with contextlib.suppress(OSError):
            _write(folder / f"{key}.png", png)
        return png

    return drawn


def _store(folder: Path, key: str, chart: Chart | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if chart is None:
        _write(folder / f"{key}.json", b'{"none": true}')
        return
    buffer = io.BytesIO()
    chart.table.to_parquet(buffer)
    _write(folder / f"{key}.parquet", buffer.getvalue())
    _write(folder / f"{key}.svg", chart.svg)
    if callable(chart._png):  # drawn when PDF or Word asks: kept then
        chart._png = _keep_png(folder, key, chart._png)
    else:
        _write(folder / f"{key}.png", chart.png)
    about = {"title": str(chart.title), "alt": str(chart.alt), "formats": chart.formats}
    _write(folder / f"{key}.json", json.dumps(about).encode("utf-8"))  # last: its presence means complete


def _load(folder: Path, key: str, redraw: Callable[[], Chart | None]):
    about_path = folder / f"{key}.json"
    if not about_path.exists():
        return _MISS
    about = json.loads(about_path.read_text(encoding="utf-8"))
    if about.get("none"):
        return None
    png_path = folder / f"{key}.png"
    # drawn for a page only, the PNG is drawn (and kept) if PDF or Word asks for it
    png = png_path.read_bytes() if png_path.exists() else _keep_png(folder, key, lambda: redraw().png)
    return Chart(
        title=about["title"],
        alt=about["alt"],
        table=pd.read_parquet(folder / f"{key}.parquet"),
        png=png,
        formats=about["formats"],
        svg=(folder / f"{key}.svg").read_bytes(),
    )


def cached(draw):
    """A chart function whose charts are kept (see use_cache): called with the same arguments as a chart
    drawn before, by the same code, it gives that chart back without drawing. A cache that cannot be read
    or written is no error: the chart is drawn."""

    @functools.wraps(draw)
    def chart(*args, **kwargs):
        folder = _CACHE["folder"]
        if folder is None:
            return draw(*args, **kwargs)
        try:
            key = _chart_key(draw.__qualname__, args, kwargs)
            found = _load(folder, key, lambda: draw(*args, **kwargs))
        except Exception:  # a damaged entry, say: drawn afresh, and written over
            key, found = None, _MISS
        if found is not _MISS:
            return found
        drawn = draw(*args, **kwargs)
        if key is not None:
            with contextlib.suppress(Exception):
                _store(folder, key, drawn)
        return drawn

    return chart


# ---------------------------------------------------------------------------------------------
# Shared helpers for drawing


def _new_figure(width: float, height: float) -> Figure:
    # Figure() on an Agg canvas, not pyplot.figure(): pyplot never holds a reference, so there is
    # nothing to leak however many charts a batch run draws.
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _fit_width(fig: Figure):
    """Narrow the axes until everything drawn (long category labels, numbers at the ends of bars)
    fits in MAX_WIDTH_IN, padding included: then no page shrinks the chart, and its text prints
    at the size it was drawn. Returns the figure's tight bounding box (inches) as last laid out,
    so that saving it needs no further layout pass."""
    limit = MAX_WIDTH_IN - 2 * PAD_IN - 0.02  # a little under, for rounding
    width = fig.get_figwidth()
    for _ in range(8):
        fig.draw_without_rendering()
        box = fig.get_tightbbox()
        excess = box.width - limit
        if excess <= 0:
            return box
        if _rewrap_titles(fig, box.x0 + limit):
            continue
        narrowed = False
        for ax in fig.axes:
            position = ax.get_position()
            if position.width - excess / width >= 0.4:  # never squeeze the plot itself below 40% of the figure
                ax.set_position([position.x0, position.y0, position.width - excess / width, position.height])
                narrowed = True
        if not narrowed:
            return box
    fig.draw_without_rendering()
    return fig.get_tightbbox()


def _rewrap_titles(fig: Figure, right: float) -> bool:
    """Wrap to shorter lines any axes title that runs past `right` (inches); whether any did."""
    renderer = fig.canvas.get_renderer()
    changed = False
    # an axes has three titles: centre, left and right (set_title's loc)
    titles = [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
    for title in titles:
        text = title.get_text()
        extent = title.get_window_extent(renderer).transformed(fig.dpi_scale_trans.inverted())
        if extent.x1 <= right + 0.01 or extent.width <= 0:
            continue
        longest = max(len(line) for line in text.split("\n"))
        chars = int(longest * (right - extent.x0) / extent.width) - 1
        if chars < 20:
            continue
        title.set_text("\n".join(textwrap.wrap(" ".join(text.split("\n")), width=chars)))
        changed = True
    return changed


def _images(fig: Figure) -> tuple[Callable[[], bytes], bytes]:
    """The figure as (PNG, SVG). The SVG is for web pages: text stays text, so it is crisp in print
    and scales with the picture; it is drawn now. The PNG (reduced to a palette of 128 colours,
    which charts of a few flat colours do not need more than) is for PDF and Word, so it is drawn
    only when one of them asks (a page of HTML alone never pays for it): what is returned for it is
    a function that draws it once, then lets the figure go.

    Each is one drawing pass: the layout is settled once (`_fit_width`) and both are saved with
    that bounding box, rather than `bbox_inches="tight"`, which lays the figure out again to find
    it before every save."""
    box = _fit_width(fig).padded(PAD_IN)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "complaints"}):
        fig.savefig(
            buffer,
            format="svg",
            bbox_inches=box,
            transparent=True,  # the page shows through, and so do the cues of a box that scrolls
            metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
        )
    svg = _portable_svg(buffer.getvalue())
    drawn: list[bytes] = []

    def png() -> bytes:
        if not drawn:
            out = io.BytesIO()
            fig.savefig(
                out, format="png", dpi=DPI, bbox_inches=box, facecolor="white", pil_kwargs={"compress_level": 0}
            )
            drawn.append(_small_png(out.getvalue()))
            fig.clear()
        return drawn[0]

    return png, svg


def _small_png(png: bytes) -> bytes:
    """The PNG reduced to a palette of 128 colours. Pillow's fast octree is ten times quicker than
    median cut here and, on charts of a few flat colours, gives smaller files that look the same;
    zlib's default level, not `optimize`, as that took as long as the drawing for a few per cent."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        reduced = image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG")
    return out.getvalue()


# Fonts with DejaVu Sans's width or narrower, so text drawn where DejaVu Sans is not installed
# still fits the space the chart left for it.
_SVG_FONTS = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, Helvetica, sans-serif"


def _portable_svg(svg: bytes) -> bytes:
    """matplotlib's SVG, without its RDF block and with fallback fonts named."""
    text = svg.decode("utf-8")
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = text.replace("font-family: 'DejaVu Sans'", f"font-family: {_SVG_FONTS}")
    return text.encode("utf-8")


def _plain(text) -> str:
    """Text from the data drawn as written: a '$' would otherwise start matplotlib's maths mode."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    """Wrapped to lines of about `width` characters, ready to draw."""
    return _plain("\n".join(textwrap.wrap(str(text), width=width, break_long_words=True)) or str(text))


def _single(rows: pd.DataFrame, column: str, what: str) -> str | None:
    if column not in rows.columns:
        return None
    values = rows[column].dropna().astype(str).unique()
    if len(values) > 1:
        raise ValueError(f"{what} expects rows for one {column}; got {', '.join(sorted(values))}")
    return values[0] if len(values) else None


def _series(rows: pd.DataFrame) -> pd.DataFrame:
    """year, value, ci_low, ci_high, numerator, denominator: one row per year with a finite value."""
    out = pd.DataFrame({"year": rows["year"].astype(str).str.strip()})
    for column in ["value", "ci_low", "ci_high", "numerator", "denominator"]:
        out[column] = pd.to_numeric(rows[column], errors="coerce") if column in rows.columns else np.nan
    out = out[np.isfinite(out["value"].astype(float))]
    duplicated = out["year"][out["year"].duplicated()]
    if len(duplicated):
        raise ValueError(f"more than one value for year {', '.join(sorted(set(duplicated)))}")
    has_ci = np.isfinite(out["ci_low"].astype(float)) & np.isfinite(out["ci_high"].astype(float))
    out.loc[~has_ci, ["ci_low", "ci_high"]] = np.nan
    out["_key"] = out["year"].map(_year_key)
    return out.sort_values("_key").drop(columns="_key").reset_index(drop=True)


def _neighbour_means(positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each point, the mean of the values at the adjacent axis positions that have one (the
    points a line joins it to); its own value where it has no neighbour."""
    at = dict(zip(positions.tolist(), values.tolist()))
    out = []
    for p, v in zip(positions.tolist(), values.tolist()):
        near = [at[q] for q in (p - 1, p + 1) if q in at]
        out.append(float(np.mean(near)) if near else v)
    return np.array(out)


def _error(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])


def _bottom_in_axes(fig: Figure, artist) -> float:
    """How far down `artist` (an axes with its tick labels, or a legend) reaches, in axes units."""
    renderer = fig.canvas.get_renderer()
    box = artist.get_tightbbox(renderer)
    return float(fig.axes[0].transAxes.inverted().transform((box.x0, box.y0))[1])


def _footnote(fig: Figure, ax, lines: list[str], below=None) -> None:
    """Notes in small grey type under everything else (the axes, or `below`, such as a legend)."""
    if not lines:
        return
    fig.draw_without_rendering()
    bottom = _bottom_in_axes(fig, below if below is not None else ax)
    ax.annotate(
        "\n".join(lines),
        xy=(0, bottom),
        xycoords="axes fraction",
        xytext=(0, -8),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=SMALLEST_TEXT_PT,
        color=FOOTNOTE_COLOUR,
        annotation_clip=False,
    )


def _x_axis(ax, axis_years: list[str]) -> None:
    ax.set_xticks(range(len(axis_years)))
    rotate = len(axis_years) > 7
    ax.set_xticklabels(axis_years, rotation=45 if rotate else 0, ha="right" if rotate else "center")
    ax.set_xlim(-0.6, len(axis_years) - 0.4)
    ax.set_xlabel("Financial year")


def _withheld_years(rows: pd.DataFrame, kind: str) -> dict[str, str]:
    """{year: "fewer than 5" or "[c]"} for the years whose figure the public version withholds."""
    marks = numbers.marks(rows)
    return {
        str(y).strip(): numbers.withheld(m, kind)
        for y, m, v in zip(rows["year"], marks, pd.to_numeric(rows["value"], errors="coerce"))
        if m and not np.isfinite(v)
    }


def _mark_gaps(ax, axis_years: list[str], present: set[str], withheld: dict[str, str] | None = None) -> list[str]:
    """Mark the years with no figure ("no figure") and those withheld in the public version ("fewer
    than 5", "[c]"); returns the years with no figure."""
    withheld = withheld or {}
    missing = [y for y in axis_years if y not in present and y not in withheld]
    notes = [(year, textwrap.fill(text, 8)) for year, text in withheld.items() if year in axis_years]
    for year, text in [*notes, *((year, "no\nfigure") for year in missing)]:
        ax.text(
            axis_years.index(year),
            0.03,
            text,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=SMALLEST_TEXT_PT,
            color=FOOTNOTE_COLOUR,
            style="italic",
        )
    return missing


# ---------------------------------------------------------------------------------------------
# Trend of one metric


_KIND_FORMAT = {"proportion": "percent", "rate": "number", "count": "number", "mean": "number", "money": "money"}


def _exposure_name(rows: pd.DataFrame) -> str:
    name = _single(rows, "denominator_measure", "trend_chart") if "denominator_measure" in rows else None
    return str(name).replace("_", " ") if name else "contacts"


@cached
def trend_chart(rows: pd.DataFrame, title: str, label: str) -> Chart | None:
    """One metric of one council over the years: a dot per year with its 95% CI as a bar.

    rows: metrics.csv rows (year, value, ci_low, ci_high, kind; numerator and denominator used if
    present). Proportions are drawn on a 0-100% axis, rates per 1,000 of their exposure (contacts).
    Every financial year between the first and last is on the axis; a year without a figure is
    marked "no figure" and no line is drawn across it. None if fewer than two years have a value.
    `label` names the quantity ("Complaints received", "Upheld or partially upheld").
    """
    if rows is None or len(rows) == 0 or "year" not in rows.columns or "value" not in rows.columns:
        return None
    _single(rows, "council", "trend_chart")
    _single(rows, "metric", "trend_chart")
    kind = _single(rows, "kind", "trend_chart") or "count"
    withheld = _withheld_years(rows, kind)
    data = _series(rows)
    if len(data) < 2:
        return None

    fmt = _KIND_FORMAT.get(kind, "number")
    exposure = _exposure_name(rows) if kind == "rate" else ""
    scale = 100.0 if kind == "proportion" else 1000.0 if kind == "rate" else 1.0
    value_name = f"{label} per 1,000 {exposure}" if kind == "rate" else label
    axis_label = {"proportion": f"{label} (%)", "rate": value_name}.get(kind, label)

    # The table: numbers as drawn (proportions kept as fractions, shown as percentages).
    table_scale = 1000.0 if kind == "rate" else 1.0
    table = pd.DataFrame({"Year": data["year"], value_name: data["value"] * table_scale})
    formats = {"Year": "text", value_name: fmt}
    if kind in ("proportion", "rate") and (data["numerator"].notna().any() or data["denominator"].notna().any()):
        out_of = exposure.capitalize() if kind == "rate" else "Out of"
        table["Number"] = data["numerator"]
        table[out_of] = data["denominator"]
        formats.update({"Number": "number", out_of: "number"})
    has_ci = data["ci_low"].notna().to_numpy()
    if has_ci.any():
        table[CI_LOW] = data["ci_low"] * table_scale
        table[CI_HIGH] = data["ci_high"] * table_scale
        formats.update({CI_LOW: fmt, CI_HIGH: fmt})
    table = table.reset_index(drop=True)
    if withheld:  # the public version's withheld years: in the table with their mark, never a number
        table = _with_withheld_years(table, rows, withheld, value_name)

    def say(v: float) -> str:
        text = format_cell(v * table_scale, fmt)
        return f"{text} per 1,000 {exposure}" if kind == "rate" else text

    axis_years = _year_axis([*data["year"], *withheld])
    pos = {y: i for i, y in enumerate(axis_years)}
    x = data["year"].map(pos).to_numpy(dtype=float)
    y = data["value"].to_numpy(dtype=float) * scale
    lo = data["ci_low"].to_numpy(dtype=float) * scale
    hi = data["ci_high"].to_numpy(dtype=float) * scale
    colour = palette()[0]

    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 4.3)
        ax = fig.add_subplot()
        for run in _consecutive_runs(list(x.astype(int))):
            if len(run) > 1:
                ax.plot(x[run], y[run], color=colour, linewidth=1.6, alpha=0.7, zorder=2)
        if has_ci.any():
            ax.errorbar(
                x[has_ci],
                y[has_ci],
                yerr=_error(y[has_ci], lo[has_ci], hi[has_ci]),
                fmt="o",
                color=colour,
                ecolor=colour,
                elinewidth=1.6,
                capsize=5,
                markersize=8,
                zorder=3,
            )
        hollow = ~has_ci
        can_have_ci = kind in ("count", "proportion", "rate")
        if hollow.any():
            ax.plot(
                x[hollow],
                y[hollow],
                "o",
                markersize=8,
                zorder=3,
                color=colour,
                markerfacecolor="white" if can_have_ci else colour,
                markeredgewidth=2,
            )

        top_of = np.where(has_ci, np.fmax(hi, y), y)
        if kind == "proportion":
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        else:
            ceiling = float(np.nanmax(top_of)) if np.isfinite(np.nanmax(top_of)) else 1.0
            floor = min(0.0, float(np.nanmin(np.where(has_ci, np.fmin(lo, y), y))))  # 0 unless negative
            ax.set_ylim(floor * 1.18, ceiling * 1.18 if ceiling > 0 else 1.0)
            if kind == "money":
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{'-' if v < 0 else ''}£{abs(v):,.0f}"))
            elif kind == "count":
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        # Each value written beside its dot, clear of its interval: above a peak, below a dip (so
        # it stays off the connecting lines), and never outside the axes.
        ymax = ax.get_ylim()[1]
        bottom_of = np.where(has_ci, np.fmin(lo, y), y)
        neighbours = _neighbour_means(x.astype(int), y)
        for xi, yi, top, bottom, near, v in zip(x, y, top_of, bottom_of, neighbours, data["value"]):
            room_above, room_below = top + 0.09 * ymax < ymax, bottom - 0.09 * ymax > 0
            above = room_above and (yi >= near or not room_below)
            ax.annotate(
                say(v).replace(f" per 1,000 {exposure}", ""),
                (xi, top if above else bottom),
                xytext=(0, 6 if above else -6),
                textcoords="offset points",
                ha="center",
                va="bottom" if above else "top",
                fontsize=11,
                fontweight="bold",
                color="#222222",
            )
        _x_axis(ax, axis_years)
        missing = _mark_gaps(ax, axis_years, set(data["year"]), withheld)
        ax.set_ylabel(_wrap(axis_label, 40))
        ax.set_title(_wrap(title, 60), loc="left")
        notes = []
        if has_ci.any():
            notes.append("Vertical bars: 95% confidence intervals.")
        if hollow.any() and can_have_ci:
            notes.append("Hollow dots: no interval, as the counts behind the figure were not published.")
        _footnote(fig, ax, notes)
        png, svg = _images(fig)

    first, last = data.iloc[0], data.iloc[-1]
    if withheld:
        said = {**dict(zip(data["year"], (say(v) for v in data["value"]))), **withheld}
        years = sorted(said, key=_year_key)
        first_year, last_year = years[0], years[-1]
    else:
        first_year, last_year = first["year"], last["year"]
    if withheld and len(data) + len(withheld) <= 6:
        summary = _join([f"{said[yr]} in {yr}" for yr in years])
    elif len(data) <= 6:
        values = _join([f"{say(v)} in {yr}" for yr, v in zip(data["year"], data["value"])])
        summary = f"{values}"
    else:
        low_i, high_i = int(np.argmin(data["value"])), int(np.argmax(data["value"]))
        summary = (
            f"{say(first['value'])} in {first['year']} and {say(last['value'])} in {last['year']}; "
            f"lowest {say(data['value'].iloc[low_i])} in {data['year'].iloc[low_i]}, "
            f"highest {say(data['value'].iloc[high_i])} in {data['year'].iloc[high_i]}"
        )
    parts = [f"Chart: {label}, by financial year, {first_year} to {last_year}: {summary}."]
    if withheld and len(data) + len(withheld) > 6:
        parts.append(_join([f"{text} in {yr}" for yr, text in withheld.items()]).capitalize() + ".")
    if missing:
        parts.append(f"No figure for {_join(missing)}.")
    if has_ci.any():
        parts.append("Vertical bars show 95% confidence intervals.")
    if hollow.any() and can_have_ci:
        years_without = list(data["year"][hollow])
        parts.append(
            f"No interval for {_join(years_without)}: the counts behind "
            f"{'it were' if len(years_without) == 1 else 'them were'} not published."
        )
    return Chart(title=str(title), alt=" ".join(parts), table=table, png=png, formats=formats, svg=svg)


def _with_withheld_years(table: pd.DataFrame, rows: pd.DataFrame, withheld: dict[str, str], value_name: str):
    """The table with a row for each withheld year: its mark for the value and interval; the counts
    behind it as shown, or marked, in the public version."""
    out = table.astype(object)
    for year, mark in withheld.items():
        row = rows[rows["year"].astype(str).str.strip() == year].iloc[0]
        record = dict.fromkeys(out.columns, MISSING)
        record.update({"Year": year, value_name: mark})
        for column in (CI_LOW, CI_HIGH):
            if column in out.columns:
                record[column] = numbers.WITHHELD_CELL
        counts = [c for c in out.columns if c not in ("Year", value_name, CI_LOW, CI_HIGH)]
        for column, source in zip(counts, ("numerator", "denominator")):
            status = numbers.marks(rows.loc[[row.name]], f"{source}_suppressed").iloc[0]
            record[column] = numbers.withheld(status) if status else row.get(source, np.nan)
        out.loc[len(out)] = record
    out["_key"] = out["Year"].map(_year_key)
    return out.sort_values("_key").drop(columns="_key").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Shares of one council-year


@cached
def shares_chart(shares: pd.DataFrame, title: str, label: str) -> Chart | None:
    """A breakdown of one council-year (outcomes, complainant types, channels) as horizontal bars,
    largest at the top, each labelled with its count and percentage.

    shares: columns category, count, share (a fraction); count or share may be missing. Bars are
    sized by count where there are at least as many counts as shares, otherwise by share; a
    category with neither is left out (and the alt text says so). Shares are used as given, never
    invented: pass share = count / total to show percentages of a total. `label` names what is
    counted ("Statutory complaints"). None if fewer than two categories can be drawn.

    A category whose count the public version withholds (`suppressed`: primary or secondary) gets no
    bar: it is listed after the others, in alphabetical order (so that its place says nothing about
    its size), with "fewer than 5" or "[c]" for its count and "[c]" for its share.
    """
    if shares is None or len(shares) == 0 or "category" not in shares.columns:
        return None
    d = pd.DataFrame({"category": shares["category"].map(_fmt_text)})
    for column in ["count", "share"]:
        d[column] = pd.to_numeric(shares[column], errors="coerce") if column in shares.columns else np.nan
        d.loc[~np.isfinite(d[column].astype(float)), column] = np.nan
    d["mark"] = numbers.marks(shares).to_numpy()
    hidden = d[d["mark"] != ""].sort_values("category", kind="stable")
    d = d[d["mark"] == ""]
    by = "count" if d["count"].notna().sum() >= d["share"].notna().sum() else "share"
    left_out = list(d.loc[d[by].isna(), "category"])
    d = d[d[by].notna()]
    if len(d) < 2:
        return None
    d = d.sort_values(by, ascending=False, kind="stable").reset_index(drop=True)
    hidden = hidden.assign(count=np.nan, share=np.nan)

    table = pd.DataFrame({"Category": [*d["category"], *hidden["category"]]})
    formats = {"Category": "text"}
    count_name = str(label) if str(label) not in ("Category", "Share") else "Number"
    marks = [numbers.withheld(m) for m in hidden["mark"]]
    if d["count"].notna().any() or marks:
        table[count_name] = [*d["count"], *marks]
        formats[count_name] = "number"
    if d["share"].notna().any():
        table["Share"] = [*d["share"], *[numbers.WITHHELD_CELL] * len(hidden)]
        formats["Share"] = "percent"

    def describe(row) -> str:
        count, share = row["count"], row["share"]
        if pd.notna(count) and pd.notna(share):
            return f"{_fmt_number(count)} ({_fmt_percent(share)})"
        return _fmt_number(count) if pd.notna(count) else _fmt_percent(share)

    texts = [describe(row) for _, row in d.iterrows()] + marks
    sizes = np.concatenate([d[by].to_numpy(dtype=float) * (100.0 if by == "share" else 1.0), np.zeros(len(hidden))])
    d = pd.concat([d, hidden[d.columns]], ignore_index=True)
    n = len(d)
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 1.2 + 0.5 * n)
        ax = fig.add_subplot()
        positions = np.arange(n)
        ax.barh(positions, sizes, height=0.65, color=palette()[0], zorder=2)
        ax.set_yticks(positions)
        ax.set_yticklabels([_wrap(c, 30) for c in d["category"]])
        ax.invert_yaxis()  # largest at the top
        longest = max(len(t) for t in texts)
        top = float(np.nanmax(sizes)) if np.nanmax(sizes) > 0 else 1.0
        ax.set_xlim(0, top * (1.12 + 0.018 * longest))
        for p, size, text in zip(positions, sizes, texts):
            ax.annotate(
                _plain(text),
                (size, p),
                xytext=(5, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=11,
                color="#222222",
            )
        ax.grid(False)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(_plain(f"{label} (%)" if by == "share" else label), loc="left")
        ax.set_title(_wrap(title, 60), loc="left")
        png, svg = _images(fig)

    listed = [f"{c} {t}" for c, t in zip(d["category"], texts)]
    shown = len(listed) - len(marks)
    if len(listed) > 8:
        if shown > 6:
            listed = [*listed[:6], f"{shown - 6} other categories, the largest {texts[6]}", *listed[shown:]]
        else:
            listed = [*listed[:shown], f"{len(marks)} categories whose numbers are withheld (small numbers)"]
    order = "largest first" + (", then those withheld" if marks else "")
    parts = [f"Bar chart: {label}, by category, {order}: {_join(listed)}."]
    if left_out:
        parts.append(f"Not shown, as no figure was published: {_join(left_out)}.")
    return Chart(title=str(title), alt=" ".join(parts), table=table, png=png, formats=formats, svg=svg)


# ---------------------------------------------------------------------------------------------
# Timeliness across years


_TIMELY = re.compile(r"^(?P<group>[a-z0-9_]+?)_within_(?P<days>\d+)wd_rate$")
_GROUP_NAMES = {
    "statutory": "Statutory stage 1",
    "corporate": "Corporate",
    "complaints": "All complaints (statutory and corporate)",
    "send": "SEND",
}
_GROUP_ORDER = ["statutory", "corporate", "complaints", "send"]


def timeliness_label(metric: str, targets: dict[str, int] | None = None) -> str | None:
    """'statutory_within_10wd_rate' -> 'Statutory stage 1 within 10 working days'."""
    m = _TIMELY.match(str(metric))
    if not m:
        return None
    group = m.group("group")
    days = (targets or {}).get(metric, int(m.group("days")))
    name = _GROUP_NAMES.get(group, group.replace("_", " ").capitalize())
    return f"{name} within {days} working days"


@cached
def timeliness_chart(rows: pd.DataFrame, title: str, targets: dict[str, int]) -> Chart | None:
    """The share of complaints answered within each timescale, over the years, with 95% CIs.

    rows: metrics.csv rows for one council; every `*_within_<n>wd_rate` metric among them is drawn
    (others are ignored). `targets` maps a metric to its timescale in working days for the legend;
    a metric not in it takes the number in its name. Series differ in colour, marker and line
    style; points are nudged sideways so intervals in one year do not overlap. None if fewer than
    two points in all.
    """
    if rows is None or len(rows) == 0 or not {"metric", "year", "value"} <= set(rows.columns):
        return None
    _single(rows, "council", "timeliness_chart")
    targets = dict(targets or {})
    metrics = [m for m in rows["metric"].dropna().astype(str).unique() if _TIMELY.match(m)]

    def order(metric: str):
        m = _TIMELY.match(metric)
        group = m.group("group")
        rank = _GROUP_ORDER.index(group) if group in _GROUP_ORDER else len(_GROUP_ORDER)
        return (rank, group, targets.get(metric, int(m.group("days"))), metric)

    series, withheld = [], {}
    for metric in sorted(metrics, key=order):
        these = rows[rows["metric"].astype(str) == metric]
        data = _series(these)
        if len(data):
            series.append((metric, timeliness_label(metric, targets), data))
        marked = _withheld_years(these, "proportion")
        if marked:
            withheld[metric] = (timeliness_label(metric, targets), these, marked)
    if sum(len(d) for _, _, d in series) < 2:
        return None

    axis_years = _year_axis(
        [*pd.concat([d["year"] for _, _, d in series]), *(y for w in withheld.values() for y in w[2])]
    )
    pos = {y: i for i, y in enumerate(axis_years)}
    k = len(series)
    step = min(0.15, 0.6 / max(k, 1))

    frames = []
    for _metric, name, data in series:
        frames.append(
            pd.DataFrame(
                {
                    "Year": data["year"],
                    "Measure": name,
                    "Within timescale": data["value"],
                    "Number": data["numerator"],
                    "Out of": data["denominator"],
                    CI_LOW: data["ci_low"],
                    CI_HIGH: data["ci_high"],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    names_order = [timeliness_label(m, targets) for m in sorted(metrics, key=order)]
    if withheld:  # the public version's withheld points: in the table with their mark, never a number
        table = table.astype(object)
        for name, these, marked in withheld.values():
            for year, mark in marked.items():
                row = these[these["year"].astype(str).str.strip() == year].iloc[0]
                record = {"Year": year, "Measure": name, "Within timescale": mark, CI_LOW: mark, CI_HIGH: mark}
                for column, source in (("Number", "numerator"), ("Out of", "denominator")):
                    status = numbers.marks(these.loc[[row.name]], f"{source}_suppressed").iloc[0]
                    record[column] = numbers.withheld(status) if status else row.get(source, np.nan)
                table.loc[len(table)] = record
        key = [(names_order.index(m), _year_key(y)) for m, y in zip(table["Measure"], table["Year"])]
        table = table.iloc[sorted(range(len(table)), key=key.__getitem__)].reset_index(drop=True)
    formats = {
        "Year": "text",
        "Measure": "text",
        "Within timescale": "percent",
        "Number": "number",
        "Out of": "number",
        CI_LOW: "percent",
        CI_HIGH: "percent",
    }
    any_hollow = False
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 4.6)
        ax = fig.add_subplot()
        for i, (_metric, name, data) in enumerate(series):
            colour, marker = palette()[i % len(palette())], MARKERS[i % len(MARKERS)]
            style = LINESTYLES[i % len(LINESTYLES)]
            base = data["year"].map(pos).to_numpy(dtype=float)
            x = base + (i - (k - 1) / 2) * step
            y = data["value"].to_numpy(dtype=float) * 100
            lo = data["ci_low"].to_numpy(dtype=float) * 100
            hi = data["ci_high"].to_numpy(dtype=float) * 100
            has_ci = data["ci_low"].notna().to_numpy()
            for run in _consecutive_runs(list(base.astype(int))):
                if len(run) > 1:
                    ax.plot(x[run], y[run], color=colour, linestyle=style, linewidth=1.8, zorder=2)
            if has_ci.any():
                ax.errorbar(
                    x[has_ci],
                    y[has_ci],
                    yerr=_error(y[has_ci], lo[has_ci], hi[has_ci]),
                    fmt="none",
                    ecolor=colour,
                    elinewidth=1.4,
                    capsize=4,
                    zorder=2.5,
                )
            ax.plot(x[has_ci], y[has_ci], linestyle="none", marker=marker, markersize=8, color=colour, zorder=3)
            if (~has_ci).any():
                any_hollow = True
                ax.plot(
                    x[~has_ci],
                    y[~has_ci],
                    linestyle="none",
                    marker=marker,
                    markersize=8,
                    color=colour,
                    markerfacecolor="white",
                    markeredgewidth=2,
                    zorder=3,
                )
            # legend entry: marker and line style together, whatever the data happen to contain
            ax.plot(
                [], [], color=colour, linestyle=style, marker=marker, markersize=8, linewidth=1.8, label=_plain(name)
            )
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylabel("Answered within the timescale (%)")
        _x_axis(ax, axis_years)
        present = set(table["Year"])
        missing = _mark_gaps(ax, axis_years, present)
        ax.set_title(_wrap(title, 60), loc="left")
        fig.draw_without_rendering()  # the legend goes under the tick labels, however tall they turn out
        legend = ax.legend(
            loc="upper left",
            bbox_to_anchor=(0, _bottom_in_axes(fig, ax) - 0.03),
            frameon=False,
            ncol=1,
            handlelength=3.2,
            borderaxespad=0,
        )
        any_ci = bool(pd.to_numeric(table[CI_LOW], errors="coerce").notna().any())
        notes = ["Vertical bars: 95% confidence intervals."] if any_ci else []
        if any_hollow:
            notes.append("Hollow markers: no interval, as the counts behind the figure were not published.")
        if withheld:
            notes.append("Figures withheld in this public version are not drawn (see the table).")
        _footnote(fig, ax, notes, below=legend)
        png, svg = _images(fig)

    years = list(table["Year"])
    first_year = min(years, key=_year_key)
    last_year = max(years, key=_year_key)
    parts = [
        f"Chart: Share of complaints answered within their timescales, by financial year, {first_year} to {last_year}."
    ]
    said: dict[str, dict[str, str]] = {}
    for _metric, name, data in series:
        said[name] = {yr: _fmt_percent(v) for yr, v in zip(data["year"], data["value"])}
    for name, _these, marked in withheld.values():
        said.setdefault(name, {}).update(marked)
    for name, values in sorted(said.items(), key=lambda item: names_order.index(item[0])):
        parts.append(f"{name}: {_join([f'{values[yr]} in {yr}' for yr in sorted(values, key=_year_key)])}.")
    if missing:
        parts.append(f"No figures for {_join(missing)}.")
    if any_ci:
        parts.append("Vertical bars show 95% confidence intervals.")
    no_ci = table[table[CI_LOW].isna()]
    if len(no_ci):
        which = [f"{_lower_first(m)} in {_join(list(g['Year']))}" for m, g in no_ci.groupby("Measure", sort=False)]
        parts.append(f"No interval for {'; '.join(which)}: the counts behind these were not published.")
    return Chart(title=str(title), alt=" ".join(parts), table=table, png=png, formats=formats, svg=svg)


# ---------------------------------------------------------------------------------------------
# HTML


def _png_size(png: bytes) -> tuple[int, int] | None:
    if len(png) >= 24 and png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR":
        return struct.unpack(">II", png[16:24])
    return None


def _column_format(chart: Chart, column: str) -> str:
    if column in chart.formats:
        return chart.formats[column]
    return "number" if pd.api.types.is_numeric_dtype(chart.table[column]) else "text"


def _svg_size(svg: bytes) -> tuple[float, float] | None:
    found = re.search(rb'<svg[^>]*?width="([0-9.]+)pt" height="([0-9.]+)pt"', svg[:2000])
    return (float(found[1]), float(found[2])) if found else None


def figure_view(chart: Chart) -> dict:
    """What templates/macros.html.j2's figure needs: the picture as a data: URI (SVG where there is
    one) and its size in CSS px, the alt text, the title and the table of its numbers formatted for
    reading (plain text; the template escapes it); and, for PDF and Word, `png`: a function that
    gives the PNG's bytes (a chart with an SVG draws its PNG only when that is called)."""
    svg_size = _svg_size(chart.svg) if chart.svg else None
    if svg_size:
        src = "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode("ascii")
        width, height = round(svg_size[0] * 96 / 72), round(svg_size[1] * 96 / 72)  # pt to px
    else:
        size = _png_size(chart.png)
        width = round(size[0] * 96 / DPI) if size else None  # at its intended size: DPI px per inch
        height = round(size[1] * 96 / DPI) if size else None
        src = "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")
    columns = list(chart.table.columns)
    formats = [_column_format(chart, c) for c in columns]
    return {
        "title": str(chart.title),
        "alt": str(chart.alt),
        "png": lambda: chart.png,
        "src": src,
        "width": width,
        "height": height,
        # narrower than this, its smallest text (9.5 pt) would be under 10 px: the page scrolls instead
        "min_width": math.ceil(width * MIN_SCALE) if width else None,
        "columns": [
            {"name": str(c), "align": "left" if f == "text" else "right", "nowrap": str(c) in UNBROKEN}
            for c, f in zip(columns, formats)
        ],
        "rows": [
            [format_cell(v, f) for v, f in zip(row, formats)] for row in chart.table.itertuples(index=False, name=None)
        ],
    }


def chart_html(chart: Chart) -> str:
    """The chart as one self-contained <figure>: the PNG as a data: URI with its alt text, the title
    as <figcaption>, and beside the image a table of the numbers, formatted for reading. Every
    piece of text is HTML-escaped (templates/figure.html.j2). No external resources."""
    from .templating import render

    return render("figure.html.j2", f=figure_view(chart))
