"""Figures of a problem and its plan: map, duty roster, coverage and solver convergence.

Every function returns a :class:`matplotlib.figure.Figure`; save it with
``fig.savefig("map.png")``. New figures are made with pyplot, so Jupyter shows them at the end
of the cell; nothing calls ``plt.show()``, and a script making many figures should
``plt.close(fig)`` each. Functions that draw on one axes take ``ax=`` to draw into a figure of
your own, and every function takes ``font=`` (a font family name) for its text.

Names in the bundled examples are Chinese. When a figure's labels contain CJK characters and no
``font`` is given, an installed CJK family is chosen (Noto Sans CJK, Source Han Sans,
WenQuanYi, SimHei, ...) for that figure only; when none is installed a warning is logged once
(logger ``dutyplan``) and the figure is still drawn, with missing glyphs as boxes.

matplotlib is optional: ``pip install 'dutyplan[plots]'``. ``import dutyplan`` never imports it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dutyplan.errors import DutyplanError
from dutyplan.plan import Plan, ProgressPoint
from dutyplan.problem import Problem

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CJK_FAMILIES",
    "coverage_grid",
    "find_cjk_font",
    "layout_from_distances",
    "plot_convergence",
    "plot_coverage",
    "plot_gantt",
    "plot_map",
    "use_cjk_font",
]

logger = logging.getLogger("dutyplan")

MATPLOTLIB_MISSING = "plots need matplotlib: pip install 'dutyplan[plots]'"

# font families with Chinese glyphs, in order of preference
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
# CJK radicals, punctuation, kana, unified ideographs, Hangul, compatibility and fullwidth forms
_CJK_CHARACTERS = re.compile(
    "[\u2e80-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
KM_PER_DEGREE = 6371.0088 * math.pi / 180.0
UNASSIGNED_GREY = "#9e9e9e"
CLOSED_GREY = "#ececec"
MAX_DATE_TICKS = 14

_missing_font_warned = False


class _SingleWeightFontFilter(logging.Filter):
    """Drops matplotlib's "Failed to find font weight ... for <family>" warnings for the CJK
    families: many come in one weight only, and the nearest weight is what we want."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            str(record.msg).startswith("findfont: Failed to find font weight")
            and len(args) >= 2
            and args[1] in CJK_FAMILIES
        )


_SINGLE_WEIGHT_FILTER = _SingleWeightFontFilter()


# --------------------------------------------------------------------------- matplotlib, fonts


