"""Caseloads ("1+N"): households under home watch, each answerable to one person for its watch.

The Yanji report (../shared/domain.md): one cadre answers for N home-quarantined households
for their 14 days: two phone check-ins a day (temperature reports) and one evening visit in
person to check the door seal, beside the gate duties the same cadres may stand.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from dutyplan.problem.fields import MAX_NEED, Id, Name, PositiveWeight, ProblemPart, Weight
from dutyplan.problem.sites import parse_clock

#: the longest watch of one household (a year: the report's is 14 days)
MAX_WATCH_DAYS = 366


class Household(ProblemPart):
    """A household under watch at home, in a community (a site), from its arrival date.

    It is watched on ``watch_days`` dates from ``arrival`` (those in the horizon count; an
    arrival before the horizon start is a caseload already running). ``role``: the person
    answering for it must have it (e.g. ``health`` for a household with a vulnerable member);
    ``language``: they must speak it. ``under_weight``: cost of each watched date while nobody
    answers for it (default ``priority`` x 480, an 8-hour gate-shift missed at that priority).
    """

    id: Id
    name: Name | None = None
    address: Name | None = Field(default=None, description="where to visit (building, unit, floor)")
    site: Id = Field(description="the community (a site id) the household lives in")
    people: int = Field(default=1, ge=1, le=MAX_NEED, description="people in the household")
    arrival: dt.date
    watch_days: int = Field(default=14, ge=1, le=MAX_WATCH_DAYS)
    role: Id | None = None
    language: Id | None = None
    priority: int = Field(default=1, ge=1, le=1_000_000)
    under_weight: Weight | None = None

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def last_date(self) -> dt.date:
        return self.arrival + dt.timedelta(days=self.watch_days - 1)

    @property
    def missed_weight(self) -> int:
        """Cost of each watched date with nobody answering for the household."""
        return self.under_weight if self.under_weight is not None else self.priority * 480


class CaseloadTasks(ProblemPart):
    """What one household asks of the person answering for it on each watched date (defaults
    from the Yanji report): ``calls`` phone check-ins of ``call_minutes`` each (made from
    anywhere, at any time of the day) and one visit in person of ``visit_minutes`` between
    ``visit_from`` and ``visit_until`` (the evening round to check the door seal)."""

    calls: int = Field(default=2, ge=0, le=48)
    call_minutes: int = Field(default=5, ge=0, le=24 * 60)
    visit_minutes: int = Field(default=20, ge=0, le=24 * 60)
    visit_from: Annotated[dt.time, BeforeValidator(parse_clock)] = dt.time(18, 0)
    visit_until: Annotated[dt.time, BeforeValidator(parse_clock)] = dt.time(21, 0)
    change_weight: PositiveWeight = Field(
        default=1, description="re-planning: cost per watched date left of a household given to someone else"
    )
    dispatch_weight: Weight = Field(
        default=0, description="fewest people dispatched: cost per person and date with households to "
        "answer for (fairness level; default 0, off)",
    )

    @model_validator(mode="after")
    def _window_in_one_day(self) -> CaseloadTasks:
        if self.window_minutes < self.visit_minutes:
            raise ValueError(
                f"visit_from {self.visit_from} to visit_until {self.visit_until} leaves "
                f"{self.window_minutes} minutes, less than visit_minutes {self.visit_minutes}"
            )
        return self

    @property
    def window_start(self) -> int:
        """The visit window's start, in minutes from the date's midnight."""
        return self.visit_from.hour * 60 + self.visit_from.minute

    @property
    def window_minutes(self) -> int:
        end = self.visit_until.hour * 60 + self.visit_until.minute
        return max(0, end - self.window_start)

    @property
    def day_minutes(self) -> int:
        """Minutes one household takes on a watched date (calls and visit, without travel)."""
        return self.calls * self.call_minutes + self.visit_minutes


__all__ = ["MAX_WATCH_DAYS", "CaseloadTasks", "Household"]
