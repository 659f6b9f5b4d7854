"""An ``.xlsx`` workbook: a roster sheet per site, then uncovered, people and assignments."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutyplan.export.cells import clean
from dutyplan.export.paths import OutPath, output_file, require
from dutyplan.export.tables import (
    TABLES_HINT,
    clock_range,
    plain_values,
    roster_dates,
    uncovered_frame,
)
from dutyplan.frames import (
    assignments_frame,
    caseloads_frame,
    people_frame,
    person_sites_frame,
    roster_frame,
)
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
EXCEL_UNCOVERED_FILL = "F4B6B6"
EXCEL_MAX_COLUMN_WIDTH = 60


def to_excel(problem: Problem, plan: Plan, path: OutPath) -> list[Path]:
    """One workbook: ``Summary`` (the solve, the levels, and a row per site linking to its
    sheet, sites with people missing in red), a roster sheet per site (people x dates, shift
    codes; a row of what is uncovered each date, in red; the legend of shift types and gates
    below), ``Uncovered`` (one row per gate-shift left short), ``People`` (figures per person),
    ``Assignments`` and, with households, ``Caseloads`` (who answers for each). Header rows
    and first columns frozen; every sheet prints landscape on A4, one page wide, the header
    row and first column repeated on each page."""
    require(f"Excel export needs pandas and openpyxl: {TABLES_HINT}", "pandas", "openpyxl")
    from openpyxl import Workbook

    target = output_file(problem, path, ".xlsx")
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = clean(problem.name)
    tables = ("Uncovered", "People", "Assignments")
    titles = _sheet_titles(
        [site.label for site in problem.sites], reserved=(*tables, "History", "Caseloads", "Summary")
    )
    summary = workbook.create_sheet("Summary")
    uncovered = uncovered_frame(problem, plan)
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
        _roster_notes(problem, site, sheet, dates, uncovered[uncovered["site"] == site.id])
    short = uncovered.drop(columns=["site", "gate"])
    short = short.rename(columns={"site_name": "site", "gate_name": "gate"})
    frames = (short, _people_with_sites(problem, plan), assignments_frame(plan, problem))
    for title, frame in zip(tables, map(plain_values, frames), strict=True):
        sheet = workbook.create_sheet(title)
        _write_table(sheet, list(frame.columns), frame.itertuples(index=False, name=None))
        sheet.auto_filter.ref = sheet.dimensions
    _fill_column(workbook["Uncovered"], "missing", EXCEL_UNCOVERED_FILL)
    if problem.households:  # who answers for each household under watch
        frame = plain_values(caseloads_frame(problem, plan))
        sheet = workbook.create_sheet("Caseloads")
        _write_table(sheet, list(frame.columns), frame.itertuples(index=False, name=None))
        sheet.auto_filter.ref = sheet.dimensions
    _write_summary(problem, plan, summary, dict(zip((s.id for s in problem.sites), titles, strict=True)))
    for sheet in workbook.worksheets:
        _print_setup(sheet, repeat=sheet is not summary)
    workbook.save(target)
    return [target]


def _write_summary(problem: Problem, plan: Plan, sheet: Any, titles: dict[str, str]) -> None:
    """The first sheet: the problem and the solve, the objective levels, totals, and a row per
    site (the index of the roster sheets: each name links to its sheet)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    result = plan.result
    horizon = problem.horizon
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=EXCEL_HEADER_FILL)
    red = PatternFill("solid", fgColor=EXCEL_UNCOVERED_FILL)
    needed = sum(c.need for c in plan.coverage)
    missing = sum(c.uncovered for c in plan.coverage)
    facts: list[tuple[str, Any]] = [
        ("problem", problem.name),  # the title row
        ("horizon", f"{horizon.start} - {problem.last_date} ({horizon.days} days"
                    f"{', ' + horizon.timezone if horizon.timezone else ''})"),
        ("status", result.status),
        ("stopped because", result.stop_reason or ""),
        ("objective", result.objective),
        ("best bound", result.best_bound),
        ("gap", None if result.gap is None else round(result.gap, 6)),
        ("model built in (s)", round(result.build_seconds, 2)),
        ("solved in (s)", round(result.solve_seconds, 2)),
        ("people on duty", f"{plan.people_on_duty} of {len(problem.people)}"),
        ("person-shifts needed", needed),
        ("person-shifts uncovered", missing),
    ]
    if problem.households:
        facts.append(("households without anyone", len(plan.unwatched)))
    sheet.append(["Duty plan", clean(problem.name)])
    sheet["A1"].font = Font(bold=True, size=14)
    for name, value in facts[1:]:
        sheet.append([name, clean(value) if isinstance(value, str) else value])
        sheet.cell(sheet.max_row, 1).font = bold
        if name == "gap":
            sheet.cell(sheet.max_row, 2).number_format = "0.00%"
        if name == "person-shifts uncovered" and missing:
            sheet.cell(sheet.max_row, 2).fill = red
    sheet.append([])
    sheet.append(["level", "value", "bound", "proven"])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, header_fill
    for level in result.levels:
        sheet.append([level.name, level.value, level.bound, "yes" if level.optimal else ""])
    sheet.append([])
    sheet.append(["site", "id", "gates", "people", "person-shifts needed", "assigned", "uncovered"])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, header_fill
    people_at: dict[str, set[str]] = {}
    for a in plan.assignments:
        people_at.setdefault(a.site, set()).add(a.person)
    by_site: dict[str, list[int]] = {}
    for c in plan.coverage:
        totals = by_site.setdefault(c.site, [0, 0, 0])
        totals[0] += c.need
        totals[1] += c.assigned
        totals[2] += c.uncovered
    for site in problem.sites:
        need, assigned, short = by_site.get(site.id, [0, 0, 0])
        sheet.append([clean(site.label), clean(site.id), len(site.gates),
                      len(people_at.get(site.id, ())), need, assigned, short])
        row = sheet.max_row
        link = sheet.cell(row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{_sheet_reference(titles[site.id])}!A1")
        link.font = Font(color="0563C1", underline="single")
        if short:
            for cell in sheet[row]:
                cell.fill = red
    for cell in sheet["A"] + sheet["B"]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    for letter in "AB":  # names and figures: fitted to the longest, as every table is
        sheet.column_dimensions[letter].width = min(
            max(_excel_width(c.value, c.number_format) for c in sheet[letter]) + 2, EXCEL_MAX_COLUMN_WIDTH
        )
    for letter in "CDEFG":
        sheet.column_dimensions[letter].width = 14


def _sheet_reference(title: str) -> str:
    """A sheet title as a formula reference (quoted; a quote doubled)."""
    return "'" + title.replace("'", "''") + "'"


def _roster_notes(problem: Problem, site: Any, sheet: Any, dates: list[dt.date], short: Any) -> None:
    """Below a roster: a row of what is uncovered each date (red), then the legend of the
    shift codes (and gates, where the site has several)."""
    from openpyxl.styles import Font, PatternFill

    red = PatternFill("solid", fgColor=EXCEL_UNCOVERED_FILL)
    bold = Font(bold=True)
    column_of = {day: column for column, day in enumerate(dates, start=2)}
    several = len(site.gates) > 1
    missing: dict[dt.date, list[str]] = {}
    for row in short.itertuples(index=False):
        code = f"{row.shift}/{row.gate}" if several else f"{row.shift}"
        missing.setdefault(row.date.date(), []).append(f"{code} x{row.missing}")
    sheet.append([])
    sheet.append(["uncovered"])
    row = sheet.max_row
    sheet.cell(row, 1).font = bold
    for day, codes in missing.items():
        cell = sheet.cell(row, column_of[day], "+".join(codes))
        cell.data_type = "s"
        cell.fill = red
    if not missing:
        sheet.cell(row, 2, "none")
    sheet.append([])
    sheet.append(["legend"])
    sheet.cell(sheet.max_row, 1).font = bold
    for shift in problem.shift_types:
        sheet.append([clean(shift.id), clean(shift.label), clock_range(shift)])
    if several:
        for gate in site.gates:
            sheet.append([clean(gate.id), clean(gate.label), "gate"])
    for cells in sheet.iter_rows(min_row=row):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _fill_column(sheet: Any, name: str, color: str) -> None:
    """Fill the cells under the header ``name`` (the uncovered counts, in red)."""
    from openpyxl.styles import PatternFill

    fill = PatternFill("solid", fgColor=color)
    for header in sheet[1]:
        if header.value == name:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=header.column, max_col=header.column):
                cell.fill = fill


def _print_setup(sheet: Any, repeat: bool = True) -> None:
    """Landscape A4, one page wide, the sheet's name and page numbers in the footer; the header
    row and first column repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    if repeat:
        sheet.print_title_rows = "1:1"
        sheet.print_title_cols = "A:A"
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "&P / &N"


def _people_with_sites(problem: Problem, plan: Plan) -> Any:
    """The people frame with, for a reader, the names of the sites each person works at."""
    people = people_frame(plan, problem)
    labels = {site.id: site.label for site in problem.sites}
    where: dict[str, list[str]] = {}
    for row in person_sites_frame(plan, problem).itertuples(index=False):
        where.setdefault(row.person, []).append(labels.get(row.site, row.site))
    sites = [", ".join(where.get(person, [])) for person in people["person"]]
    return people.assign(sites=sites)


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
