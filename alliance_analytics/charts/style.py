"""What every chart shares, so a reader can tell series apart and read every number.

- series: :data:`SERIES_COLOURS`, a qualitative colour-blind-safe palette without repeats, cycled with line
  styles (:func:`series_style`), so no two series look the same; beyond :data:`MOST_SERIES` series a chart
  highlights the ones that matter (:func:`highlighted`) and draws the rest in :data:`OTHERS_GREY` under one
  legend entry, :data:`OTHERS`;
- legends sit outside the plot (``figure.legend(loc="outside …")`` with the constrained layout) in as many
  columns as fit the page (:func:`legend_columns`);
- money on axes is in millions of the case's currency (:func:`money_axis`, one style: ``"M EUR"``), shares as
  percentages (:func:`share_axis`), both written by :mod:`alliance_analytics.core.formatting`;
- long category names wrap onto lines that fit their column (:func:`wrapped`); the numbers on a heat map are
  black or white, whichever reads on the cell (:func:`cell_text_colours`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.axis import Axis
from matplotlib.image import AxesImage
from matplotlib.ticker import Formatter

from alliance_analytics.core.formatting import MoneyUnit, format_number, format_share

SERIES_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288",
                                   "#999933")
"""Eight qualitative colours (after Okabe and Ito, without the yellow that vanishes on white), none repeated."""

LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
"""Line styles cycled once the colours are used up, so series 9–16 are dashed, 17–24 dash-dotted, …"""

HATCHES: tuple[str, ...] = ("", "//", "..", "xx")
"""Hatches cycled for filled series (bars) once the colours are used up."""

MOST_SERIES = 8
"""Most series drawn in colour in one chart; the rest are drawn as :data:`OTHERS`."""

OTHERS = "others"
"""The one legend entry of the series drawn in grey (with their number: ``"others (5)"``)."""

OTHERS_GREY = "#c4c4c4"
"""Colour of the series that are not highlighted."""

REFERENCE_GREY = "#444444"
"""Colour of reference lines (zero, thresholds)."""


def series_style(index: int) -> dict[str, str]:
    """Colour and line style of the ``index``-th series, distinct for the first 32 series.

    Parameters
    ----------
    index : int
        Position of the series, from 0.

    Returns
    -------
    dict
        ``color`` and ``linestyle``, ready for ``Axes.plot``.

    Examples
    --------
    >>> series_style(0), series_style(8)
    ({'color': '#0072b2', 'linestyle': '-'}, {'color': '#0072b2', 'linestyle': '--'})
    """
    colours = len(SERIES_COLOURS)
    return {"color": SERIES_COLOURS[index % colours], "linestyle": LINE_STYLES[index // colours % len(LINE_STYLES)]}


def fill_style(index: int, palette: Sequence[str] = SERIES_COLOURS) -> dict[str, str]:
    """Face colour and hatch of the ``index``-th filled series (bars), distinct for ``4 * len(palette)`` series.

    Parameters
    ----------
    index : int
        Position of the series, from 0.
    palette : sequence of str
        The colours cycled.

    Returns
    -------
    dict
        ``color`` and ``hatch``, ready for ``Axes.bar``/``barh``.

    Examples
    --------
    >>> fill_style(1), fill_style(9)
    ({'color': '#e69f00', 'hatch': ''}, {'color': '#e69f00', 'hatch': '//'})
    """
    return {"color": palette[index % len(palette)], "hatch": HATCHES[index // len(palette) % len(HATCHES)]}


def highlighted(order: Sequence[str], first: Iterable[str] = (), most: int = MOST_SERIES) -> list[str]:
    """The series a crowded chart draws in colour: ``first`` (those that matter), then the leaders of ``order``.

    Parameters
    ----------
    order : sequence of str
        Every series, most important first.
    first : iterable of str
        Series that must be highlighted (recommended, in the running); those not in ``order`` are ignored.
    most : int
        At most this many are highlighted; all of them when ``order`` has no more.

    Returns
    -------
    list of str
        The highlighted series, in the order of ``order``.

    Examples
    --------
    >>> highlighted(["C03", "C01", "C02"], most=8)
    ['C03', 'C01', 'C02']
    >>> highlighted([f"C{i:02d}" for i in range(1, 13)], first=["C12"], most=3)
    ['C01', 'C02', 'C12']
    """
    if len(order) <= most:
        return list(order)
    chosen = [series for series in dict.fromkeys(first) if series in order][:most]
    chosen += [series for series in order if series not in chosen][:most - len(chosen)]
    return [series for series in order if series in chosen]


def legend_columns(labels: Sequence[str], width: float, fontsize: float = 8.0) -> int:
    """How many legend columns fit across ``width`` inches for these labels.

    Parameters
    ----------
    labels : sequence of str
        The legend entries.
    width : float
        Width available, inches.
    fontsize : float
        Font size of the entries, points.

    Returns
    -------
    int
        At least 1, at most ``len(labels)``.

    Examples
    --------
    >>> legend_columns(["rank 1", "rank 2", "rank 3"], 10.0)
    3
    >>> legend_columns(["Klinikverbund Rhein-Main, Innovation Unit (C12)"] * 6, 10.0)
    2
    """
    longest = max((len(label) for label in labels), default=1)
    column = (0.6 * fontsize * longest + 4 * fontsize) / 72
    return int(max(1, min(len(labels), math.floor((width - 0.4) / column))))


def wrapped(text: str, width: int) -> str:
    """``text`` broken onto lines of at most ``width`` characters where it has spaces.

    Parameters
    ----------
    text : str
        A label, e.g. a criterion's name.
    width : int
        Most characters per line; a word longer than this keeps its own line.

    Returns
    -------
    str
        The lines joined by newlines.

    Examples
    --------
    >>> wrapped("Compliance and security fit", 16)
    'Compliance and\\nsecurity fit'
    """
    return textwrap.fill(text, max(width, 1), break_long_words=False)


def cell_text_colours(image: AxesImage) -> np.ndarray:
    """Black or white for the text on each cell of a heat map, whichever reads better on the cell's colour.

    Parameters
    ----------
    image : matplotlib.image.AxesImage
        The heat map, as returned by ``Axes.imshow``.

    Returns
    -------
    numpy.ndarray
        ``"black"`` or ``"white"`` per cell, the image's shape.
    """
    rgba = image.to_rgba(np.ma.masked_invalid(np.ma.getdata(image.get_array()).astype(float)))
    luminance = rgba[..., :3].astype(float) @ np.array([0.2126, 0.7152, 0.0722]) / (255 if rgba.dtype == np.uint8
                                                                                   else 1)
    return np.where(luminance < 0.45, "white", "black")


class _Ticks(Formatter):
    """Tick labels with as few decimals as the tick spacing needs (set by the axis with :meth:`set_locs`)."""

    def __init__(self, most_decimals: int) -> None:
        self.most_decimals = most_decimals
        self.places = most_decimals

    def set_locs(self, locs: Sequence[float]) -> None:
        """Take the tick locations and the decimals that tell them apart."""
        super().set_locs(locs)
        steps = np.diff(np.unique(np.asarray(locs, dtype=float)))
        self.places = int(np.clip(math.ceil(-math.log10(float(steps.min())) - 1e-9), 0, self.most_decimals)) \
            if steps.size else 0


class _MillionTicks(_Ticks):
    def __call__(self, value: float, position: int | None = None) -> str:
        return format_number(value, self.places)


class _ShareTicks(_Ticks):
    def __call__(self, value: float, position: int | None = None) -> str:
        return format_share(round(value, 9), max(self.places - 2, 0))  # a tick at 1e-17 reads "0 %"


MILLION = 1e6
"""Amounts on chart axes are divided by this: every money axis is in millions (:func:`money_axis`)."""


def millions(currency: str) -> MoneyUnit:
    """The one unit of money on chart axes: millions of ``currency``.

    Parameters
    ----------
    currency : str
        ISO 4217 code.

    Returns
    -------
    MoneyUnit
        Divisor 1e6, label ``"M <currency>"``.

    Examples
    --------
    >>> millions("EUR").label
    'M EUR'
    """
    return MoneyUnit(MILLION, f"M {currency}", 2)


def money_axis(axis: Axis, currency: str, unit: MoneyUnit | None = None) -> str:
    """Tick labels of an axis holding amounts (``"1.5"``, ``"-0.5"``); returns the unit for its label.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``axes.xaxis`` or ``axes.yaxis``; the data plotted on it are divided by the unit's divisor.
    currency : str
        ISO 4217 code.
    unit : MoneyUnit, optional
        The unit the data are in; default millions (:func:`millions`), the unit of every chart whose amounts
        reach 100,000. A chart of smaller amounts (a pilot's value and cost) takes
        :func:`~alliance_analytics.core.formatting.money_unit` of them, as its table does; its ticks may show one
        decimal more than the table, so that close ticks stay apart.

    Returns
    -------
    str
        ``"M EUR"`` (or the unit's label), for the axis label.
    """
    axis.set_major_formatter(_MillionTicks(2 if unit is None else unit.decimals + 1))
    return (unit or millions(currency)).label


def share_axis(axis: Axis) -> None:
    """Tick labels of an axis holding shares between 0 and 1, as percentages (``"20 %"``).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``axes.xaxis`` or ``axes.yaxis``.
    """
    axis.set_major_formatter(_ShareTicks(3))