def _matplotlib() -> Any:
    """The matplotlib package, or DutyplanError naming the install command."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401  (used through the package)
    except ImportError:
        raise DutyplanError(MATPLOTLIB_MISSING) from None
    return matplotlib


def _cjk_characters(texts: Iterable[str]) -> set[str]:
    """The CJK characters (ideographs, kana, Hangul, fullwidth forms) in ``texts``."""
    return {char for text in texts for char in _CJK_CHARACTERS.findall(text)}


@functools.lru_cache(maxsize=32)
def _font_characters(path: str) -> frozenset[int]:
    """Code points a font file has glyphs for."""
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def find_cjk_font(characters: Iterable[str] = "上庄村") -> str | None:
    """The first family of :data:`CJK_FAMILIES` installed (as matplotlib sees it) that has a
    glyph for every one of ``characters``, or None."""
    _matplotlib()
    from matplotlib import font_manager
    codes = {ord(char) for char in characters}
    paths: dict[str, list[str]] = defaultdict(list)
    for entry in font_manager.fontManager.ttflist:
        paths[entry.name].append(entry.fname)
    for family in CJK_FAMILIES:
        for path in paths.get(family, []):
            try:
                covered = _font_characters(path)
            except (OSError, RuntimeError):
                continue
            if codes <= covered:
                return family
    return None


@contextlib.contextmanager
def use_cjk_font(
    texts: Iterable[str] = (), font: str | None = None
) -> Iterator[list[str] | None]:
    """A context in which new matplotlib text is drawn with a font that has CJK glyphs.

    ``font``: a family name to use, whatever the texts. Otherwise, when ``texts`` is empty or
    contains CJK characters, the first installed family of :data:`CJK_FAMILIES` with those
    glyphs is used; when none is installed a warning naming the fix is logged once. Latin text
    keeps the current family (the CJK family is a per-glyph fallback). Global rcParams are
    restored on exit; matplotlib's warnings that a CJK family lacks a weight (bold) are
    silenced. Yields the font families new text gets (None: unchanged); pass them to
    ``Text.set_fontfamily`` for text made outside the context, such as tick labels of axes
    created before it.
    """
    global _missing_font_warned
    matplotlib = _matplotlib()
    texts = list(texts)
    family = font
    if family is None:
        needed = _cjk_characters(texts)
        if texts and not needed:
            yield None
            return
        family = find_cjk_font(needed or "上庄村")
        if family is None:
            if not _missing_font_warned:
                _missing_font_warned = True
                logger.warning(
                    "no font with Chinese glyphs found for the plot labels; install one "
                    "(e.g. 'apt install fonts-noto-cjk', then delete matplotlib's font cache) "
                    "or pass font='<family name>'"
                )
            yield None
            return
    font_log = logging.getLogger("matplotlib.font_manager")
    if _SINGLE_WEIGHT_FILTER not in font_log.filters:
        font_log.addFilter(_SINGLE_WEIGHT_FILTER)
    current = list(matplotlib.rcParams["font.family"])
    if font is not None:
        families = [font, *current]
    else:
        families = [*current, family]
    with matplotlib.rc_context({"font.family": families}):
        yield families


def _set_font(families: list[str] | None, *artists: Any) -> None:
    """Give every text under ``artists`` these families (tick labels added later copy them)."""
    if families is None:
        return
    from matplotlib.text import Text

    for artist in artists:
        for text in artist.findobj(Text):
            text.set_fontfamily(families)


def _new_figure(width: float, height: float) -> Figure:
    """A pyplot figure (so notebooks display it) with constrained layout."""
    from matplotlib import pyplot

    return pyplot.figure(figsize=(width, height), layout="constrained")


def _figure_and_axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new width x height inch figure with one axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure = _new_figure(width, height)
    return figure, figure.add_subplot()


def _palette(count: int) -> list[Any]:
    """``count`` distinct colours (tab10, tab20, then evenly spaced hues)."""
    colormaps = _matplotlib().colormaps
    if count <= 10:
        return [colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [colormaps["tab20"](i) for i in range(count)]
    return [colormaps["hsv"](i / count) for i in range(count)]


def _date_ticks(axis: Any, dates: Sequence[dt.date]) -> None:
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


# --------------------------------------------------------------------------- map


def layout_from_distances(
    distances: np.ndarray, seed: int = 0, iterations: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Plane positions (km) of people and sites whose distances approximate ``distances``.

    ``distances`` is people x sites (km, one way); nothing is known about person-person or
    site-site distances, so this is metric unfolding. Starts: Schönemann's closed form (exact
    for exact planar distances; needs 6 people and 3 sites), classical scaling of the matrix
    completed with triangle-inequality bounds, and a few seeded random ones. Each start is
    polished by weighted stress majorisation (SMACOF, weights 1/d^2) on the known pairs only,
    and the layout of least stress is kept (the first one that fits within 0.1 % ends the
    search). Deterministic for a seed. Returns ``(people_xy, sites_xy)``, shapes (people, 2)
    and (sites, 2), centred on 0.
    """
    known = np.asarray(distances, dtype=float)
    n_people, n_sites = known.shape
    n = n_people + n_sites
    positive = known[known > 0]
    scale = float(np.median(positive)) if positive.size else 1.0
    rng = np.random.default_rng(seed)

    # stress counts the person-site pairs only: sum of w (|x_p - s_k| - d_pk)^2
    weights = 1.0 / np.maximum(known, 0.05 * scale) ** 2
    people_weight, sites_weight = weights.sum(axis=1), weights.sum(axis=0)
    # the Guttman transform solves L x = b with L the bipartite weight Laplacian: eliminate
    # the people (diagonal block) and solve the sites' Schur complement (singular: translation)
    schur_inverse = np.linalg.pinv(
        np.diag(sites_weight) - weights.T @ (weights / people_weight[:, None])
    )
    fit_scale = float((weights * known**2).sum())

    def stress(points: np.ndarray) -> tuple[float, np.ndarray]:
        gaps = np.linalg.norm(points[:n_people, None, :] - points[None, n_people:, :], axis=2)
        return float((weights * (gaps - known) ** 2).sum()), gaps

    def polish(points: np.ndarray) -> tuple[float, np.ndarray]:
        current, gaps = stress(points)
        for _ in range(iterations):
            ratio = np.divide(weights * known, gaps, out=np.zeros_like(gaps), where=gaps > 1e-12)
            people, sites = points[:n_people], points[n_people:]
            people_side = ratio.sum(axis=1)[:, None] * people - ratio @ sites
            sites_side = ratio.sum(axis=0)[:, None] * sites - ratio.T @ people
            people_share = people_side / people_weight[:, None]
            sites = schur_inverse @ (sites_side + weights.T @ people_share)
            people = people_share + (weights @ sites) / people_weight[:, None]
            points = np.vstack([people, sites])
            previous = current
            current, gaps = stress(points)
            if previous - current <= 1e-10 * max(previous, 1e-300):
                break
        return current, points

    def starts() -> Iterator[np.ndarray]:
        if n_people >= 6 and n_sites >= 3:
            yield _unfolding_start(known)
        if n <= 300:  # classical scaling of an n x n matrix
            yield _completed_matrix_start(known)
        for _ in range(4):
            yield rng.normal(scale=scale, size=(n, 2))

    best: tuple[float, np.ndarray] | None = None
    for start in starts():
        found = polish(start + rng.normal(scale=1e-3 * scale, size=(n, 2)))
        if best is None or found[0] < best[0]:
            best = found
        if best[0] <= 1e-6 * fit_scale:  # fits within 0.1 %
            break
    assert best is not None
    positions = best[1] - best[1].mean(axis=0)
    return positions[:n_people], positions[n_people:]


