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
from dutyplan.export.paths import OutPath, output_dir

if TYPE_CHECKING:
    from dutyplan.plan import Plan
    from dutyplan.problem import Problem


EXPORTERS: dict[str, Callable[[Problem, Plan, OutPath], list[Path]]] = {
    "xlsx": to_excel,
    "csv": to_csv,
    "ics": to_ics,
    "html": to_html,
}


FORMATS = (*EXPORTERS, "all")


def export(problem: Problem, plan: Plan, fmt: str, out: OutPath) -> list[Path]:
    """Export ``plan`` as ``fmt`` (``xlsx``, ``csv``, ``ics``, ``html``, or ``all`` of them) to
    ``out``; return the paths written. See the module docstring for what ``out`` may be;
    ``all`` writes into the directory ``out``: ``<problem>.xlsx``, ``<problem>.html``, ``csv/``
    and ``ics/``. A plan of another problem (unknown people, sites, gates, shift types or
    dates) raises :class:`~dutyplan.errors.PlanFileError`."""
    if fmt != "all" and fmt not in EXPORTERS:
        raise DutyplanError(f"unknown export format {fmt!r} (choices: {', '.join(FORMATS)})")
    plan.ensure_fits(problem)
    if fmt != "all":
        return EXPORTERS[fmt](problem, plan, out)
    directory = output_dir(out, "'all'")
    written: list[Path] = []
    for name, exporter in EXPORTERS.items():
        written += exporter(problem, plan, directory / name if name in ("csv", "ics") else directory)
    return written
