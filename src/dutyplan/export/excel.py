"""An ``.xlsx`` workbook: a roster sheet per site, then uncovered, people and assignments."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutyplan.export.cells import clean
from dutyplan.export.paths import OutPath, output_file, require
from dutyplan.export.tables import TABLES_HINT, roster_dates, uncovered_frame
from dutyplan.frames import assignments_frame, caseloads_frame, people_frame, roster_frame
from dutyplan.report import display_width

if TYPE_CHECKING:
    from dutyplan.plan import Plan
    from dutyplan.problem import Problem


EXCEL_TITLE_LENGTH = 31
EXCEL_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EXCEL_DATE_FORMAT = "yyyy-mm-dd"
EXCEL_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
EXCEL_ROSTER_DATE_FORMAT = "ddd mm-dd"
EXCEL_HEADER_FILL = "DDE4EE"
EXCEL_WEEKEND_FILL = "EEEEEE"
EXCEL_MAX_COLUMN_WIDTH = 60


def to_excel(problem: Problem, plan: Plan, path: OutPath) -> list[Path]:
    """One workbook: a roster sheet per site (people x dates, shift codes), ``Uncovered`` (one
    row per gate-shift left short), ``People`` (figures per person), ``Assignments`` and, with
    households, ``Caseloads`` (who answers for each)."""
    require(f"Excel export needs pandas and openpyxl: {TABLES_HINT}", "pandas", "openpyxl")
    from openpyxl import Workbook

    target = output_file(problem, path, ".xlsx")
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = clean(problem.name)
    tables = ("Uncovered", "People", "Assignments")
    titles = _sheet_titles([site.label for site in problem.sites], reserved=(*tables, "History", "Caseloads"))
    for site, title in zip(problem.sites, titles, strict=True):
        roster = roster_frame(problem, plan, site.id)
        dates = roster_dates(roster)
        sheet = workbook.create_sheet(title)
        rows = [
            [person, *(code or None for code in codes)]
            for person, *codes in roster.itertuples(name=None)
        ]
        _write_table(sheet, ["person", *dates], rows, header_format=EXCEL_ROSTER_DATE_FORMAT)
        _shade_weekends(sheet, [problem.is_weekend(day) for day in dates])
    uncovered = uncovered_frame(problem, plan).drop(columns=["site", "gate"])
    uncovered = uncovered.rename(columns={"site_name": "site", "gate_name": "gate"})
    for title, frame in zip(
        tables, (uncovered, people_frame(plan), assignments_frame(plan, problem)), strict=True
    ):
        sheet = workbook.create_sheet(title)
        _write_table(sheet, list(frame.columns), frame.itertuples(index=False, name=None))
        sheet.auto_filter.ref = sheet.dimensions
    if problem.households:  # who answers for each household under watch
        frame = caseloads_frame(problem, plan)
        sheet = workbook.create_sheet("Caseloads")
        _write_table(sheet, list(frame.columns), frame.itertuples(index=False, name=None))
        sheet.auto_filter.ref = sheet.dimensions
    workbook.save(target)
    return [target]


def _sheet_titles(labels: Sequence[str], reserved: Iterable[str]) -> list[str]:
    """Valid, distinct Excel sheet titles: at most 31 characters, none of ``[]:*?/\\``, no
    leading or trailing apostrophe, different (ignoring case) from each other and ``reserved``."""
    used = {title.casefold() for title in reserved}
    titles = []
    for label in labels:
        base = EXCEL_TITLE_FORBIDDEN.sub("_", clean(label)).strip().strip("'") or "Site"
        title = base[:EXCEL_TITLE_LENGTH]
        number = 2
        while title.casefold() in used:
            suffix = f" ({number})"
            title = base[: EXCEL_TITLE_LENGTH - len(suffix)] + suffix
            number += 1
        used.add(title.casefold())
        titles.append(title)
    return titles


def _excel_value(value: Any) -> Any:
    """A pandas or numpy cell as a value openpyxl writes (missing -> empty cell, text without
    control characters)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, str):
        return clean(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN: an empty cell
        return None
    return value


def _write_table(
    sheet: Any, header: list[Any], rows: Iterable[Sequence[Any]], header_format: str | None = None
) -> None:
    """Write a header row and rows: bold header, header row and first column frozen, dates
    and times as Excel dates, text as text (never a formula), column widths fitted to the
    longest value."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append([_excel_value(value) for value in header])
    for row in rows:
        sheet.append([_excel_value(value) for value in row])
    header_fill = PatternFill("solid", fgColor=EXCEL_HEADER_FILL)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "B2"
    for index, column in enumerate(sheet.iter_cols(), start=1):
        width = 0
        for cell in column:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl makes a formula of text starting with "="
            if isinstance(cell.value, dt.datetime):
                cell.number_format = EXCEL_DATETIME_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = (
                    header_format if cell.row == 1 and header_format else EXCEL_DATE_FORMAT
                )
            width = max(width, _excel_width(cell.value, cell.number_format))
        sheet.column_dimensions[get_column_letter(index)].width = min(
            width + 2, EXCEL_MAX_COLUMN_WIDTH
        )


def _excel_width(value: Any, number_format: str) -> int:
    """Characters a cell shows (a wide CJK character counts two)."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return len(number_format)
    return display_width(str(value))


def _shade_weekends(sheet: Any, weekend: list[bool]) -> None:
    """Shade the roster's weekend date columns (column 2 onwards)."""
    from openpyxl.styles import PatternFill

    fill = PatternFill("solid", fgColor=EXCEL_WEEKEND_FILL)
    for column, is_weekend in enumerate(weekend, start=2):
        if not is_weekend:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.fill = fill
