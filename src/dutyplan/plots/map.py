"""The map: homes, sites and who goes where."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dutyplan.plan import Plan
from dutyplan.plots.figures import UNASSIGNED_GREY, new_figure, palette
from dutyplan.plots.fonts import set_font, use_cjk_font
from dutyplan.plots.layout import KM_PER_DEGREE, layout_from_distances
from dutyplan.problem import Problem

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GEOGRAPHIC = "homes and sites"
# above this many sites the legend names none of them (a square per site, its colour), and
# only the sites with most people posted are labelled, as many as fit without overlapping
LEGEND_SITES = 12
LABEL_SITES = 20


def _map_positions(problem: Problem) -> tuple[np.ndarray, np.ndarray, str]:
    """People and site positions in km, and where they come from: :data:`GEOGRAPHIC` (east
    and north of the centre) or a layout."""
    homes = [person.home for person in problem.people]
    places = [site.location for site in problem.sites]
    if all(home is not None for home in homes) and all(place is not None for place in places):
        lat_lon = np.array(
            [[home.lat, home.lon] for home in homes]  # type: ignore[union-attr]
            + [[place.lat, place.lon] for place in places]  # type: ignore[union-attr]
        )
        centre = lat_lon.mean(axis=0)
        north = (lat_lon[:, 0] - centre[0]) * KM_PER_DEGREE
        east = (lat_lon[:, 1] - centre[1]) * KM_PER_DEGREE * math.cos(math.radians(centre[0]))
        xy = np.column_stack([east, north])
        return xy[: len(homes)], xy[len(homes) :], GEOGRAPHIC
    one_way_km = problem.commute_km_matrix() / 2.0
    how = "layout from commute distances"
    if not one_way_km.any():  # nothing known: every person equally far from every site
        one_way_km = np.ones_like(one_way_km)
        how = "no locations or commute distances, schematic layout"
    people_xy, sites_xy = layout_from_distances(one_way_km)
    return people_xy, sites_xy, how


def plot_map(
    problem: Problem, plan: Plan, ax: Axes | None = None, font: str | None = None
) -> Figure:
    """Where people live and where they are posted.

    Sites are large coloured squares labelled with their names, homes small dots; a line joins
    each person to each site they work at in the plan, in that site's colour; people without
    any duty are grey. Axes are km east and north of the centre of all points (equirectangular
    projection). When the sites sit close together compared with the homes, an inset zooms in
    on them (and carries their labels). Without coordinates (a problem given by its
    ``commute_km`` matrix) the points are laid out from the person-site commute distances (one
    way) by :func:`layout_from_distances`, and the title says so.
    """
    texts = [problem.name, *(site.label for site in problem.sites)]
    given_ax = ax
    with use_cjk_font(texts, font) as families:
        people_xy, sites_xy, how = _map_positions(problem)
        colours = palette(len(problem.sites))
        site_index = {site.id: i for i, site in enumerate(problem.sites)}
        person_index = {person.id: i for i, person in enumerate(problem.people)}
        postings = sorted({(person_index[a.person], site_index[a.site]) for a in plan.assignments})
        # caseloads: who answers for households where, and the households of each site
        answering = sorted({(person_index[c.person], site_index[c.site]) for c in plan.caseloads
                            if c.person in person_index and c.site in site_index})
        households_at = Counter(h.site for h in problem.households)
        nobody_at = Counter(h.site for h in problem.households if h.id in set(plan.unwatched))
        posted = {p for p, _ in postings} | {p for p, _ in answering}
        home_colours = [UNASSIGNED_GREY] * len(problem.people)
        for p, s in [*answering, *postings]:
            home_colours[p] = colours[s]
        site_labels = [site.label for site in problem.sites]

        def draw(target: Axes, marker_size: float, gid_prefix: str) -> None:
            for p, s in postings:
                target.plot(
                    [people_xy[p, 0], sites_xy[s, 0]], [people_xy[p, 1], sites_xy[s, 1]],
                    color=colours[s], linewidth=1.0, alpha=0.6, zorder=1,
                    gid=f"{gid_prefix}posting:{problem.people[p].id}:{problem.sites[s].id}",
                )
            for p, s in answering:  # dashed: answers for households there
                target.plot(
                    [people_xy[p, 0], sites_xy[s, 0]], [people_xy[p, 1], sites_xy[s, 1]],
                    color=colours[s], linewidth=0.8, linestyle="--", alpha=0.6, zorder=1,
                    gid=f"{gid_prefix}caseload:{problem.people[p].id}:{problem.sites[s].id}",
                )
            many = len(problem.people) > 2000  # a city: small dots without rims
            target.scatter(
                people_xy[:, 0], people_xy[:, 1],
                s=max(2.0, 18 * min(1.0, 2000 / len(problem.people))), c=home_colours,
                edgecolors="none" if many else "white", linewidths=0.5, zorder=2,
                gid=f"{gid_prefix}homes",
            )
            for s, site in enumerate(problem.sites):  # a triangle round a site with households
                if households_at[site.id]:
                    target.scatter(
                        sites_xy[s, 0], sites_xy[s, 1], s=marker_size * 3.5, marker="^",
                        facecolors="none", edgecolors="red" if nobody_at[site.id] else colours[s],
                        linewidths=1.2, zorder=3, gid=f"{gid_prefix}households:{site.id}",
                    )
            if len(problem.sites) <= LEGEND_SITES:
                for s, label in enumerate(site_labels):
                    target.scatter(
                        sites_xy[s, 0], sites_xy[s, 1], s=marker_size, marker="s",
                        color=colours[s], edgecolors="black", linewidths=0.8, zorder=3, label=label,
                    )
            else:  # one collection: a legend entry, and a size that stays small
                target.scatter(
                    sites_xy[:, 0], sites_xy[:, 1],
                    s=max(4.0, marker_size * min(1.0, 40 / len(problem.sites))), marker="s", c=colours,
                    edgecolors="black" if len(problem.sites) <= 500 else "none", linewidths=0.5,
                    zorder=3, label=f"site ({len(problem.sites)}, each its colour)",
                    gid=f"{gid_prefix}sites",
                )
            target.set_aspect("equal", adjustable="box")
            target.grid(True, linewidth=0.4, alpha=0.5)

        zoom = _zoom_region(people_xy, sites_xy)
        span = np.ptp(np.vstack([people_xy, sites_xy]), axis=0)
        tall = min(4.0, max(0.25, float(span[1] / max(span[0], 1e-6))))  # height / width
        legend_ax: Axes | None = None
        zoom_ax: Axes | None = None
        if ax is not None:
            figure = ax.figure
        elif zoom is None:
            height = min(9.0, max(5.0, 7.0 * tall + 1.5))
            figure = new_figure(min(13.0, max(8.0, (height - 1.5) / tall + 3.5)), height)
            ax = figure.add_subplot()
        else:  # map on the left; legend and a zoom on the sites on the right
            height = min(9.0, max(6.0, 8.0 * tall + 1.5))
            figure = new_figure(min(14.0, max(10.0, 1.5 * (height - 1.5) / tall + 1.0)), height)
            grid = figure.add_gridspec(2, 2, width_ratios=(2.0, 1.0), height_ratios=(0.8, 2.0))
            ax = figure.add_subplot(grid[:, 0])
            legend_ax = figure.add_subplot(grid[0, 1])
            legend_ax.axis("off")
            zoom_ax = figure.add_subplot(grid[1, 1])
        ax.set_gid("map")
        draw(ax, 150, "")
        _set_limits_around(ax, np.vstack([people_xy, sites_xy]), margin=0.1)
        # the sites labelled: all, or the ones with most people posted (see LABEL_SITES)
        posted_at = Counter(s for _, s in postings)
        labelled = sorted(range(len(problem.sites)), key=lambda s: -posted_at[s])[:LABEL_SITES]
        if zoom is None:
            _label_sites(ax, site_labels, sites_xy, labelled)
        else:
            if zoom_ax is None:  # the caller's axes: an inset in the emptiest corner
                zoom_ax = ax.inset_axes(_inset_corner(ax, np.vstack([people_xy, sites_xy]), zoom))
                ax.indicate_inset_zoom(zoom_ax, edgecolor="dimgrey")
            else:
                ax.indicate_inset(
                    (zoom[0], zoom[2], zoom[1] - zoom[0], zoom[3] - zoom[2]), edgecolor="dimgrey"
                )
            zoom_ax.set_gid("zoom")
            draw(zoom_ax, 110, "zoom-")
            zoom_ax.set_xlim(zoom[0], zoom[1])
            zoom_ax.set_ylim(zoom[2], zoom[3])
            zoom_ax.tick_params(labelleft=False, labelbottom=False, length=0)
            zoom_ax.set_title(
                f"zoom on the sites (grey box, {zoom[1] - zoom[0]:.1f} km across)",
                fontsize="small",
            )
            _label_sites(zoom_ax, site_labels, sites_xy, labelled)

        from matplotlib.lines import Line2D

        handles, labels = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], marker="o", linestyle="", color="dimgrey", markersize=4),
            Line2D([], [], marker="o", linestyle="", color=UNASSIGNED_GREY, markersize=4),
        ]
        labels += [
            "home (in its site's colour)",
            f"home, no duty ({len(problem.people) - len(posted)})",
        ]
        if problem.households:
            handles += [
                Line2D([], [], color="dimgrey", linestyle="--", linewidth=0.8),
                Line2D([], [], marker="^", linestyle="", markerfacecolor="none", markeredgecolor="dimgrey", markersize=9),
            ]
            labels += [
                "answers for households there",
                f"households under watch ({len(problem.households)}; red: {len(plan.unwatched)} with nobody)",
            ]
        if legend_ax is not None:
            legend_ax.legend(handles, labels, title="sites", loc="center", fontsize="medium")
        else:
            ax.legend(
                handles, labels, title="sites", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                borderaxespad=0.0, fontsize="small",
            )
        if how == GEOGRAPHIC:
            ax.set_xlabel("km east of centre")
            ax.set_ylabel("km north of centre")
        else:
            ax.set_xlabel("km (layout)")
            ax.set_ylabel("km (layout)")
        ax.set_title(
            f"{problem.name}: {how}\n{len(posted)} of {len(problem.people)} people on duty, "
            f"{len(postings)} person-site postings"
            + (f", {len(plan.caseloads)} of {len(problem.households)} households answered for"
               if problem.households else "")
        )
        set_font(families, given_ax or figure)
    return figure


def _set_limits_around(ax: Axes, points: np.ndarray, margin: float) -> None:
    """Axis limits around ``points`` with ``margin`` (fraction of the larger side) each side."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * max(float((high - low).max()), 1e-6)
    ax.set_xlim(low[0] - pad, high[0] + pad)
    ax.set_ylim(low[1] - pad, high[1] + pad)


