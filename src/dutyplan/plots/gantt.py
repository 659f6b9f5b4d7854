"""The Gantt chart: who works which shift where, day by day."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dutyplan.errors import DutyplanError
from dutyplan.plan import Plan
from dutyplan.plots.figures import date_ticks, figure_and_axes, palette
from dutyplan.plots.fonts import load_matplotlib, set_font, use_cjk_font
from dutyplan.problem import Problem

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# people per picture: a taller one is not readable (each row 0.32 in: about 2,100 px)
PAGE_ROWS = 60


def plot_gantt(
    problem: Problem,
    plan: Plan,
    site: str | None = None,
    ax: Axes | None = None,
    font: str | None = None,
    page: int = 0,
) -> Figure:
    """The duty roster of one site: who is on duty when, at which gate.

    One row per person with a duty at the site (in the problem's order), time on the x axis
    (dates, weekends shaded), one bar per assignment coloured by gate. Below the people, one
    red hatched row per gate with gate-shifts left short, each bar labelled with the number of
    people missing when it fits. ``site`` is a site id (default: the first site with
    assignments). A site with more than :data:`PAGE_ROWS` people on duty is drawn a page at a
    time: ``page`` (from 0) says which, and the title says which people of how many.
    """
    load_matplotlib()
    from matplotlib import dates as mdates

    if site is None:
        used = {a.site for a in plan.assignments}
        chosen = next((s for s in problem.sites if s.id in used), problem.sites[0])
    else:
        chosen = problem.site(site)
    assignments = [a for a in plan.assignments if a.site == chosen.id]
    uncovered = [u for u in plan.uncovered if u.site == chosen.id]
    on_duty = {a.person for a in assignments}
    everyone = [person for person in problem.people if person.id in on_duty]
    pages = max(1, math.ceil(len(everyone) / PAGE_ROWS))
    if not 0 <= page < pages:
        raise DutyplanError(f"page {page}: the roster of {chosen.id!r} has pages 0 to {pages - 1}")
    people = everyone[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
    total_shifts = len(assignments)
    shown = {person.id for person in people}
    assignments = [a for a in assignments if a.person in shown]
    short_gates = [gate for gate in chosen.gates if any(u.gate == gate.id for u in uncovered)]
    rows = [person.label for person in people] + [
        f"uncovered: {gate.label}" for gate in short_gates
    ]
    texts = [problem.name, chosen.label, *rows, *(gate.label for gate in chosen.gates)]
    given_ax = ax
    with use_cjk_font(texts, font) as families:
        figure, ax = figure_and_axes(ax, 13.0, max(3.5, 1.8 + 0.32 * max(1, len(rows))))
        row_of = {person.id: r for r, person in enumerate(people)}
        colours = dict(zip((g.id for g in chosen.gates), palette(len(chosen.gates)), strict=True))

        begin = dt.datetime.combine(problem.horizon.start, dt.time())
        end = max(
            [dt.datetime.combine(problem.last_date, dt.time()) + dt.timedelta(days=1)]
            + [a.end for a in assignments] + [u.end for u in uncovered]
        )
        for day in problem.dates:
            if problem.is_weekend(day):
                start = dt.datetime.combine(day, dt.time())
                ax.axvspan(
                    mdates.date2num(start), mdates.date2num(start + dt.timedelta(days=1)),
                    color="#f2f2f2", zorder=0,
                )

        def spans(items: Iterable[Any]) -> tuple[list[float], list[float]]:
            lefts = [mdates.date2num(item.start) for item in items]
            widths = [(item.end - item.start).total_seconds() / 86400 for item in items]
            return lefts, widths

        for gate in chosen.gates:
            at_gate = [a for a in assignments if a.gate == gate.id]
            if not at_gate:
                continue
            lefts, widths = spans(at_gate)
            ax.barh(
                [row_of[a.person] for a in at_gate], widths, left=lefts, height=0.7,
                color=colours[gate.id], edgecolor="white", linewidth=0.6,
                label=gate.label, gid=f"duty:{gate.id}", zorder=2,
            )
        for k, gate in enumerate(short_gates):
            short = [u for u in uncovered if u.gate == gate.id]
            lefts, widths = spans(short)
            row = len(people) + k
            ax.barh(
                [row] * len(short), widths, left=lefts, height=0.7, facecolor="#fde0dd",
                edgecolor="#d62728", hatch="////", linewidth=0.8,
                label="uncovered (missing people)" if k == 0 else None,
                gid=f"uncovered:{gate.id}", zorder=2,
            )
            if len(problem.dates) <= 31:
                for left, width, item in zip(lefts, widths, short, strict=True):
                    ax.text(
                        left + width / 2, row, str(item.missing), ha="center", va="center",
                        fontsize="x-small", color="#a50f15", zorder=3,
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                              "edgecolor": "none"},
                    )
        if short_gates:
            ax.axhline(len(people) - 0.5, color="#d62728", linewidth=0.8)

        ax.set_yticks(range(len(rows)), labels=rows)
        for label in ax.get_yticklabels()[len(people) :]:
            label.set_color("#d62728")
        ax.set_ylim(max(1, len(rows)) - 0.5, -0.5)
        if not rows:
            ax.text(0.5, 0.5, "no duties and nothing uncovered at this site", ha="center",
                    va="center", transform=ax.transAxes, color="dimgrey")
        ax.set_xlim(mdates.date2num(begin), mdates.date2num(end))
        ax.xaxis_date()
        date_ticks(ax.xaxis, problem.dates)
        ax.grid(True, axis="x", linewidth=0.4, alpha=0.6)
        ax.set_xlabel("date (grey: weekend)")
        ax.set_ylabel("person")
        short_count = sum(u.missing for u in uncovered)
        which = f"{len(people)} people"
        if pages > 1:
            first = page * PAGE_ROWS + 1
            which = f"people {first}-{first + len(people) - 1} of {len(everyone)}, page {page + 1} of {pages}"
        ax.set_title(
            f"{problem.name}: duty roster of {chosen.label} "
            f"({total_shifts} shifts, {which}, "
            f"{short_count} person-shifts uncovered)"
        )
        if rows:
            ax.legend(
                title="gate", loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize="small",
                borderaxespad=0.0,
            )
        set_font(families, given_ax or figure)
    return figure
