"""Any exporter by format name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dutyplan.errors import DutyplanError
from dutyplan.export.calendars import to_ics
from dutyplan.export.csv_files import to_csv
from dutyplan.export.excel import to_excel
from dutyplan.export.html_pages import to_html
from dutyplan.export.paths import OutPath

if TYPE_CHECKING:
    from dutyplan.plan import Plan
    from dutyplan.problem import Problem


EXPORTERS: dict[str, Callable[[Problem, Plan, OutPath], list[Path]]] = {
    "xlsx": to_excel,
    "csv": to_csv,
    "ics": to_ics,
    "html": to_html,
}


FORMATS = tuple(EXPORTERS)


def export(problem: Problem, plan: Plan, fmt: str, out: OutPath) -> list[Path]:
    """Export ``plan`` as ``fmt`` (``xlsx``, ``csv``, ``ics`` or ``html``) to ``out``; return
    the paths written. See the module docstring for what ``out`` may be. A plan of another
    problem (unknown people, sites, gates, shift types or dates) raises
    :class:`~dutyplan.errors.PlanFileError`."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise DutyplanError(f"unknown export format {fmt!r} (choices: {', '.join(FORMATS)})")
    plan.ensure_fits(problem)
    return exporter(problem, plan, out)