def _unfolding_start(known: np.ndarray) -> np.ndarray:
    """People and sites positions (stacked) from Schönemann's metric unfolding.

    With squared distances M, ``-1/2 Jp M Js = X S^T`` for centred people X and sites S, so
    its rank-2 SVD gives ``X = Y B`` and ``S = V B^-T`` for an unknown 2 x 2 matrix B; the
    row means of ``Jp M`` are linear in ``B B^T`` and ``B t`` (t: people's centroid), which
    least squares recovers.
    """
    n_people, n_sites = known.shape
    squared = known**2
    centre_people = np.eye(n_people) - 1.0 / n_people
    centre_sites = np.eye(n_sites) - 1.0 / n_sites
    left, singular, right = np.linalg.svd(
        -0.5 * centre_people @ squared @ centre_sites, full_matrices=False
    )
    people = left[:, :2] * singular[:2]
    sites = right[:2].T
    quadratic = np.column_stack(
        [people[:, 0] ** 2, 2 * people[:, 0] * people[:, 1], people[:, 1] ** 2]
    )
    design = np.column_stack([quadratic - quadratic.mean(axis=0), 2 * people])
    solution = np.linalg.lstsq(design, (centre_people @ squared).mean(axis=1), rcond=None)[0]
    gram = np.array([[solution[0], solution[1]], [solution[1], solution[2]]])
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    eigenvalues = np.maximum(eigenvalues, 1e-9 * max(float(eigenvalues.max()), 1e-12))
    basis = eigenvectors * np.sqrt(eigenvalues)
    offset = np.linalg.solve(basis, solution[3:])
    return np.vstack([people @ basis + offset, sites @ np.linalg.inv(basis).T])


