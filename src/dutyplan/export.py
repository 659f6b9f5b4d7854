"""A plan in the formats people open: Excel, CSV, calendars and printable HTML.

Every exporter takes ``(problem, plan, out)`` and returns the paths it wrote:

* :func:`to_excel`: one ``.xlsx`` workbook, a person x date roster sheet per site, then
  ``Uncovered``, ``People`` and ``Assignments`` (needs pandas and openpyxl);
* :func:`to_csv`: ``assignments.csv``, ``uncovered.csv``, ``people.csv``, ``coverage.csv`` and
  ``roster_<site id>.csv`` in UTF-8 with a byte order mark, so Excel reads Chinese names right
  (needs pandas);
* :func:`to_ics`: one iCalendar file per person on duty, one event per assignment, in the
  horizon's time zone (floating local time when it has none) (needs icalendar);
* :func:`to_html`: one self-contained printable page per site: the roster, a legend of shift
  types and the gate-shifts left uncovered (needs pandas);
* :func:`export`: any of them by format name (``xlsx``, ``csv``, ``ics``, ``html``).

For ``xlsx`` and ``html``, ``out`` is a file path ending in the suffix, or a directory (the
file is then named after the problem); for ``csv`` and ``ics`` it is a directory. Missing
directories are created. The tables come from :mod:`dutyplan.frames`; nothing here needs
pandas, openpyxl or icalendar until an exporter is called.

Ids and names are data, never markup or formulas, even in a plan or problem built without
validation:

* control characters that XML 1.0 forbids or that terminals act on (U+0000-U+0008, U+000B,
  U+000C, U+000E-U+001F and U+007F-U+009F) are replaced with U+FFFD in every string any
  exporter writes (workbook, CSV, calendar, HTML);
* CSV ("CSV injection", as OWASP recommends): a text cell, header or index label that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a ``'`` in
  front, so a spreadsheet shows it as text instead of running it as a formula; every text
  cell is quoted (a ``,`` inside stays in its cell), and a formula start after a ``;`` inside
  a cell gets a ``'`` too (a locale that splits on ``;`` would start a cell there); numbers
  (negative ones too) are written as they are;
* Excel: every string is stored as a text cell, never as a formula, even when it starts with
  ``=``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import importlib
import os
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutyplan.errors import DutyplanError
from dutyplan.frames import assignments_frame, coverage_frame, people_frame, roster_frame
from dutyplan.problem import WEEKDAYS
from dutyplan.report import display_width

if TYPE_CHECKING:
    import pandas as pd

    from dutyplan.plan import Assignment, Plan
    from dutyplan.problem import Person, Problem, ShiftType, Site

OutPath = str | os.PathLike[str]

TABLES_HINT = "pip install 'dutyplan[tables]'"
CALENDAR_HINT = "pip install 'dutyplan[calendar]'"

PRODID = "-//dutyplan//duty calendar//EN"
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "dutyplan")

EXCEL_TITLE_LENGTH = 31
EXCEL_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EXCEL_DATE_FORMAT = "yyyy-mm-dd"
EXCEL_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
EXCEL_ROSTER_DATE_FORMAT = "ddd mm-dd"
EXCEL_HEADER_FILL = "DDE4EE"
EXCEL_WEEKEND_FILL = "EEEEEE"
EXCEL_MAX_COLUMN_WIDTH = 60

# control characters XML 1.0 forbids (tab, line feed and carriage return are allowed), DEL and
# the C1 controls: each becomes U+FFFD in everything written
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT_CHARACTER = "\ufffd"
# a CSV cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_PREFIX = "'"
# ';' then (spaces or a quote and) a formula start: a new cell where a locale splits on ';'
# (its spreadsheet reads our ',' file without our quotes; a ',' inside quotes is safe)
CSV_INNER_FORMULA = re.compile("""(;)(\\s*["']?)([=+\\-@\t\r])""")

FILE_UNSAFE = re.compile(r"[^\w.-]+")
FILE_STEM_LENGTH = 100
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)
}

HTML_DAYS_PER_TABLE = 14  # one A4 landscape page holds about two weeks of shift codes
HTML_FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Zen Hei", sans-serif'
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# the uncovered gate-shifts are coverage_frame's rows and columns, in the plan's words
UNCOVERED_COLUMNS = [
    "site",
    "site_name",
    "gate",
    "gate_name",
    "date",
    "shift",
    "start",
    "end",
    "demand",
    "assigned",
    "uncovered",
]
UNCOVERED_RENAMED = {"demand": "need", "uncovered": "missing"}


