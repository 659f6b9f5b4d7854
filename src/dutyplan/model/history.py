"""Shifts worked before the horizon (``Person.history``), as the rule families that reach
across the seam read them (docs/rules.md, "History")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class PastCalendar:
    """A person's known days before the horizon, oldest first (from ``Person.history``)."""

    worked: list[bool]
    night: list[bool]
    minutes: list[int]
    instances: list[tuple[int, int, int, str]]  # (day index < 0, start, end minute, shift id)


def past_calendar(ix: Any, p: int) -> PastCalendar:
    problem = ix.problem
    person = problem.people[p]
    start = problem.horizon.start
    before = (start - person.history_start(start)).days
    calendar = PastCalendar([False] * before, [False] * before, [0] * before, [])
    shifts = {s.id: s for s in problem.shift_types}
    for duty in person.history:
        d = (duty.date - start).days  # negative
        shift = shifts[duty.shift]
        i = before + d
        calendar.worked[i] = True
        calendar.night[i] = calendar.night[i] or shift.is_night
        calendar.minutes[i] += shift.minutes
        begin = d * 24 * 60 + shift.start_minute
        calendar.instances.append((d, begin, begin + shift.minutes, shift.id))
    return calendar
