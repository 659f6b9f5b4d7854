"""Totals over the horizon and over rolling windows: minutes, shifts, nights, weekends, days off
(docs/rules.md). The model side is :mod:`dutyplan.model.totals`."""

from __future__ import annotations

import datetime as dt


from dutyplan.checker.calendar import Days, Past, hours_text
from dutyplan.checker.state import CheckState
from dutyplan.problem import Rules


def check_windows(checker: CheckState, p: int, rules: Rules, days: Days, past: Past) -> None:
    """Every window of 7 consecutive known dates with at least one in the horizon (the
    dates before it from the history; none if fewer than 7 are known)."""
    who = checker.who(p)
    limit_off, limit_hours = rules.min_days_off_per_7, rules.max_hours_per_7
    if limit_off is None and limit_hours is None:
        return
    before = len(past.worked)
    worked = past.worked + days.worked
    # the caseload's minutes count in the 7-day hours (docs/rules.md, 'Caseloads')
    minutes_by_date = past.minutes + [m + c for m, c in zip(days.minutes, checker.caseload_min[p])]
    for i in range(max(0, before - 6), before + checker.n_days - 6):
        w = i - before  # the window's first date, as a horizon day index (< 0: before it)
        first = checker.problem.horizon.start + dt.timedelta(days=w)
        window = f"{first}..{first + dt.timedelta(days=6)}"
        if limit_off is not None:
            off = 7 - sum(worked[i : i + 7])
            checker.limit(
                "min_days_off_per_7",
                limit_off,
                limit_off.value - off,
                f"{who} has {off} day(s) off in {window}, fewer than {limit_off.value}",
                p,
                max(0, w),
            )
        if limit_hours is not None:
            minutes = sum(minutes_by_date[i : i + 7])
            checker.limit(
                "max_hours_per_7",
                limit_hours,
                minutes - 60 * limit_hours.value,
                f"{who} works {hours_text(minutes)} in {window}, more than {limit_hours.value} h",
                p,
                max(0, w),
            )


def check_totals(checker: CheckState, p: int, rules: Rules, days: Days) -> None:
    """Minutes, shifts per type and weekends over the whole horizon."""
    who = checker.who(p)
    instances = days.instances
    total = sum(days.minutes)
    if rules.min_minutes is not None:
        checker.limit(
            "min_minutes",
            rules.min_minutes,
            rules.min_minutes.value - total,
            f"{who} works {total} minutes, fewer than {rules.min_minutes.value}",
            p,
        )
    if rules.max_minutes is not None:
        checker.limit(
            "max_minutes",
            rules.max_minutes,
            total - rules.max_minutes.value,
            f"{who} works {total} minutes, more than {rules.max_minutes.value}",
            p,
        )
    for shift_id, limit in rules.max_shifts.items():
        count = sum(1 for i in instances if i.shift.id == shift_id)
        checker.limit(
            "max_shifts",
            limit,
            count - limit.value,
            f"{who} works {count} {checker.shifts[shift_id].label} shifts, more than "
            f"{limit.value}",
            p,
        )
    limit = rules.max_weekends
    if limit is not None:
        weekends = sorted(
            {
                checker.problem.weekend_index(checker.dates[i.day])
                for i in instances
                if checker.problem.is_weekend(checker.dates[i.day])
            }
        )
        checker.limit(
            "max_weekends",
            limit,
            len(weekends) - limit.value,
            f"{who} works on {len(weekends)} weekends, more than {limit.value}",
            p,
        )