# --------------------------------------------------------------------------- shared helpers


def _require(message: str, *modules: str) -> None:
    """Import ``modules`` or raise :class:`DutyplanError` with ``message`` (an install hint)."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise DutyplanError(message) from None


def _clean(text: str) -> str:
    """``text`` with every control character XML forbids (and DEL and C1) replaced by U+FFFD."""
    return CONTROL_CHARACTERS.sub(REPLACEMENT_CHARACTER, text)


def _file_stem(text: str, fallback: str) -> str:
    """``text`` as a file name stem any file system accepts (letters of any script kept)."""
    stem = FILE_UNSAFE.sub("_", text).strip("._")[:FILE_STEM_LENGTH] or fallback
    if stem.split(".")[0].upper() in WINDOWS_RESERVED:
        stem += "_"
    return stem


def _file_stems(ids: Iterable[str]) -> dict[str, str]:
    """A file name stem per id, distinct even on case-insensitive file systems."""
    used: set[str] = set()
    stems: dict[str, str] = {}
    for item in ids:
        base = stem = _file_stem(item, "item")
        number = 2
        while stem.casefold() in used:
            stem = f"{base}-{number}"
            number += 1
        used.add(stem.casefold())
        stems[item] = stem
    return stems


def _output_file(problem: Problem, out: OutPath, suffix: str) -> Path:
    """``out`` if it ends in ``suffix``, else ``out/<problem name><suffix>``; parents made."""
    path = Path(out)
    if path.suffix.lower() != suffix:
        path = path / f"{_file_stem(problem.name, 'plan')}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _output_dir(out: OutPath, what: str) -> Path:
    """``out`` as a directory, created if missing."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise DutyplanError(f"{what} export writes into a directory, but {str(path)!r} is a file")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _roster_dates(roster: pd.DataFrame) -> list[dt.date]:
    """The dates of a roster frame's columns (ISO strings)."""
    return [dt.date.fromisoformat(column) for column in roster.columns]


def _uncovered_frame(problem: Problem, plan: Plan) -> pd.DataFrame:
    """One row per gate-shift left short (the plan's ``uncovered``), ids and names, in time
    order: site, site_name, gate, gate_name, date, shift, start, end, need, assigned, missing."""
    coverage = coverage_frame(problem, plan)
    short = coverage[coverage["uncovered"] > 0]
    return short[UNCOVERED_COLUMNS].rename(columns=UNCOVERED_RENAMED).reset_index(drop=True)


def _weekday(day: dt.date) -> str:
    """``Mon`` ... ``Sun`` (the same in every locale)."""
    return WEEKDAYS[day.weekday()].capitalize()


def _clock_range(shift: ShiftType) -> str:
    """``08:00-15:00``, with ``(+1)`` when the shift ends on the next day."""
    end_minute = shift.start_minute + shift.minutes
    days, minute = divmod(end_minute, 24 * 60)
    end = f"{minute // 60:02d}:{minute % 60:02d}"
    if days and minute:
        end += " (+1)"
    elif days:
        end = "24:00"
    return f"{shift.start:%H:%M}-{end}"


# --------------------------------------------------------------------------- Excel


def to_excel(problem: Problem, plan: Plan, path: OutPath) -> list[Path]:
    """One workbook: a roster sheet per site (people x dates, shift codes), ``Uncovered`` (one
    row per gate-shift left short), ``People`` (figures per person) and ``Assignments``."""
    _require(f"Excel export needs pandas and openpyxl: {TABLES_HINT}", "pandas", "openpyxl")
    from openpyxl import Workbook

    target = _output_file(problem, path, ".xlsx")
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = _clean(problem.name)
    tables = ("Uncovered", "People", "Assignments")
    titles = _sheet_titles([site.label for site in problem.sites], reserved=(*tables, "History"))
    for site, title in zip(problem.sites, titles, strict=True):
        roster = roster_frame(problem, plan, site.id)
        dates = _roster_dates(roster)
        sheet = workbook.create_sheet(title)
        rows = [
            [person, *(code or None for code in codes)]
            for person, *codes in roster.itertuples(name=None)
        ]
        _write_table(sheet, ["person", *dates], rows, header_format=EXCEL_ROSTER_DATE_FORMAT)
        _shade_weekends(sheet, [problem.is_weekend(day) for day in dates])
    uncovered = _uncovered_frame(problem, plan).drop(columns=["site", "gate"])
    uncovered = uncovered.rename(columns={"site_name": "site", "gate_name": "gate"})
    for title, frame in zip(
        tables, (uncovered, people_frame(plan), assignments_frame(plan, problem)), strict=True
    ):
        sheet = workbook.create_sheet(title)
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
        base = EXCEL_TITLE_FORBIDDEN.sub("_", _clean(label)).strip().strip("'") or "Site"
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
        return _clean(value)
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


