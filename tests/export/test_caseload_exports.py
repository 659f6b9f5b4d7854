"""Caseloads in every export: the CSV table, the Excel sheet, the visits in each person's
calendar and the booklet's page of households, re-read and compared with the plan; formula-like
household text stays text."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import dutyplan
from dutyplan.export import to_csv, to_excel, to_html, to_ics
from dutyplan.plan import Plan
from dutyplan.problem import Problem

DDE = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = dutyplan.load_example("yanji")
    # a household whose name and address a spreadsheet would run as formulas
    households = [problem.households[0].model_copy(update={"name": DDE, "address": "+1+1"}),
                  *problem.households[1:]]
    problem = problem.model_copy(update={"households": households})
    plan = dutyplan.solve(problem, time_limit=20, workers=2, seed=0, progress=False)
    assert len(plan.caseloads) == 25
    return problem, plan


def test_csv_caseloads_equal_the_plan(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    problem, plan = solved
    paths = to_csv(problem, plan, tmp_path)
    assert tmp_path / "caseloads.csv" in paths
    with open(tmp_path / "caseloads.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["household"]: r["person"] for r in rows} == plan.answers
    first = next(r for r in rows if r["household"] == problem.households[0].id)
    assert first["name"] == "'" + DDE and first["address"] == "'+1+1"


def test_excel_has_a_caseloads_sheet(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    problem, plan = solved
    (path,) = to_excel(problem, plan, tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(path)["Caseloads"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    got = {r[header.index("household")]: r[header.index("person")] for r in rows[1:]}
    assert got == plan.answers
    cell = sheet.cell(row=2, column=header.index("name") + 1)
    assert cell.data_type == "s" and cell.value == DDE  # text, never a formula


def test_calendars_hold_a_visit_for_every_watched_date(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    pytest.importorskip("icalendar")
    problem, plan = solved
    to_ics(problem, plan, tmp_path)
    for person in {c.person for c in plan.caseloads}:
        text = (tmp_path / f"{person}.ics").read_text(encoding="utf-8")
        wanted = sum((c.last - c.first).days + 1 for c in plan.caseloads if c.person == person)
        assert text.count("SUMMARY:visit ") == wanted
        assert "T193000" in text and "T213000" in text  # the visit window 19:30-21:30


def test_booklet_lists_every_household_and_who_answers(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    problem, plan = solved
    (path,) = to_html(problem, plan, tmp_path / "plan.html")
    root = ET.parse(path).getroot()  # well-formed
    section = next(s for s in root.iter("section") if "caseloads" in s.get("class", ""))
    rows = [[(cell.text or "") for cell in row] for row in section.iter("tr")][1:]
    assert len(rows) == 25
    names = {p.id: p.label for p in problem.people}
    labels = {h.id: h.label for h in problem.households}
    assert sorted((r[0], r[1]) for r in rows) == sorted((names[p], labels[h]) for h, p in plan.answers.items())


def test_map_shows_households_and_who_answers(solved: tuple[Problem, Plan], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from dutyplan.plots import plot_map

    problem, plan = solved
    figure = plot_map(problem, plan)
    gids = [artist.get_gid() or "" for ax in figure.axes for artist in ax.get_children()]
    answering = {(c.person, c.site) for c in plan.caseloads}
    assert {g.split(":", 1)[1] for g in gids if g.startswith("caseload:")} == {f"{p}:{k}" for p, k in answering}
    assert "households:jianshe" in gids
    assert "25 of 25 households answered for" in figure.axes[0].get_title()