def _completed_matrix_start(known: np.ndarray) -> np.ndarray:
    """Classical scaling of the full matrix, unknown pairs set to their triangle-inequality
    lower bound (``|d(p, s) - d(q, s)| <= d(p, q)``)."""
    n_people, n_sites = known.shape
    n = n_people + n_sites
    full = np.zeros((n, n))
    full[:n_people, n_people:] = known
    full[n_people:, :n_people] = known.T
    between_people = full[:n_people, :n_people]
    for s in range(n_sites):
        gaps = np.abs(known[:, s, None] - known[None, :, s])
        np.maximum(between_people, gaps, out=between_people)
    between_sites = full[n_people:, n_people:]
    for p in range(n_people):
        np.maximum(between_sites, np.abs(known[p, :, None] - known[p, None, :]), out=between_sites)
    centring = np.eye(n) - 1.0 / n
    eigenvalues, eigenvectors = np.linalg.eigh(-0.5 * centring @ (full**2) @ centring)
    top = np.argsort(eigenvalues)[::-1][:2]
    return eigenvectors[:, top] * np.sqrt(np.maximum(eigenvalues[top], 0.0))


GEOGRAPHIC = "homes and sites"


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
        colours = _palette(len(problem.sites))
        site_index = {site.id: i for i, site in enumerate(problem.sites)}
        person_index = {person.id: i for i, person in enumerate(problem.people)}
        postings = sorted({(person_index[a.person], site_index[a.site]) for a in plan.assignments})
        posted = {p for p, _ in postings}
        home_colours = [UNASSIGNED_GREY] * len(problem.people)
        for p, s in postings:
            home_colours[p] = colours[s]
        site_labels = [site.label for site in problem.sites]

        def draw(target: Axes, marker_size: float, gid_prefix: str) -> None:
            for p, s in postings:
                target.plot(
                    [people_xy[p, 0], sites_xy[s, 0]], [people_xy[p, 1], sites_xy[s, 1]],
                    color=colours[s], linewidth=1.0, alpha=0.6, zorder=1,
                    gid=f"{gid_prefix}posting:{problem.people[p].id}:{problem.sites[s].id}",
                )
            target.scatter(
                people_xy[:, 0], people_xy[:, 1], s=18, c=home_colours, edgecolors="white",
                linewidths=0.5, zorder=2, gid=f"{gid_prefix}homes",
            )
            for s, label in enumerate(site_labels):
                target.scatter(
                    sites_xy[s, 0], sites_xy[s, 1], s=marker_size, marker="s",
                    color=colours[s], edgecolors="black", linewidths=0.8, zorder=3, label=label,
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
            figure = _new_figure(min(13.0, max(8.0, (height - 1.5) / tall + 3.5)), height)
            ax = figure.add_subplot()
        else:  # map on the left; legend and a zoom on the sites on the right
            height = min(9.0, max(6.0, 8.0 * tall + 1.5))
            figure = _new_figure(min(14.0, max(10.0, 1.5 * (height - 1.5) / tall + 1.0)), height)
            grid = figure.add_gridspec(2, 2, width_ratios=(2.0, 1.0), height_ratios=(0.8, 2.0))
            ax = figure.add_subplot(grid[:, 0])
            legend_ax = figure.add_subplot(grid[0, 1])
            legend_ax.axis("off")
            zoom_ax = figure.add_subplot(grid[1, 1])
        ax.set_gid("map")
        draw(ax, 150, "")
        _set_limits_around(ax, np.vstack([people_xy, sites_xy]), margin=0.1)
        if zoom is None:
            _label_sites(ax, site_labels, sites_xy)
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
            _label_sites(zoom_ax, site_labels, sites_xy)

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
        )
        _set_font(families, given_ax or figure)
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


def _label_sites(ax: Axes, labels: Sequence[str], sites_xy: np.ndarray) -> None:
    """Label each site beside its marker, pushed away from the middle of the sites."""
    middle = sites_xy.mean(axis=0)
    for label, point in zip(labels, sites_xy, strict=True):
        away = point - middle
        length = float(np.hypot(*away))
        direction = away / length if length > 1e-9 else np.array([0.0, 1.0])
        ax.annotate(
            label, xy=point, xytext=tuple(12 * direction), textcoords="offset points",
            ha="left" if direction[0] >= 0 else "right",
            va="bottom" if direction[1] >= 0 else "top",
            fontsize="medium", zorder=4, gid="site-label",
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8,
                  "edgecolor": "none"},
        )


