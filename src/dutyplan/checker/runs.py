"""Runs of days: maximum and minimum consecutive days worked and days off, maximum consecutive
nights, with the history before the horizon (docs/rules.md). The model side is
:mod:`dutyplan.model.runs`."""

from __future__ import annotations

import datetime as dt


from dutyplan.checker.calendar import Days, Past, runs_of
from dutyplan.checker.state import CheckState
from dutyplan.problem import Rules


def check_runs(checker: CheckState, p: int, rules: Rules, days: Days, past: Past) -> None:
    """Runs of worked dates, days off and night dates (Curtois convention), the known
    dates before the horizon included: a run too long counts when it reaches into the
    horizon, a run too short when the day that ends it is in the horizon, and one touching
    the first known date or the horizon's last is never too short."""
    who = checker.who(p)
    before = len(past.worked)
    worked = past.worked + days.worked
    last = len(worked) - 1

    def date(i: int) -> str:
        return checker.problem.horizon.start.__add__(dt.timedelta(days=i - before)).isoformat()

    def over(start: int, length: int, most: int) -> int:
        """Dates of a run beyond ``most`` in a row that fall in the horizon."""
        return start + length - max(start + most, before)

    limit = rules.max_consecutive_days
    if limit is not None:
        for start, length in runs_of(worked, True):
            if start + length - 1 < before:
                continue  # all before the horizon
            checker.limit(
                "max_consecutive_days",
                limit,
                over(start, length, limit.value),
                f"{who} works {length} consecutive days {date(start)}.."
                f"{date(start + length - 1)}, more than {limit.value}",
                p,
                max(0, start - before),
            )
    for rule, value, noun in (
        ("min_consecutive_days", True, "consecutive days worked"),
        ("min_consecutive_days_off", False, "consecutive days off"),
    ):
        limit = getattr(rules, rule)
        if limit is None:
            continue
        for start, length in runs_of(worked, value):
            if start == 0 or start + length - 1 == last or start + length < before:
                continue  # touching the known calendar's ends, or ended before the horizon
            checker.limit(
                rule,
                limit,
                limit.value - length,
                f"{who} has only {length} {noun} {date(start)}.."
                f"{date(start + length - 1)}, fewer than {limit.value}",
                p,
                max(0, start - before),
            )
    limit = rules.max_consecutive_nights
    if limit is not None:
        for start, length in runs_of(past.night + days.night, True):
            if start + length - 1 < before:
                continue
            checker.limit(
                "max_consecutive_nights",
                limit,
                over(start, length, limit.value),
                f"{who} works {length} consecutive night dates {date(start)}.."
                f"{date(start + length - 1)}, more than {limit.value}",
                p,
                max(0, start - before),
            )
