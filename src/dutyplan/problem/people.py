"""Who may work: availability, preferences, past duties and people."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from dutyplan.problem.fields import Id, Name, PositiveWeight, ProblemPart
from dutyplan.problem.geography import Coordinates
from dutyplan.problem.rules import PERSON_ONLY_FORBIDDEN, LimitValue, Rules


class Unavailable(ProblemPart):
    """A date (all shifts) or one shift on a date when a person cannot work."""

    date: dt.date
    shift: str | None = None


def _unavailable_value(value: Any) -> Any:
    if isinstance(value, (str, dt.date)):
        return {"date": value}
    return value


class Preference(ProblemPart):
    """A wish with a weight (cost when it is not met).

    * ``kind="site"``: ``want=True`` costs ``weight`` per shift worked at another site;
      ``want=False`` costs ``weight`` per shift worked at ``site``.
    * ``kind="shift"``: with a ``date``, ``want=True`` costs ``weight`` if the person does not
      work ``shift`` that date and ``want=False`` costs ``weight`` if they do. Without a date,
      ``want=True`` costs ``weight`` per shift worked of another type and ``want=False`` per
      shift of that type.
    * ``kind="day_off"`` (``date`` required): ``want=True`` costs ``weight`` if the person works
      any shift starting that date; ``want=False`` costs ``weight`` if they work none.
    """

    kind: Literal["site", "shift", "day_off"]
    site: str | None = None
    shift: str | None = None
    date: dt.date | None = None
    want: bool = True
    weight: PositiveWeight = 1

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Preference:
        if self.kind == "site" and self.site is None:
            raise ValueError("a site preference needs 'site'")
        if self.kind == "shift" and self.shift is None:
            raise ValueError("a shift preference needs 'shift'")
        if self.kind == "day_off" and self.date is None:
            raise ValueError("a day_off preference needs 'date'")
        return self


class PastDuty(ProblemPart):
    """A shift a person worked before the horizon (for rules across the seam)."""

    date: dt.date
    shift: str


class Person(ProblemPart):
    """Someone who can be posted: a cadre, community worker, grid worker, volunteer..."""

    id: Id
    name: Name | None = None
    unit: Name | None = Field(default=None, description="employer or home unit")
    roles: list[Id] = Field(default_factory=list)
    home: Coordinates | None = None
    unavailable: list[Annotated[Unavailable, BeforeValidator(_unavailable_value)]] = Field(
        default_factory=list
    )
    preferences: list[Preference] = Field(default_factory=list)
    rules: Rules | None = Field(
        default=None,
        description="overrides of the global rules: only the fields given here (null switches a rule off)",
    )
    history: list[PastDuty] = Field(
        default_factory=list,
        description="shifts worked before the horizon; rest, successions, runs and 7-day "
        "windows count them (see docs/rules.md, 'History')",
    )
    history_from: dt.date | None = Field(
        default=None,
        description="first date the history is complete from (dates from it to the horizon "
        "start without a duty were off); default: the earliest history date",
    )
    max_households: LimitValue | None = Field(
        default=None,
        description="caseloads: households answered for on any one date, at most (the N of "
        "'1+N'); soft: cost per household over, per date. Without it and max_household_people "
        "the person takes no households",
    )
    max_household_people: LimitValue | None = Field(
        default=None,
        description="caseloads: people in the households answered for on any one date, at most; "
        "soft: cost per person over, per date",
    )
    communities: list[Id] | None = Field(
        default=None, description="caseloads: the sites whose households they may take (default: any)"
    )
    languages: list[Id] = Field(default_factory=list, description="languages spoken (households may ask for one)")
    deputy: Id | None = Field(
        default=None, description="caseloads: the person who answers for their households on dates they are away",
    )

    @property
    def takes_households(self) -> bool:
        """Has a caseload capacity (the N): only such people answer for households."""
        return self.max_households is not None or self.max_household_people is not None

    @property
    def label(self) -> str:
        return self.name or self.id

    def history_start(self, horizon_start: dt.date) -> dt.date:
        """First date of the known history (the horizon start when there is none)."""
        if self.history_from is not None:
            return min(self.history_from, horizon_start)
        return min((d.date for d in self.history), default=horizon_start)

    @field_serializer("rules")
    def _overrides_only(self, value: Rules | None) -> dict[str, Any] | None:
        # only the fields given count as overrides, so only those are written
        return None if value is None else value.model_dump(mode="json", exclude_unset=True)

    @field_validator("rules")
    @classmethod
    def _no_team_rules(cls, value: Rules | None) -> Rules | None:
        if value is not None:
            for field in PERSON_ONLY_FORBIDDEN:
                if field in value.model_fields_set:
                    raise ValueError(f"'{field}' is a team rule and can only be set globally")
        return value
