"""The tables every format shares: roster dates, the uncovered gate-shifts, clock times."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from dutyplan.frames import DATE_COLUMNS, coverage_frame
from dutyplan.problem import WEEKDAYS

if TYPE_CHECKING:
    import pandas as pd

    from dutyplan.plan import Plan
    from dutyplan.problem import Problem, ShiftType


TABLES_HINT = "pip install 'dutyplan[tables]'"


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


def roster_dates(roster: pd.DataFrame) -> list[dt.date]:
    """The dates of a roster frame's columns (its ``DatetimeIndex``)."""
    return [column.date() for column in roster.columns]


def plain_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` as files hold it: categoricals as their values, calendar dates
    (midnight ``datetime64``) as dates, clock times in a zone as wall-clock times there (the
    horizon's zone, which the files name where they give times)."""
    import pandas as pd

    plain = frame.copy()
    for column in plain.columns:
        values = plain[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            plain[column] = values.astype(object).where(values.notna(), None)
        elif isinstance(values.dtype, pd.DatetimeTZDtype):
            plain[column] = values.dt.tz_localize(None)
        elif column in DATE_COLUMNS and pd.api.types.is_datetime64_dtype(values.dtype):
            plain[column] = pd.Series(
                [None if pd.isna(v) else v.date() for v in values], index=values.index, dtype=object
            )
    return plain


def uncovered_frame(problem: Problem, plan: Plan) -> pd.DataFrame:
    """One row per gate-shift left short (the plan's ``uncovered``), ids and names, in time
    order: site, site_name, gate, gate_name, date, shift, start, end, need, assigned, missing."""
    coverage = coverage_frame(problem, plan)
    short = coverage[coverage["uncovered"] > 0]
    return short[UNCOVERED_COLUMNS].rename(columns=UNCOVERED_RENAMED).reset_index(drop=True)


def weekday(day: dt.date) -> str:
    """``Mon`` ... ``Sun`` (the same in every locale)."""
    return WEEKDAYS[day.weekday()].capitalize()


def clock_range(shift: ShiftType) -> str:
    """``08:00-15:00``, with ``(+1)`` when the shift ends on the next day."""
    end_minute = shift.start_minute + shift.minutes
    days, minute = divmod(end_minute, 24 * 60)
    end = f"{minute // 60:02d}:{minute % 60:02d}"
    if days and minute:
        end += " (+1)"
    elif days:
        end = "24:00"
    return f"{shift.start:%H:%M}-{end}"
