"""Coverage: people on duty against need, per gate and shift."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from dutyplan.plan import Plan
from dutyplan.plots.figures import CLOSED_GREY, MAX_DATE_TICKS, figure_and_axes
from dutyplan.plots.fonts import load_matplotlib, set_font, use_cjk_font
from dutyplan.problem import Problem

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


# more rows than this and the picture shows a row per site (its worst gate), then only the
# sites with most person-shifts missing: a row stays readable, the image a few thousand pixels
MAX_ROWS = 60


def coverage_grid(
    problem: Problem, plan: Plan
) -> tuple[list[tuple[int, int]], list[tuple[dt.date, str]], np.ma.MaskedArray]:
    """Assigned / needed per gate and shift instance, as drawn by :func:`plot_coverage`.

    Returns the rows (site index, gate index), the columns (date, shift id) in time order and
    the ratios, masked where the gate is closed (no demand).
    """
    gates, instances, need, got = _need_and_assigned(problem, plan)
    return gates, instances, _ratio(need, got)


def _need_and_assigned(
    problem: Problem, plan: Plan
) -> tuple[list[tuple[int, int]], list[tuple[dt.date, str]], np.ndarray, np.ndarray]:
    """People needed and posted per gate (rows) and shift instance (columns, in time order)."""
    gates = [(s, g) for s, site in enumerate(problem.sites) for g in range(len(site.gates))]
    instances = sorted(
        ((day, shift.id) for day in problem.dates for shift in problem.shift_types),
        key=lambda item: problem.shift_start(*item),
    )
    column = {instance: c for c, instance in enumerate(instances)}
    row = {(problem.sites[s].id, problem.sites[s].gates[g].id): r for r, (s, g) in enumerate(gates)}
    got = np.zeros((len(gates), len(instances)), dtype=np.int64)
    for a in plan.assignments:
        got[row[(a.site, a.gate)], column[(a.date, a.shift)]] += 1
    need = np.zeros_like(got)
    for r, (s, g) in enumerate(gates):
        for c, (day, shift) in enumerate(instances):
            demand = problem.demand(s, g, day, shift)
            if demand is not None:
                need[r, c] = demand.need
    return gates, instances, need, got


def _ratio(need: np.ndarray, got: np.ndarray) -> np.ma.MaskedArray:
    """got / need, masked where nobody is needed."""
    closed = need <= 0
    return np.ma.masked_array(np.divide(got, np.where(closed, 1, need)).astype(float), mask=closed)


def coverage_rows(problem: Problem, plan: Plan, most: int = MAX_ROWS) -> tuple[
    list[str], list[tuple[dt.date, str]], np.ma.MaskedArray, str
]:
    """What :func:`plot_coverage` draws: row labels, columns, ratios and a note on what the rows
    are. A row per gate up to ``most`` gates; else a row per site, coloured by its worst gate
    in each shift instance; with more than ``most`` sites, the ``most`` sites with most
    person-shifts missing, worst first."""
    gates, instances, need, got = _need_and_assigned(problem, plan)
    ratio = _ratio(need, got)
    if len(gates) <= most:
        labels = [f"{problem.sites[s].label} / {problem.sites[s].gates[g].label}" for s, g in gates]
        return labels, instances, ratio, ""
    site_of = np.array([s for s, _ in gates])
    missing = np.zeros(len(problem.sites), dtype=np.int64)
    np.add.at(missing, site_of, np.maximum(need - got, 0).sum(axis=1))
    # a site's gates are consecutive rows (every site has one): the worst of each block
    starts = np.flatnonzero(np.r_[True, site_of[1:] != site_of[:-1]])
    lowest = np.minimum.reduceat(ratio.filled(np.inf), starts, axis=0)
    worst = np.ma.masked_array(np.where(np.isinf(lowest), 0.0, lowest), mask=np.isinf(lowest))
    rows = list(range(len(problem.sites)))
    note = f"a row per site (its worst gate), {len(gates)} gates"
    if len(rows) > most:
        rows = sorted(rows, key=lambda s: -missing[s])[:most]
        note = (f"the {most} of {len(problem.sites)} sites with most person-shifts missing, "
                f"each its worst gate")
    return [problem.sites[s].label for s in rows], instances, worst[rows], note


def _coverage_colormap() -> Any:
    """Reds from 0 (dark) to just below 1 (light), green at 1, blues above (over-cover)."""
    matplotlib = load_matplotlib()
    from matplotlib.colors import ListedColormap

    short = matplotlib.colormaps["Reds_r"](np.linspace(0.15, 0.75, 128))
    over = matplotlib.colormaps["Blues"](np.linspace(0.35, 0.9, 127))
    covered = np.array([[0.17, 0.63, 0.17, 1.0]])
    colormap = ListedColormap(np.vstack([short, covered, over]), name="dutyplan_coverage")
    return colormap.with_extremes(bad=CLOSED_GREY)


def plot_coverage(
    problem: Problem, plan: Plan, ax: Axes | None = None, font: str | None = None
) -> Figure:
    """Cover of every gate in every shift instance.

    Rows are gates ("site / gate"), columns shift instances (every shift type of every date,
    in time order, dates on the x axis). Colour is assigned / needed: red shades for gate-shifts
    left short (darker = fewer people), green when exactly covered, blue when over-covered;
    closed gate-shifts (no demand) are light grey.
    """
    load_matplotlib()
    from matplotlib.colors import TwoSlopeNorm

    labels, instances, ratio, note = coverage_rows(problem, plan)
    gates = labels  # one row each
    texts = [problem.name, *labels]
    given_ax = ax
    with use_cjk_font(texts, font) as families:
        per_day = len(problem.shift_types)
        figure, ax = figure_and_axes(ax, 13.0, max(3.0, 1.9 + 0.36 * len(gates)))
        colormap = _coverage_colormap()
        top = max(2.0, float(ratio.max()) if ratio.count() else 2.0)
        # 1 sits exactly on the green entry: [0, 1) -> reds, 1 -> green, (1, top] -> blues
        norm = TwoSlopeNorm(vmin=0.0, vcenter=1.0 - 1e-9, vmax=top)
        image = ax.imshow(
            ratio, aspect="auto", cmap=colormap, norm=norm, interpolation="nearest",
            extent=(-0.5, len(instances) - 0.5, len(gates) - 0.5, -0.5),
        )
        image.set_gid("coverage")
        # white separators: thin between shifts, thick between dates (when there is room)
        for boundary in range(1, len(instances)):
            new_date = boundary % per_day == 0
            if len(instances) <= 200 or (new_date and len(problem.dates) <= 62):
                ax.axvline(boundary - 0.5, color="white", linewidth=1.6 if new_date else 0.4)
        for boundary in range(1, len(gates)):
            ax.axhline(boundary - 0.5, color="white", linewidth=0.6)

        step = max(1, math.ceil(len(problem.dates) / MAX_DATE_TICKS))
        day_starts = list(range(0, len(instances), per_day))[::step]
        ax.set_xticks(
            [c + (per_day - 1) / 2 for c in day_starts],
            labels=[instances[c][0].strftime("%b %d") for c in day_starts],
        )
        ax.set_yticks(range(len(gates)), labels=labels)
        order = " / ".join(
            shift.id for shift in sorted(problem.shift_types, key=lambda s: s.start_minute)
        )
        ax.set_xlabel(f"date (each date: shifts {order} in time order)")
        colorbar = figure.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
        colorbar.set_label("assigned / needed (grey: closed)")
        colorbar.set_ticks([0.0, 0.5, 1.0, top], labels=["0", "0.5", "1 covered", f"{top:g}"])
        short = len(plan.uncovered)
        ax.set_title(
            f"{problem.name}: gate coverage - {short} gate-shifts short "
            f"({plan.missing_person_shifts} person-shifts missing)"
            + (f"\n{note}" if note else "")
        )
        set_font(families, *((given_ax, colorbar.ax) if given_ax else (figure,)))
    return figure