# --------------------------------------------------------------------------- CSV


def to_csv(problem: Problem, plan: Plan, out_dir: OutPath) -> list[Path]:
    """``assignments.csv``, ``uncovered.csv``, ``people.csv``, ``coverage.csv`` and one
    ``roster_<site id>.csv`` per site, in UTF-8 with a byte order mark (``utf-8-sig``)."""
    _require(f"CSV export needs pandas: {TABLES_HINT}", "pandas")
    directory = _output_dir(out_dir, "CSV")
    tables: list[tuple[str, pd.DataFrame, bool]] = [
        ("assignments", assignments_frame(plan, problem), False),
        ("uncovered", _uncovered_frame(problem, plan), False),
        ("people", people_frame(plan), False),
        ("coverage", coverage_frame(problem, plan), False),
    ]
    stems = _file_stems(site.id for site in problem.sites)
    tables += [
        (f"roster_{stems[site.id]}", roster_frame(problem, plan, site.id), True)
        for site in problem.sites
    ]
    written = []
    for name, frame, with_index in tables:
        path = directory / f"{name}.csv"
        # every text cell quoted: a separator in a name (',' or ';', as some locales split on)
        # never starts a new cell
        csv_safe(frame).to_csv(path, index=with_index, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
        written.append(path)
    return written


def _csv_text(value: Any) -> Any:
    """A CSV cell: text without control characters and, if it would start a formula, with a
    ``'`` in front, also after a ``;`` inside it (a spreadsheet that splits on ``;`` would
    start a cell there); anything else (numbers, dates, empty cells) as it is."""
    if not isinstance(value, str):
        return value
    value = CSV_INNER_FORMULA.sub(rf"\1\2{CSV_TEXT_PREFIX}\3", _clean(value))
    return CSV_TEXT_PREFIX + value if value.startswith(CSV_FORMULA_STARTS) else value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`_csv_text` applied to its text columns, its index (when
    text) and its column and index labels."""
    from pandas.api.types import is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        if is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(_csv_text)
    if is_string_dtype(safe.index.dtype):
        safe.index = safe.index.map(_csv_text)
    safe.index.names = [_csv_text(name) for name in safe.index.names]
    safe.columns = [_csv_text(label) for label in safe.columns]
    return safe


# --------------------------------------------------------------------------- iCalendar


def to_ics(problem: Problem, plan: Plan, out_dir: OutPath) -> list[Path]:
    """One ``<person id>.ics`` per person with duties, one event per assignment.

    Times are in ``problem.horizon.timezone`` (``DTSTART;TZID=...`` with its ``VTIMEZONE``),
    or floating local time when the horizon has no time zone. Each event's UID is derived
    from the problem name, person, date, shift, site and gate, so exporting the same plan
    again gives the same UIDs (calendar apps update instead of duplicating).
    """
    _require(f"calendar export needs icalendar: {CALENDAR_HINT}", "icalendar")
    directory = _output_dir(out_dir, "calendar")
    duties: dict[str, list[Assignment]] = defaultdict(list)
    for assignment in plan.assignments:
        duties[assignment.person].append(assignment)
    on_duty = [person for person in problem.people if person.id in duties]
    stems = _file_stems(person.id for person in on_duty)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = []
    for person in on_duty:
        calendar = _person_calendar(problem, person, duties[person.id], stamp)
        path = directory / f"{stems[person.id]}.ics"
        path.write_bytes(calendar.to_ical())
        written.append(path)
    return written


def _person_calendar(
    problem: Problem, person: Person, duties: list[Assignment], stamp: dt.datetime
) -> Any:
    """A VCALENDAR with one VEVENT per duty of ``person``."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    zone_name = problem.horizon.timezone
    zone = ZoneInfo(zone_name) if zone_name else None
    sites = {site.id: site for site in problem.sites}
    gates = {(site.id, gate.id): gate for site in problem.sites for gate in site.gates}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _clean(f"{person.label} · {problem.name}"))
    if zone_name:
        calendar.add("x-wr-timezone", zone_name)
    for duty in duties:
        site = sites[duty.site]
        event = Event()
        event.add("uid", _event_uid(problem, duty))
        event.add("dtstamp", stamp)
        event.add("dtstart", duty.start.replace(tzinfo=zone))
        event.add("dtend", duty.end.replace(tzinfo=zone))
        label = problem.shift_type(duty.shift).label
        summary = f"{label} · {gates[(duty.site, duty.gate)].label} · {site.label}"
        event.add("summary", _clean(summary))
        event.add("location", _clean(site.label))
        if site.location is not None:
            event.add("geo", (site.location.lat, site.location.lon))
        calendar.add_component(event)
    if zone is not None:
        # VTIMEZONE rules for the horizon, a day either side (shifts may cross midnight)
        calendar.add_missing_timezones(
            first_date=problem.horizon.start - dt.timedelta(days=1),
            last_date=problem.last_date + dt.timedelta(days=2),
        )
    return calendar