def _zoom_region(
    people_xy: np.ndarray, sites_xy: np.ndarray
) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) around the sites when they fill under a fifth of the map, else None."""
    if len(sites_xy) < 2:
        return None
    everything = np.vstack([people_xy, sites_xy])
    extent = float(np.ptp(everything, axis=0).max())
    site_extent = float(np.ptp(sites_xy, axis=0).max())
    if site_extent >= 0.2 * extent:
        return None
    half = max(site_extent, 0.02 * extent)  # twice the sites' extent across: room for labels
    centre = (sites_xy.min(axis=0) + sites_xy.max(axis=0)) / 2
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def _inset_corner(
    ax: Axes, points: np.ndarray, zoom: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Bounds (axes fraction) of a zoom inset in the corner that hides the fewest points."""
    size, gap = 0.42, 0.015
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fractions = (points - [x0, y0]) / [x1 - x0, y1 - y0]
    zoom_centre = (np.array([zoom[0] + zoom[1], zoom[2] + zoom[3]]) / 2 - [x0, y0]) / [
        x1 - x0, y1 - y0
    ]

    def hidden(corner: tuple[float, float]) -> int:
        low, high = np.array(corner), np.array(corner) + size
        inside = np.all((fractions >= low) & (fractions <= high), axis=1)
        covers_zoom = bool(np.all((zoom_centre >= low) & (zoom_centre <= high)))
        return int(inside.sum()) + (len(points) if covers_zoom else 0)

    corners = [(left, bottom) for left in (gap, 1 - gap - size) for bottom in (gap, 1 - gap - size)]
    left, bottom = min(corners, key=hidden)
    return (left, bottom, size, size)


def _label_sites(ax: Axes, labels: Sequence[str], sites_xy: np.ndarray, which: Sequence[int]) -> None:
    """Label the sites ``which`` (in that order of importance) beside their markers, pushed
    away from the middle of the sites; a label that would overlap one placed before it is
    left out."""
    middle = sites_xy.mean(axis=0)
    placed = []
    canvas = ax.figure.canvas  # the text extents tell overlaps
    if not hasattr(canvas, "get_renderer"):  # a bare Figure(): draw it with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(ax.figure)
    renderer = canvas.get_renderer()
    for s in which:
        label, point = labels[s], sites_xy[s]
        away = point - middle
        length = float(np.hypot(*away))
        direction = away / length if length > 1e-9 else np.array([0.0, 1.0])
        text = ax.annotate(
            label, xy=point, xytext=tuple(12 * direction), textcoords="offset points",
            ha="left" if direction[0] >= 0 else "right",
            va="bottom" if direction[1] >= 0 else "top",
            fontsize="medium" if len(labels) <= LABEL_SITES else "small", zorder=4, gid="site-label",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8,
                  "edgecolor": "none"},
        )
        box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            text.remove()
        else:
            placed.append(box)
