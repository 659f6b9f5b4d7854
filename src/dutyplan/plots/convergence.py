"""Convergence: the plan's objective and the proven bound over the solve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dutyplan.plan import Plan, ProgressPoint
from dutyplan.plots.figures import figure_and_axes, new_figure, palette
from dutyplan.plots.fonts import set_font, use_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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
            figure, ax = figure_and_axes(ax, 8.0, 3.5)
            ax.text(0.5, 0.5, "no progress recorded", ha="center", va="center",
                    transform=ax.transAxes, fontsize="large", color="dimgrey")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("seconds since solve call")
            ax.set_ylabel("objective")
            ax.set_title(f"{plan.problem}: solver convergence - no progress recorded")
            set_font(families, given_ax or figure)
            return figure

        finished = max(result.build_seconds + result.solve_seconds,
                       max(p.seconds for p in result.progress))
        names = list(stages)
        colours = dict(zip(names, palette(len(names)), strict=True))
        if given_ax is None:
            figure = new_figure(9.0, 1.2 + 2.3 * len(names))
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
        set_font(families, given_ax or figure)
    return figure
