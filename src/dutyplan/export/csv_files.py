"""CSV files (UTF-8 with a byte order mark), every text cell safe from formulas."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from dutyplan.export.cells import csv_safe
from dutyplan.export.paths import OutPath, file_stems, output_dir, require
from dutyplan.export.tables import TABLES_HINT, roster_dates, uncovered_frame
from dutyplan.frames import (
    assignments_frame,
    caseloads_frame,
    coverage_frame,
    people_frame,
    person_sites_frame,
    roster_frame,
)

if TYPE_CHECKING:
    import pandas as pd

    from dutyplan.plan import Plan
    from dutyplan.problem import Problem


def to_csv(problem: Problem, plan: Plan, out_dir: OutPath) -> list[Path]:
    """``assignments.csv``, ``uncovered.csv``, ``people.csv``, ``person_sites.csv`` (a row per
    person and site worked), ``coverage.csv``, ``caseloads.csv``
    (with households) and one ``roster_<site id>.csv`` per site, in UTF-8 with a byte order
    mark (``utf-8-sig``)."""
    require(f"CSV export needs pandas: {TABLES_HINT}", "pandas")
    directory = output_dir(out_dir, "CSV")
    tables: list[tuple[str, pd.DataFrame, bool]] = [
        ("assignments", assignments_frame(plan, problem), False),
        ("uncovered", uncovered_frame(problem, plan), False),
        ("people", people_frame(plan, problem), False),
        ("person_sites", person_sites_frame(plan, problem), False),
        ("coverage", coverage_frame(problem, plan), False),
    ]
    if problem.households:
        tables.append(("caseloads", caseloads_frame(problem, plan), False))
    stems = file_stems(site.id for site in problem.sites)
    for site in problem.sites:
        roster = roster_frame(problem, plan, site.id)
        roster.columns = [day.isoformat() for day in roster_dates(roster)]
        tables.append((f"roster_{stems[site.id]}", roster, True))
    written = []
    for name, frame, with_index in tables:
        path = directory / f"{name}.csv"
        # every text cell quoted: a separator in a name (',' or ';', as some locales split on)
        # never starts a new cell
        csv_safe(frame).to_csv(path, index=with_index, encoding="utf-8-sig", quoting=csv.QUOTE_NONNUMERIC)
        written.append(path)
    return written