def _event_uid(problem: Problem, duty: Assignment) -> str:
    """A stable UID: the same problem, person, date, shift, site and gate give the same UID."""
    key = "\x1f".join(
        (problem.name, duty.person, duty.date.isoformat(), duty.shift, duty.site, duty.gate)
    )
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@dutyplan"


# --------------------------------------------------------------------------- HTML


def to_html(problem: Problem, plan: Plan, path: OutPath) -> list[Path]:
    """One printable HTML file, a page per site (A4 landscape): the roster (people x dates,
    weekends shaded), a legend of shift types (and gates, where a site has several) and the
    site's uncovered gate-shifts. Self-contained, UTF-8, and well-formed XML as well as HTML."""
    _require(f"HTML export needs pandas: {TABLES_HINT}", "pandas")
    target = _output_file(problem, path, ".html")
    uncovered = _uncovered_frame(problem, plan)
    sections = [
        _html_site(
            problem,
            site,
            roster_frame(problem, plan, site.id),
            uncovered[uncovered["site"] == site.id],
        )
        for site in problem.sites
    ]
    title = f"{problem.name}: duty roster {problem.horizon.start} - {problem.last_date}"
    page = [
        "<!DOCTYPE html>",
        f'<html lang="{_language(problem)}">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        '<meta name="generator" content="dutyplan"/>',
        f"<title>{_text(title)}</title>",
        f"<style>{_html_style()}</style>",
        "</head>",
        "<body>",
        *sections,
        "</body>",
        "</html>",
        "",
    ]
    target.write_text("\n".join(page), encoding="utf-8")
    return [target]


def _text(value: object) -> str:
    """Text escaped for HTML and XML (``&``, ``<``, ``>`` and both quotes), control characters
    replaced (see :func:`_clean`)."""
    return html.escape(_clean(str(value)), quote=True)


def _language(problem: Problem) -> str:
    """``zh`` when the names are written in Chinese characters, else ``en`` (the page's own
    words are English)."""
    names = [problem.name, *(s.label for s in problem.sites), *(p.label for p in problem.people)]
    return "zh" if any(HAN.search(name) for name in names) else "en"


def _html_style() -> str:
    return f"""
@page {{ size: A4 landscape; margin: 10mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {HTML_FONTS}; font-size: 10pt; color: #111; margin: 0;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
section.site {{ padding: 4mm 0; break-after: page; page-break-after: always; }}
section.site:last-child {{ break-after: auto; page-break-after: auto; }}
h1 {{ font-size: 16pt; margin: 0 0 1mm 0; }}
h2 {{ font-size: 11pt; margin: 4mm 0 1mm 0; }}
p.subtitle {{ margin: 0 0 3mm 0; color: #444; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #999; padding: 1mm 1.5mm; }}
table.roster {{ width: 100%; table-layout: fixed; margin-bottom: 2mm; break-inside: avoid; }}
table.roster th.person {{ width: 24mm; text-align: left; }}
table.roster thead th {{ font-size: 8pt; background: #dde4ee; }}
table.roster td {{ text-align: center; font-size: 8.5pt; white-space: nowrap; overflow: hidden; }}
table.roster .weekend {{ background: #e6e6e6; }}
table.roster thead th.weekend {{ background: #c9d1dc; }}
div.notes {{ display: flex; flex-wrap: wrap; gap: 8mm; align-items: flex-start; }}
table.legend, table.uncovered {{ font-size: 8.5pt; }}
table.legend th, table.uncovered th {{ background: #eee; text-align: left; }}
td.number {{ text-align: right; }}
p.none {{ color: #444; margin: 1mm 0; }}
"""


