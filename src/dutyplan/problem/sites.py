"""What must be staffed: shift types, demand by shift, gates and sites."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from dutyplan.problem.fields import (
    MAX_NEED,
    NIGHT_WINDOW,
    WEEKDAYS,
    Id,
    Name,
    ProblemPart,
    Weekday,
    Weight,
    check_unique,
)
from dutyplan.problem.geography import Coordinates


def parse_clock(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
        raise ValueError("a shift starts before 24:00; use 00:00 for midnight")
    return value


class ShiftType(ProblemPart):
    """A way of cutting the day: starts at ``start`` and lasts ``minutes`` (at most 24 h)."""

    id: Id
    name: Name | None = None
    start: Annotated[dt.time, BeforeValidator(parse_clock)]
    minutes: int = Field(gt=0, le=24 * 60, description="length in minutes, 1..1440")
    night: bool | None = Field(
        default=None, description="night shift; default: it covers some time in 00:00-05:00"
    )

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def is_night(self) -> bool:
        if self.night is not None:
            return self.night
        begin, end = self.start_minute, self.start_minute + self.minutes
        # covers [0, 300) of this day or of the next day
        for offset in (0, 24 * 60):
            lo, hi = NIGHT_WINDOW[0] + offset, NIGHT_WINDOW[1] + offset
            if begin < hi and lo < end:
                return True
        return False

    @property
    def label(self) -> str:
        return self.name or self.id


def default_shift_types() -> list[ShiftType]:
    """Three 8-hour shifts for 24-hour cover: night 00-08, day 08-16, evening 16-24."""
    return [
        ShiftType(id="N", name="night 00-08", start=dt.time(0), minutes=480),
        ShiftType(id="D", name="day 08-16", start=dt.time(8), minutes=480),
        ShiftType(id="E", name="evening 16-24", start=dt.time(16), minutes=480),
    ]


class DemandEntry(ProblemPart):
    """How many people a gate needs in one shift, and what a miss or an extra costs.

    ``under_weight``: cost per missing person (default: gate priority x shift minutes, so a
    missing person costs one unit per person-minute at priority 1). ``over_weight``: cost per
    person beyond ``need``; when neither it nor the gate's ``over_cover_weight`` is set,
    extra people are not allowed.
    """

    need: int = Field(ge=0, le=MAX_NEED)
    under_weight: Weight | None = None
    over_weight: Weight | None = None


def _demand_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("demand must be a number of people, not true/false")
    if isinstance(value, int):
        return {"need": value}
    return value


DemandValue = Annotated[DemandEntry, BeforeValidator(_demand_value)]


DemandTable = dict[str, DemandValue]


class Gate(ProblemPart):
    """An entrance or checkpoint of a site.

    ``demand`` maps shift type id to people needed, every day. ``weekdays``, ``holidays`` and
    ``dates`` replace that whole table on the given weekdays, on the horizon's public holidays,
    or on the given dates (a shift type not listed is closed, need 0). ``dates`` wins over
    ``holidays``, which wins over ``weekdays``. On a make-up working day (``horizon.workdays``)
    the ``weekdays`` tables do not apply: the gate's every-day ``demand`` does.
    """

    id: Id
    name: Name | None = None
    demand: DemandTable = Field(default_factory=dict)
    weekdays: dict[Weekday, DemandTable] = Field(default_factory=dict)
    dates: dict[dt.date, DemandTable] = Field(default_factory=dict)
    holidays: DemandTable | None = Field(
        default=None, description="the demand on public holidays (horizon.holidays, horizon.country)"
    )
    priority: int = Field(default=1, ge=1, le=1_000_000)
    over_cover_weight: Weight | None = None
    role: Id | None = Field(default=None, description="role everyone posted here must have")

    @property
    def label(self) -> str:
        return self.name or self.id

    def table_for(self, day: dt.date, holiday: bool = False, make_up_workday: bool = False) -> DemandTable:
        """The table in force on ``day``; whether it is a public holiday or a make-up working
        day is the horizon's to say (:meth:`Problem.table_for` asks it)."""
        if day in self.dates:
            return self.dates[day]
        if holiday and self.holidays is not None:
            return self.holidays
        weekday = WEEKDAYS[day.weekday()]
        if weekday in self.weekdays and not make_up_workday:
            return self.weekdays[weekday]  # type: ignore[index]
        return self.demand


class Site(ProblemPart):
    """A community, village or compound with one or more gates."""

    id: Id
    name: Name | None = None
    location: Coordinates | None = None
    gates: list[Gate] = Field(min_length=1)

    @property
    def label(self) -> str:
        return self.name or self.id

    @model_validator(mode="after")
    def _unique_gates(self) -> Site:
        check_unique((g.id for g in self.gates), "gates", "gate")
        return self