# --------------------------------------------------------------------------- gantt


def plot_gantt(
    problem: Problem,
    plan: Plan,
    site: str | None = None,
    ax: Axes | None = None,
    font: str | None = None,
) -> Figure:
    """The duty roster of one site: who is on duty when, at which gate.

    One row per person with a duty at the site (in the problem's order), time on the x axis
    (dates, weekends shaded), one bar per assignment coloured by gate. Below the people, one
    red hatched row per gate with gate-shifts left short, each bar labelled with the number of
    people missing when it fits. ``site`` is a site id (default: the first site with
    assignments).
    """
    _matplotlib()
    from matplotlib import dates as mdates

    if site is None:
        used = {a.site for a in plan.assignments}
        chosen = next((s for s in problem.sites if s.id in used), problem.sites[0])
    else:
        chosen = problem.site(site)
    assignments = [a for a in plan.assignments if a.site == chosen.id]
    uncovered = [u for u in plan.uncovered if u.site == chosen.id]
    on_duty = {a.person for a in assignments}
    people = [person for person in problem.people if person.id in on_duty]
    short_gates = [gate for gate in chosen.gates if any(u.gate == gate.id for u in uncovered)]
    rows = [person.label for person in people] + [
        f"uncovered: {gate.label}" for gate in short_gates
    ]
    texts = [problem.name, chosen.label, *rows, *(gate.label for gate in chosen.gates)]
    given_ax = ax
    with use_cjk_font(texts, font) as families:
        figure, ax = _figure_and_axes(ax, 13.0, max(3.5, 1.8 + 0.32 * max(1, len(rows))))
        row_of = {person.id: r for r, person in enumerate(people)}
        colours = dict(zip((g.id for g in chosen.gates), _palette(len(chosen.gates)), strict=True))

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
        _date_ticks(ax.xaxis, problem.dates)
        ax.grid(True, axis="x", linewidth=0.4, alpha=0.6)
        ax.set_xlabel("date (grey: weekend)")
        ax.set_ylabel("person")
        short_count = sum(u.missing for u in uncovered)
        ax.set_title(
            f"{problem.name}: duty roster of {chosen.label} "
            f"({len(assignments)} shifts, {len(people)} people, "
            f"{short_count} person-shifts uncovered)"
        )
        if rows:
            ax.legend(
                title="gate", loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize="small",
                borderaxespad=0.0,
            )
        _set_font(families, given_ax or figure)
    return figure


# --------------------------------------------------------------------------- coverage


def coverage_grid(
    problem: Problem, plan: Plan
) -> tuple[list[tuple[int, int]], list[tuple[dt.date, str]], np.ma.MaskedArray]:
    """Assigned / needed per gate and shift instance, as drawn by :func:`plot_coverage`.

    Returns the rows (site index, gate index), the columns (date, shift id) in time order and
    the ratios, masked where the gate is closed (no demand).
    """
    gates = [(s, g) for s, site in enumerate(problem.sites) for g in range(len(site.gates))]
    instances = sorted(
        ((day, shift.id) for day in problem.dates for shift in problem.shift_types),
        key=lambda item: problem.shift_start(*item),
    )
    assigned: dict[tuple[str, str, dt.date, str], int] = defaultdict(int)
    for a in plan.assignments:
        assigned[(a.site, a.gate, a.date, a.shift)] += 1
    ratio = np.ma.masked_all((len(gates), len(instances)))
    for r, (s, g) in enumerate(gates):
        site = problem.sites[s]
        gate = site.gates[g]
        for c, (day, shift) in enumerate(instances):
            demand = problem.demand(s, g, day, shift)
            if demand is None or demand.need == 0:
                continue
            ratio[r, c] = assigned[(site.id, gate.id, day, shift)] / demand.need
    return gates, instances, ratio


