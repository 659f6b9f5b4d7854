"""What every picture shares: a new figure or given axes, colours, date ticks."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dutyplan.plots.fonts import load_matplotlib

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

UNASSIGNED_GREY = "#9e9e9e"
CLOSED_GREY = "#ececec"
MAX_DATE_TICKS = 14


def new_figure(width: float, height: float) -> Figure:
    """A pyplot figure (so notebooks display it) with constrained layout."""
    from matplotlib import pyplot

    return pyplot.figure(figsize=(width, height), layout="constrained")


def figure_and_axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new width x height inch figure with one axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure = new_figure(width, height)
    return figure, figure.add_subplot()


def palette(count: int) -> list[Any]:
    """``count`` distinct colours (tab10, tab20, then evenly spaced hues)."""
    colormaps = load_matplotlib().colormaps
    if count <= 10:
        return [colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [colormaps["tab20"](i) for i in range(count)]
    return [colormaps["hsv"](i / count) for i in range(count)]


def date_ticks(axis: Any, dates: Sequence[dt.date]) -> None:
    """Date axis: a tick (and grid line) at every midnight, labels like ``Feb 28`` at noon of
    every date, or of every k-th date so that at most ``MAX_DATE_TICKS`` are labelled."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FixedLocator, NullFormatter

    step = max(1, math.ceil(len(dates) / MAX_DATE_TICKS))
    midnights = [dt.datetime.combine(day, dt.time()) for day in dates]
    midnights.append(midnights[-1] + dt.timedelta(days=1))
    axis.set_major_locator(FixedLocator(mdates.date2num(midnights)))
    axis.set_major_formatter(NullFormatter())
    noons = [dt.datetime.combine(day, dt.time(12)) for day in dates[::step]]
    axis.set_minor_locator(FixedLocator(mdates.date2num(noons)))
    axis.set_minor_formatter(mdates.DateFormatter("%b %d"))
    axis.set_tick_params(which="minor", length=0)