def _html_site(problem: Problem, site: Site, roster: pd.DataFrame, uncovered: pd.DataFrame) -> str:
    """The page of one site: title, roster tables, legend, uncovered gate-shifts."""
    horizon = problem.horizon
    subtitle = f"{problem.name} · {horizon.start} – {problem.last_date} ({horizon.days} days)"
    if horizon.timezone:
        subtitle += f" · {horizon.timezone}"
    parts = [
        f'<section class="site" data-site="{_text(site.id)}">',
        f"<h1>{_text(site.label)}</h1>",
        f'<p class="subtitle">{_text(subtitle)}</p>',
    ]
    if roster.empty:
        parts.append('<p class="none">Nobody is on duty at this site.</p>')
    else:
        for first in range(0, roster.shape[1], HTML_DAYS_PER_TABLE):
            parts.append(_html_roster(problem, roster.iloc[:, first : first + HTML_DAYS_PER_TABLE]))
    parts.append('<div class="notes">')
    parts.append(_html_legend(problem, site))
    parts.append(_html_uncovered(problem, uncovered))
    parts += ["</div>", "</section>"]
    return "\n".join(parts)


def _html_roster(problem: Problem, roster: pd.DataFrame) -> str:
    """A roster table: a row per person, a column per date (weekday and date), shift codes."""
    dates = _roster_dates(roster)
    weekend = ["weekend" if problem.is_weekend(day) else "workday" for day in dates]
    head = "".join(
        f'<th class="{kind}" scope="col">{_weekday(day)}<br/>{day:%m-%d}</th>'
        for day, kind in zip(dates, weekend, strict=True)
    )
    rows = []
    for person, *codes in roster.itertuples(name=None):
        cells = "".join(
            f'<td class="{kind}">{_text(code)}</td>'
            for code, kind in zip(codes, weekend, strict=True)
        )
        rows.append(f'<tr><th class="person" scope="row">{_text(person)}</th>{cells}</tr>')
    return "\n".join(
        [
            '<table class="roster">',
            f'<thead><tr><th class="person" scope="col">Person</th>{head}</tr></thead>',
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
        ]
    )


def _html_legend(problem: Problem, site: Site) -> str:
    """Shift types (id, name, clock times) and, where the roster shows gate ids, the gates."""
    rows = [
        f"<tr><td>{_text(s.id)}</td><td>{_text(s.name or '')}</td>"
        f"<td>{_text(_clock_range(s))}</td></tr>"
        for s in problem.shift_types
    ]
    legend = [
        '<table class="legend">',
        '<thead><tr><th colspan="3">Shift types</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]
    if len(site.gates) > 1:
        gate_rows = [
            f"<tr><td>{_text(g.id)}</td><td>{_text(g.name or '')}</td></tr>" for g in site.gates
        ]
        legend += [
            '<table class="legend">',
            '<thead><tr><th colspan="2">Gates</th></tr></thead>',
            "<tbody>",
            *gate_rows,
            "</tbody>",
            "</table>",
        ]
    return "\n".join(legend)


def _html_uncovered(problem: Problem, uncovered: pd.DataFrame) -> str:
    """The site's gate-shifts left short, or a line saying every one is covered."""
    if uncovered.empty:
        return (
            '<div class="uncovered"><h2>Uncovered</h2>'
            '<p class="none">Every gate-shift is covered.</p></div>'
        )
    header = "".join(
        f"<th>{name}</th>"
        for name in ("Date", "Shift", "Gate", "Time", "Need", "Assigned", "Missing")
    )
    rows = []
    for row in uncovered.itertuples(index=False):
        day = row.date
        shift = problem.shift_type(row.shift)
        cells = [
            f"<td>{_weekday(day)} {day}</td>",
            f"<td>{_text(shift.id)}</td>",
            f"<td>{_text(row.gate_name)}</td>",
            f"<td>{_text(_clock_range(shift))}</td>",
            *(
                f'<td class="number">{value}</td>'
                for value in (row.need, row.assigned, row.missing)
            ),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    shifts, missing = len(uncovered), int(uncovered["missing"].sum())
    people = "person" if missing == 1 else "people"
    title = f"Uncovered: {shifts} gate-shift{'s' * (shifts != 1)}, {missing} {people} short"
    return "\n".join(
        [
            '<div class="uncovered">',
            f"<h2>{title}</h2>",
            '<table class="uncovered">',
            f"<thead><tr>{header}</tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</div>",
        ]
    )


# --------------------------------------------------------------------------- by name

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


__all__ = ["FORMATS", "export", "to_csv", "to_excel", "to_html", "to_ics"]