def _coverage_colormap() -> Any:
    """Reds from 0 (dark) to just below 1 (light), green at 1, blues above (over-cover)."""
    matplotlib = _matplotlib()
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
    _matplotlib()
    from matplotlib.colors import TwoSlopeNorm

    gates, instances, ratio = coverage_grid(problem, plan)
    labels = [
        f"{problem.sites[s].label} / {problem.sites[s].gates[g].label}" for s, g in gates
    ]
    texts = [problem.name, *labels]
    given_ax = ax
    with use_cjk_font(texts, font) as families:
        per_day = len(problem.shift_types)
        figure, ax = _figure_and_axes(ax, 13.0, max(3.0, 1.9 + 0.36 * len(gates)))
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
        )
        _set_font(families, *((given_ax, colorbar.ax) if given_ax else (figure,)))
    return figure


# --------------------------------------------------------------------------- convergence


def plot_convergence(plan: Plan, ax: Axes | None = None, font: str | None = None) -> Figure:
    """Objective value and best bound over solve time, per lexicographic stage.

    Each stage ("cover", "rules", "preferences", "commute", "fairness", or "weighted") gets
    its own panel with the value of the best plan found (solid step line, a dot per plan) and
    the best bound (dashed), seconds since the solve call on a shared x axis. With ``ax`` all
    stages share that axes, one colour per stage. Without progress points the figure says
    "no progress recorded".
    """
    result = plan.result
    given_ax = ax
    with use_cjk_font([plan.problem], font) as families:
        stages: dict[str, list[ProgressPoint]] = {}
        for point in result.progress:
            stages.setdefault(point.stage, []).append(point)
        if not stages:
            figure, ax = _figure_and_axes(ax, 8.0, 3.5)
            ax.text(0.5, 0.5, "no progress recorded", ha="center", va="center",
                    transform=ax.transAxes, fontsize="large", color="dimgrey")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("seconds since solve call")
            ax.set_ylabel("objective")
            ax.set_title(f"{plan.problem}: solver convergence - no progress recorded")
            _set_font(families, given_ax or figure)
            return figure

        finished = max(result.build_seconds + result.solve_seconds,
                       max(p.seconds for p in result.progress))
        names = list(stages)
        colours = dict(zip(names, _palette(len(names)), strict=True))
        if given_ax is None:
            figure = _new_figure(9.0, 1.2 + 2.3 * len(names))
            axes = list(figure.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0])
        else:
            figure, axes = given_ax.figure, [given_ax] * len(names)  # type: ignore[assignment]
        for k, (name, panel) in enumerate(zip(names, axes, strict=True)):
            points = stages[name]
            later = [stages[other][0].seconds for other in names[k + 1 :]]
            until = min(later) if later else finished
            seconds = [p.seconds for p in points] + [max(until, points[-1].seconds)]
            values = [p.value for p in points] + [points[-1].value]
            bounds = [p.bound for p in points] + [points[-1].bound]
            prefix = f"{name}: " if given_ax is not None else ""
            panel.step(seconds, values, where="post", color=colours[name], linewidth=1.8,
                       label=f"{prefix}best plan", gid=f"value:{name}")
            panel.plot(seconds[:-1], values[:-1], "o", color=colours[name], markersize=4)
            panel.step(seconds, bounds, where="post", color=colours[name], linestyle="--",
                       linewidth=1.4, label=f"{prefix}best bound", gid=f"bound:{name}")
            if given_ax is None:
                panel.set_title(
                    f"stage {name}: {points[-1].value} (bound {points[-1].bound})",
                    fontsize="medium", loc="left",
                )
                panel.set_ylabel("objective")
                panel.legend(loc="upper right", fontsize="small")
            panel.grid(True, linewidth=0.4, alpha=0.6)
        axes[-1].set_xlabel("seconds since solve call (model build included)")
        title = (
            f"{plan.problem}: solver convergence ({result.status}, objective "
            f"{result.objective}, bound {result.best_bound})"
        )
        silent = [level.name for level in result.levels if level.name not in stages]
        if silent:
            title += f"\nstages without progress points: {', '.join(silent)}"
        if given_ax is None:
            figure.suptitle(title)
        else:
            given_ax.set_ylabel("objective")
            given_ax.legend(loc="upper right", fontsize="small", ncols=2)
            given_ax.set_title(title)
        _set_font(families, given_ax or figure)
    return figure
