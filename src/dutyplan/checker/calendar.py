"""One person's time, as the checker sees it: duties and worked shift instances in whole minutes
from the horizon start, the calendar of dates, the known dates before the horizon, and the
words for lengths of time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dutyplan.plan import Assignment
from dutyplan.problem import ShiftType

DAY_MINUTES = 24 * 60

#: An instance named in a finding: ``(day index, shift type id)``.
InstanceKey = tuple[int, str]


@dataclass(slots=True)
class Duty:
    """A known assignment with indices and times in minutes from the horizon start."""

    assignment: Assignment
    person: int
    site: int
    gate: int
    day: int
    shift: ShiftType
    start: int
    end: int
    km: int = 0  # whole km of the round trip (rounded half up)
    cmin: int = 0  # whole minutes of the round trip (rounded half up)


@dataclass(slots=True)
class Instance:
    """A shift instance worked by one person."""

    day: int
    shift: ShiftType
    start: int
    end: int


@dataclass(slots=True)
class Days:
    """One person's calendar over the horizon, from their worked instances."""

    instances: list[Instance]
    worked: list[bool]  # a shift starts on the date
    night: list[bool]  # a night shift starts on the date
    shifts: list[int]  # shifts starting on the date
    minutes: list[int]  # minutes of the shifts starting on the date
    worked_set: set[tuple[int, str]]  # (day, shift id)

    @classmethod
    def of(cls, instances: list[Instance], n_days: int) -> Days:
        days = cls(
            instances,
            [False] * n_days,
            [False] * n_days,
            [0] * n_days,
            [0] * n_days,
            {(i.day, i.shift.id) for i in instances},
        )
        for i in instances:
            days.worked[i.day] = True
            days.night[i.day] = days.night[i.day] or i.shift.is_night
            days.shifts[i.day] += 1
            days.minutes[i.day] += i.shift.minutes
        return days


@dataclass(slots=True)
class Past:
    """A person's known dates before the horizon, oldest first (``Person.history``)."""

    worked: list[bool]
    night: list[bool]
    minutes: list[int]
    instances: list[Instance]  # day < 0, minutes from the horizon start (negative)


def runs_of(flags: Sequence[bool], value: bool = True) -> list[tuple[int, int]]:
    """``(first index, length)`` of each maximal run of ``value`` in ``flags``."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(flags):
        if flag == value:
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(flags) - start))
    return runs


def hours_text(minutes: int) -> str:
    """``'8 h'`` or ``'7 h 30 min'``."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d} min"
