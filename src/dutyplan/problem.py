"""The input model: what a planner describes.

A :class:`Problem` holds a planning horizon, shift types, sites with their gates, people and
rules. Everything is a pydantic v2 model, so a problem can be written in Python, JSON or TOML
and every bad value is reported with the field that holds it.

Conventions (shared by the solver and the independent checker, documented in the README):

* A shift *instance* is a shift type on a date; it belongs to the date on which it starts and
  runs from ``date + start`` for ``minutes`` minutes (it may cross midnight).
* Commute figures are **round trip per duty**: ``commute_km[p][s]`` km and
  ``commute_minutes[p][s]`` minutes for person ``p`` to do one duty at site ``s``. From
  coordinates, km = 2 x great-circle distance, minutes = km / ``commute_speed_kmh`` x 60.
  The commute objective counts whole km per duty (rounded half up).
* A rule value ``Limit`` is hard unless it carries a ``weight``; a soft rule costs
  ``weight`` per unit of violation (the unit is given with each rule).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from dutyplan.errors import ProblemError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# "changes" is only in play when re-planning (dutyplan.replan): duties moved from a published plan
LEVELS = ("cover", "changes", "rules", "preferences", "commute", "fairness")
Level = Literal["cover", "changes", "rules", "preferences", "commute", "fairness"]
NIGHT_WINDOW = (0, 5 * 60)  # a shift touching 00:00-05:00 is a night shift by default


# --------------------------------------------------------------------------- input bounds
#: Every count and weight a problem can hold is bounded, so that no objective level of any
#: problem can overflow CP-SAT's 64-bit integer arithmetic (see :func:`check_magnitudes`,
#: which also bounds the worst case of each level for the problem at hand).
MAX_WEIGHT = 10**9  # cost per unit of any weight (a gate's priority x minutes: up to 1.44e9)
MAX_NEED = 10_000  # people one gate-shift needs
MAX_DAYS = 3660  # horizon length (ten years)
MAX_LIMIT = 10**9  # the value of a rule's limit (minutes, hours, days, km...)
MAX_COMMUTE_KM = 100_000.0  # round trip per duty (twice the way round the Earth and more)
MAX_COMMUTE_MINUTES = 100_000.0  # round trip per duty, minutes (about 69 days)
MAX_SPEED_KMH = 10_000.0
MAX_NAME = 1_000  # characters of a name; ids have at most 200
#: ``worst case of the scalar objective`` must stay below this: CP-SAT reports objective
#: values and bounds as doubles, exact up to 2**53.
MAX_OBJECTIVE = 2**53

# control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
# overrides and isolates ("Trojan Source"): never in an id or a name, so that no terminal,
# spreadsheet, calendar or XML file receives them
_FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _plain_text(value: str) -> str:
    found = _FORBIDDEN_CHARS.search(value)
    if found is not None:
        char = found.group()
        raise ValueError(
            f"control character U+{ord(char):04X} at position {found.start()} is not allowed "
            "in ids and names"
        )
    return value


def _number_not_text(value: Any) -> Any:
    """A weight is a number: ``true`` or ``"30"`` are refused, not read as 1 or 30."""
    if isinstance(value, (bool, str)):
        raise ValueError(f"a weight is a whole number, not {type(value).__name__}")
    return value


Id = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_text)]
Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_plain_text)]
Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT), BeforeValidator(_number_not_text)]
PositiveWeight = Annotated[int, Field(ge=1, le=MAX_WEIGHT), BeforeValidator(_number_not_text)]


def validation_details(error: ValidationError) -> list[tuple[str, str]]:
    """``(field.path, message)`` pairs of a pydantic error, nested errors flattened."""
    details: list[tuple[str, str]] = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"])
        inner = (item.get("ctx") or {}).get("error")
        if isinstance(inner, ProblemError) and inner.details:
            for sub_loc, sub_msg in inner.details:
                details.append((".".join(x for x in (loc, sub_loc) if x), sub_msg))
            continue
        value = item.get("input")
        msg = item["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if not isinstance(value, (dict, list)) or item["type"] in ("missing",):
            shown = repr(value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            if item["type"] != "missing":
                msg = f"{msg} (got {shown})"
        details.append((loc, msg))
    return details


def format_validation_error(error: ValidationError, title: str = "invalid problem") -> str:
    """Turn a pydantic error into lines of ``field.path: message (got value)``."""
    return format_details(validation_details(error), title)


def format_details(details: list[tuple[str, str]], title: str) -> str:
    lines = [f"{title}: {len(details)} error(s)"]
    lines += [f"  {loc or '(root)'}: {msg}" for loc, msg in details]
    return "\n".join(lines)


def _problem_error(error: ValidationError, title: str) -> ProblemError:
    details = validation_details(error)
    return ProblemError(format_details(details, title), details)


class _Model(BaseModel):
    """Base of the input models: strict about unknown fields, errors as ProblemError."""

    model_config = ConfigDict(
        extra="forbid", frozen=False, str_strip_whitespace=True, allow_inf_nan=False
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise _problem_error(error, f"invalid {type(self).__name__}") from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as error:
            raise _problem_error(error, f"invalid {cls.__name__}") from None

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as error:
            raise _problem_error(error, f"invalid {cls.__name__}") from None


# --------------------------------------------------------------------------- building blocks


class Coordinates(_Model):
    """A point on Earth in decimal degrees."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


def _parse_clock(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
        raise ValueError("a shift starts before 24:00; use 00:00 for midnight")
    return value


class ShiftType(_Model):
    """A way of cutting the day: starts at ``start`` and lasts ``minutes`` (at most 24 h)."""

    id: Id
    name: Name | None = None
    start: Annotated[dt.time, BeforeValidator(_parse_clock)]
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


class DemandEntry(_Model):
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


class Gate(_Model):
    """An entrance or checkpoint of a site.

    ``demand`` maps shift type id to people needed, every day. ``weekdays`` and ``dates``
    replace that whole table on the given weekdays or dates (a shift type not listed is
    closed, need 0). ``dates`` wins over ``weekdays``.
    """

    id: Id
    name: Name | None = None
    demand: DemandTable = Field(default_factory=dict)
    weekdays: dict[Weekday, DemandTable] = Field(default_factory=dict)
    dates: dict[dt.date, DemandTable] = Field(default_factory=dict)
    priority: int = Field(default=1, ge=1, le=1_000_000)
    over_cover_weight: Weight | None = None
    role: Id | None = Field(default=None, description="role everyone posted here must have")

    @property
    def label(self) -> str:
        return self.name or self.id

    def table_for(self, day: dt.date) -> DemandTable:
        if day in self.dates:
            return self.dates[day]
        weekday = WEEKDAYS[day.weekday()]
        if weekday in self.weekdays:
            return self.weekdays[weekday]  # type: ignore[index]
        return self.demand


class Site(_Model):
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
        _check_unique((g.id for g in self.gates), "gates", "gate")
        return self


class Unavailable(_Model):
    """A date (all shifts) or one shift on a date when a person cannot work."""

    date: dt.date
    shift: str | None = None


def _unavailable_value(value: Any) -> Any:
    if isinstance(value, (str, dt.date)):
        return {"date": value}
    return value


class Preference(_Model):
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


# --------------------------------------------------------------------------- rules


class Limit(_Model):
    """A rule bound: hard when ``weight`` is None, else soft with that cost per unit."""

    value: int = Field(ge=0, le=MAX_LIMIT)
    weight: PositiveWeight | None = None

    @property
    def hard(self) -> bool:
        return self.weight is None


def _limit_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a limit is a whole number or {value, weight}")
    if isinstance(value, int):
        return {"value": value}
    return value


LimitValue = Annotated[Limit, BeforeValidator(_limit_value)]


class Succession(_Model):
    """Working ``first`` on one date and ``then`` on the next date is forbidden (or costs weight)."""

    first: str
    then: str
    weight: PositiveWeight | None = None


class RoleRequirement(_Model):
    """At least ``count`` people with ``role`` on duty at a site whenever it is open.

    Open means some gate of the site needs people; the rule is checked minute by minute
    (over the pieces between shift boundaries), so mixed shift lengths are handled. Soft
    when ``weight`` is set: cost ``weight`` per missing person per minute.
    """

    role: Id
    count: int = Field(default=1, ge=1, le=MAX_NEED)
    sites: list[str] | None = Field(default=None, description="default: every site")
    weight: PositiveWeight | None = None


class Rules(_Model):
    """Rest, run-length, hours, commute and team rules (see README for each unit of cost).

    All limits are per person; a person's ``rules`` override these field by field.
    Runs (consecutive days) follow the Curtois-Qu convention: days before and after the
    horizon count as off for maximum runs, and a run touching either end of the horizon is
    never too short.
    """

    max_shifts_per_day: LimitValue | None = Field(
        default_factory=lambda: Limit(value=1), description="shifts starting on one date"
    )
    min_rest_hours: LimitValue | None = Field(
        default=None, description="hours between end of a shift and start of the next; cost per pair"
    )
    forbidden_successions: list[Succession] = Field(default_factory=list)
    min_consecutive_days: LimitValue | None = None
    max_consecutive_days: LimitValue | None = None
    min_consecutive_days_off: LimitValue | None = None
    min_days_off_per_7: LimitValue | None = Field(
        default=None, description="in every 7 consecutive days of the horizon; cost per day short"
    )
    max_hours_per_7: LimitValue | None = Field(
        default=None, description="in every 7 consecutive days; cost per minute over"
    )
    min_minutes: LimitValue | None = Field(default=None, description="over the horizon; per minute")
    max_minutes: LimitValue | None = Field(default=None, description="over the horizon; per minute")
    max_shifts: dict[str, LimitValue] = Field(
        default_factory=dict, description="per shift type over the horizon; cost per shift over"
    )
    max_consecutive_nights: LimitValue | None = Field(
        default=None, description="consecutive dates with a night shift; cost per night over"
    )
    max_weekends: LimitValue | None = Field(default=None, description="cost per weekend over")
    max_commute_km: LimitValue | None = Field(
        default=None, description="round trip per duty; soft cost per km over, per duty"
    )
    max_day_minutes: LimitValue | None = Field(
        default=None, description="shift + round-trip commute minutes; soft cost per minute over"
    )
    keep_one_site: bool = Field(default=True, description="a person works at one site only")
    unit_sites_weight: PositiveWeight | None = Field(
        default=None, description="cost per site beyond the first used by one unit"
    )
    roles: list[RoleRequirement] = Field(default_factory=list)


PERSON_ONLY_FORBIDDEN = ("unit_sites_weight", "roles")


class PastDuty(_Model):
    """A shift a person worked before the horizon (for rules across the seam)."""

    date: dt.date
    shift: str


class Person(_Model):
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


class ObjectiveConfig(_Model):
    """How the levels (cover, rules, preferences, commute, fairness) are combined.

    ``lexicographic`` (default when no weights are given) optimises the levels one after
    another in that order; ``weighted`` optimises ``sum(weights[level] * level)`` in one go.
    The reported scalar objective is always ``sum(weights[level] * level)``.
    Fairness is ``nights * range(nights) + weekends * range(weekend shifts) +
    minutes * range(minutes worked)``, ranges taken over people who could work at all, plus
    ``shift_squares * sum((shifts worked)^2)`` over all people (a balance of shift counts).
    """

    mode: Literal["lexicographic", "weighted"] | None = None
    weights: dict[Level, Weight] = Field(default_factory=dict)
    fairness_nights: Weight = 480
    fairness_weekends: Weight = 480
    fairness_minutes: Weight = 1
    fairness_shift_squares: Weight = 0

    @property
    def effective_mode(self) -> str:
        if self.mode is not None:
            return self.mode
        return "weighted" if self.weights else "lexicographic"

    def weight(self, level: str) -> int:
        return self.weights.get(level, 1)  # type: ignore[call-overload]


class Horizon(_Model):
    """The planned dates, and the time zone the clock times of shifts are in."""

    start: dt.date
    days: int = Field(ge=1, le=MAX_DAYS)
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of shift clock times, e.g. 'Asia/Shanghai' (calendars "
        "exported with it); default: local (floating) time. Shift times are wall-clock "
        "times in this zone: a shift across a daylight-saving change ends at its start clock "
        "time plus its minutes",
    )

    @model_validator(mode="after")
    def _within_the_calendar(self) -> Horizon:
        # the last shift may end on the day after the last date, and weeks are counted from
        # the Monday before the start: both must exist
        if self.start > dt.date.max - dt.timedelta(days=self.days + 1) or self.start < dt.date.min + dt.timedelta(days=7):
            raise ValueError(
                f"a horizon of {self.days} days from {self.start} runs past the calendar's last "
                f"date ({dt.date.max}) or before its first"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'Asia/Shanghai')") from None
        return value


# --------------------------------------------------------------------------- the problem


def _check_unique(ids: Iterable[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} id {item!r} in '{field}'")
        seen.add(item)


class Problem(_Model):
    """A whole planning problem. See the README for a worked example."""

    name: Name = "problem"
    horizon: Horizon
    shift_types: list[ShiftType] = Field(default_factory=default_shift_types, min_length=1)
    sites: list[Site] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    commute_km: list[list[float]] | None = Field(
        default=None, description="people x sites, round-trip km per duty"
    )
    commute_minutes: list[list[float]] | None = Field(
        default=None, description="people x sites, round-trip minutes per duty"
    )
    commute_speed_kmh: float = Field(default=30.0, gt=0, le=MAX_SPEED_KMH)
    weekend: list[Weekday] = Field(default_factory=lambda: ["sat", "sun"])
    rules: Rules = Field(default_factory=Rules)
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    _dates: tuple[tuple[dt.date, int], list[dt.date]] | None = PrivateAttr(default=None)

    # ------------------------------------------------------------------ validation
    @model_validator(mode="after")
    def _references(self) -> Problem:
        _check_unique((s.id for s in self.shift_types), "shift_types", "shift type")
        _check_unique((s.id for s in self.sites), "sites", "site")
        _check_unique((p.id for p in self.people), "people", "person")
        shifts = {s.id for s in self.shift_types}
        sites = {s.id for s in self.sites}
        first, last = self.horizon.start, self.last_date

        def in_horizon(day: dt.date, where: str) -> None:
            if not first <= day <= last:
                raise ValueError(f"{where}: date {day} is outside the horizon {first}..{last}")

        def known_shift(shift: str, where: str) -> None:
            if shift not in shifts:
                raise ValueError(f"{where}: unknown shift type {shift!r} (known: {sorted(shifts)})")

        for si, site in enumerate(self.sites):
            for gi, gate in enumerate(site.gates):
                where = f"sites[{si}].gates[{gi}]"
                tables = [("demand", gate.demand)]
                tables += [(f"weekdays.{k}", v) for k, v in gate.weekdays.items()]
                for day, table in gate.dates.items():
                    in_horizon(day, f"{where}.dates")
                    tables.append((f"dates.{day}", table))
                for name, table in tables:
                    for shift in table:
                        known_shift(shift, f"{where}.{name}")
        for pi, person in enumerate(self.people):
            where = f"people[{pi}]"
            for ui, item in enumerate(person.unavailable):
                in_horizon(item.date, f"{where}.unavailable[{ui}]")
                if item.shift is not None:
                    known_shift(item.shift, f"{where}.unavailable[{ui}]")
            for hi, past in enumerate(person.history):
                if past.date >= first:
                    raise ValueError(f"{where}.history[{hi}]: date {past.date} is not before the horizon start {first}")
                if person.history_from is not None and past.date < person.history_from:
                    raise ValueError(f"{where}.history[{hi}]: date {past.date} is before history_from {person.history_from}")
                known_shift(past.shift, f"{where}.history[{hi}]")
            if person.history_from is not None and person.history_from > first:
                raise ValueError(f"{where}.history_from: {person.history_from} is after the horizon start {first}")
            for ki, pref in enumerate(person.preferences):
                w = f"{where}.preferences[{ki}]"
                if pref.site is not None and pref.site not in sites:
                    raise ValueError(f"{w}: unknown site {pref.site!r}")
                if pref.shift is not None:
                    known_shift(pref.shift, w)
                if pref.date is not None:
                    in_horizon(pref.date, w)
            if person.rules is not None:
                self._check_rules(person.rules, f"{where}.rules", shifts, sites)
        self._check_rules(self.rules, "rules", shifts, sites)
        n_people, n_sites = len(self.people), len(self.sites)
        for field in ("commute_km", "commute_minutes"):
            matrix = getattr(self, field)
            if matrix is None:
                continue
            if len(matrix) != n_people:
                raise ValueError(
                    f"{field}: expected {n_people} rows (one per person), got {len(matrix)}"
                )
            for ri, row in enumerate(matrix):
                if len(row) != n_sites:
                    raise ValueError(
                        f"{field}[{ri}]: expected {n_sites} columns (one per site), got {len(row)}"
                    )
                most = MAX_COMMUTE_KM if field == "commute_km" else MAX_COMMUTE_MINUTES
                for ci, value in enumerate(row):
                    if not (math.isfinite(value) and 0 <= value <= most):
                        raise ValueError(
                            f"{field}[{ri}][{ci}]: must be a finite number from 0 to {most:g}, got {value}"
                        )
        if self.commute_km is None:
            missing_people = [p.id for p in self.people if p.home is None]
            missing_sites = [s.id for s in self.sites if s.location is None]
            if any(p.home for p in self.people) and (missing_people or missing_sites):
                raise ValueError(
                    "commute from coordinates needs every person's 'home' and every site's "
                    f"'location' (missing: people {missing_people[:5]}, sites {missing_sites[:5]})"
                )
        _check_magnitudes(self)
        return self

    @staticmethod
    def _check_rules(rules: Rules, where: str, shifts: set[str], sites: set[str]) -> None:
        for i, succ in enumerate(rules.forbidden_successions):
            for shift in (succ.first, succ.then):
                if shift not in shifts:
                    raise ValueError(
                        f"{where}.forbidden_successions[{i}]: unknown shift type {shift!r}"
                    )
        for shift in rules.max_shifts:
            if shift not in shifts:
                raise ValueError(f"{where}.max_shifts: unknown shift type {shift!r}")
        for i, req in enumerate(rules.roles):
            for site in req.sites or []:
                if site not in sites:
                    raise ValueError(f"{where}.roles[{i}].sites: unknown site {site!r}")

    # ------------------------------------------------------------------ derived facts
    @property
    def last_date(self) -> dt.date:
        return self.horizon.start + dt.timedelta(days=self.horizon.days - 1)

    @property
    def dates(self) -> list[dt.date]:
        """The horizon's dates, built once per horizon (a ten-year horizon has 3,660). The
        list is shared: do not change it."""
        key = (self.horizon.start, self.horizon.days)
        if self._dates is None or self._dates[0] != key:
            self._dates = (key, [self.horizon.start + dt.timedelta(days=d) for d in range(self.horizon.days)])
        return self._dates[1]

    def day_index(self, day: dt.date) -> int:
        return (day - self.horizon.start).days

    def shift_type(self, shift_id: str) -> ShiftType:
        for shift in self.shift_types:
            if shift.id == shift_id:
                return shift
        raise ProblemError(f"unknown shift type {shift_id!r}")

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise ProblemError(f"unknown site {site_id!r}")

    def shift_start(self, day: dt.date, shift_id: str) -> dt.datetime:
        shift = self.shift_type(shift_id)
        return dt.datetime.combine(day, shift.start)

    def shift_end(self, day: dt.date, shift_id: str) -> dt.datetime:
        shift = self.shift_type(shift_id)
        return dt.datetime.combine(day, shift.start) + dt.timedelta(minutes=shift.minutes)

    def is_weekend(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.weekend

    def weekend_index(self, day: dt.date) -> int | None:
        """Which weekend (counted from the horizon start's week) a date belongs to, if any."""
        if not self.is_weekend(day):
            return None
        monday = self.horizon.start - dt.timedelta(days=self.horizon.start.weekday())
        return (day - monday).days // 7

    def demand(self, site_index: int, gate_index: int, day: dt.date, shift_id: str) -> DemandEntry | None:
        """The resolved demand of a gate-shift: need, under and over weights (None = closed)."""
        site = self.sites[site_index]
        gate = site.gates[gate_index]
        entry = gate.table_for(day).get(shift_id)
        if entry is None:
            return None
        minutes = self.shift_type(shift_id).minutes
        under = entry.under_weight if entry.under_weight is not None else gate.priority * minutes
        over = entry.over_weight if entry.over_weight is not None else gate.over_cover_weight
        if entry.need == 0 and over is None:
            return None
        return DemandEntry(need=entry.need, under_weight=under, over_weight=over)

    def effective_rules(self, person: Person) -> Rules:
        """The global rules with the person's overrides applied field by field."""
        if person.rules is None:
            return self.rules
        update = {name: getattr(person.rules, name) for name in person.rules.model_fields_set}
        return self.rules.model_copy(update=update)

    def commute_km_matrix(self) -> np.ndarray:
        """Round-trip km per duty, people x sites (zeros when nothing is known)."""
        if self.commute_km is not None:
            return np.asarray(self.commute_km, dtype=float).reshape(len(self.people), len(self.sites))
        homes, places = self.coordinates()
        if homes is not None and places is not None:
            return 2.0 * haversine_km(homes, places)
        return np.zeros((len(self.people), len(self.sites)))

    def commute_minutes_matrix(self) -> np.ndarray:
        """Round-trip minutes per duty, people x sites (from km at commute_speed_kmh if not given)."""
        if self.commute_minutes is not None:
            return np.asarray(self.commute_minutes, dtype=float).reshape(
                len(self.people), len(self.sites)
            )
        return self.commute_km_matrix() / self.commute_speed_kmh * 60.0

    def commute_km_pairs(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Round-trip km per duty for each pair ``(people[i], sites[i])`` (index arrays of one
        shape), equal to ``commute_km_matrix()[people, sites]`` without the whole matrix."""
        people = np.asarray(people, dtype=np.int64)
        sites = np.asarray(sites, dtype=np.int64)
        if self.commute_km is not None:
            return np.array(
                [self.commute_km[p][k] for p, k in zip(people.ravel().tolist(), sites.ravel().tolist())],
                dtype=float,
            ).reshape(people.shape)
        homes, places = self.coordinates()
        if homes is None or places is None:
            return np.zeros(people.shape)
        return 2.0 * haversine_pairs(homes[people], places[sites])

    def commute_minutes_pairs(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Round-trip minutes per duty for each pair, as ``commute_minutes_matrix()[people, sites]``."""
        if self.commute_minutes is not None:
            people = np.asarray(people, dtype=np.int64)
            sites = np.asarray(sites, dtype=np.int64)
            return np.array(
                [self.commute_minutes[p][k] for p, k in zip(people.ravel().tolist(), sites.ravel().tolist())],
                dtype=float,
            ).reshape(people.shape)
        return self.commute_km_pairs(people, sites) / self.commute_speed_kmh * 60.0

    def coordinates(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(people x 2, sites x 2) lat/lon arrays when every home and site location is known."""
        if all(p.home is not None for p in self.people) and all(s.location is not None for s in self.sites):
            homes = np.array([[p.home.lat, p.home.lon] for p in self.people], dtype=float)  # type: ignore[union-attr]
            places = np.array([[s.location.lat, s.location.lon] for s in self.sites], dtype=float)  # type: ignore[union-attr]
            return homes, places
        return None, None

    def commute_cost_km(self) -> np.ndarray:
        """Whole km per duty used by the commute objective (round half up), as int64."""
        return np.floor(self.commute_km_matrix() + 0.5).astype(np.int64)


# --------------------------------------------------------------------------- magnitudes


def worst_case_levels(problem: Problem) -> dict[str, tuple[int, str, str]]:
    """An upper bound on each objective level over every plan a solver could return, with
    what contributes most to it: ``{level: (worst case, field path, value there)}``.

    Generous on purpose (every person on every shift instance, every soft rule broken as
    often as its unit allows): it only has to keep CP-SAT's arithmetic exact, see
    :func:`_check_magnitudes`.
    """
    days, n_shifts, n_people = problem.horizon.days, len(problem.shift_types), len(problem.people)
    duties = days * n_shifts  # shift instances one person can work at most
    longest = max(s.minutes for s in problem.shift_types)
    worst: dict[str, list[tuple[int, str, str]]] = {level: [] for level in LEVELS}

    # cover: every gate-shift missing everyone it needs, or holding everyone as extras
    per_weekday = [days // 7 + (1 if ((d - problem.horizon.start.weekday()) % 7) < days % 7 else 0)
                   for d in range(7)]
    minutes = {s.id: s.minutes for s in problem.shift_types}
    for k, site in enumerate(problem.sites):
        for g, gate in enumerate(site.gates):
            def table_cost(table: DemandTable) -> int:
                total = 0
                for shift, entry in table.items():
                    under = entry.under_weight if entry.under_weight is not None else gate.priority * minutes[shift]
                    over = entry.over_weight if entry.over_weight is not None else gate.over_cover_weight
                    total += under * entry.need + (over or 0) * n_people
                return total

            on_dates = [0] * 7
            total = 0
            for day, table in gate.dates.items():
                on_dates[day.weekday()] += 1
                total += table_cost(table)
            for w in range(7):
                table = gate.weekdays.get(WEEKDAYS[w], gate.demand)  # type: ignore[call-overload]
                total += (per_weekday[w] - on_dates[w]) * table_cost(table)
            worst["cover"].append((total, f"sites.{k}.gates.{g}", f"priority {gate.priority}"))

    # soft rules and preferences, per person (people without overrides share the rules)
    km_rows = _largest_per_person(problem, "km")
    minute_rows = _largest_per_person(problem, "minutes")
    units = len({p.unit for p in problem.people if p.unit is not None})
    for i, person in enumerate(problem.people):
        rules = problem.effective_rules(person)
        where = f"people.{i}.rules" if person.rules is not None else "rules"
        units_of: dict[str, int] = {
            "max_shifts_per_day": days * n_shifts,
            "min_rest_hours": duties * duties,
            "max_consecutive_days": days,
            "min_consecutive_days": days * days,
            "min_consecutive_days_off": days * days,
            "min_days_off_per_7": days * 7,
            "max_hours_per_7": days * 7 * n_shifts * longest,
            "min_minutes": max(duties * longest, rules.min_minutes.value if rules.min_minutes else 0),
            "max_minutes": duties * longest,
            "max_consecutive_nights": days,
            "max_weekends": days // 7 + 2,
            "max_commute_km": duties * int(km_rows[i] + 1),
            "max_day_minutes": duties * int(longest + minute_rows[i] + 1),
        }
        for name, count in units_of.items():
            limit = getattr(rules, name)
            if limit is not None and limit.weight is not None:
                worst["rules"].append((limit.weight * count, f"{where}.{name}.weight", str(limit.weight)))
        for shift, limit in rules.max_shifts.items():
            if limit.weight is not None:
                worst["rules"].append((limit.weight * days, f"{where}.max_shifts.{shift}.weight", str(limit.weight)))
        for j, succ in enumerate(rules.forbidden_successions):
            if succ.weight is not None:
                worst["rules"].append((succ.weight * days, f"{where}.forbidden_successions.{j}.weight", str(succ.weight)))
        for j, pref in enumerate(person.preferences):
            count = duties if pref.date is None and pref.kind != "day_off" else n_shifts
            worst["preferences"].append((pref.weight * count, f"people.{i}.preferences.{j}.weight", str(pref.weight)))
        worst["commute"].append((duties * int(km_rows[i] + 1), f"people.{i}", f"{km_rows[i]:.0f} km"))
    if problem.rules.unit_sites_weight is not None:
        weight = problem.rules.unit_sites_weight
        worst["rules"].append((weight * units * len(problem.sites), "rules.unit_sites_weight", str(weight)))
    for j, req in enumerate(problem.rules.roles):
        if req.weight is not None:
            sites = len(req.sites) if req.sites is not None else len(problem.sites)
            count = req.count * (days + 1) * 24 * 60 * sites
            worst["rules"].append((req.weight * count, f"rules.roles.{j}.weight", str(req.weight)))
    # changes (a re-plan): every duty of the horizon dropped and another added, each at most
    # twice the horizon's days
    worst["changes"].append((3 * days * n_people * duties, "horizon.days", str(days)))
    config = problem.objective
    for name, count in (
        ("fairness_nights", duties), ("fairness_weekends", duties),
        ("fairness_minutes", duties * longest), ("fairness_shift_squares", n_people * duties * duties),
    ):
        weight = getattr(config, name)
        worst["fairness"].append((weight * count, f"objective.{name}", str(weight)))
    return {
        level: (sum(x[0] for x in items), *max(items)[1:]) if items else (0, "", "")
        for level, items in worst.items()
    }


def _largest_per_person(problem: Problem, what: str) -> np.ndarray:
    """The largest round trip (km or minutes) of each person to any site: from the matrices
    when given, else at most half the Earth's circumference twice (any coordinates)."""
    matrix = problem.commute_km if what == "km" else problem.commute_minutes
    if matrix is not None:
        return np.array([max(row, default=0.0) for row in matrix], dtype=float)
    km = np.full(len(problem.people), 2 * math.pi * 6371.0088)  # twice half the circumference
    if what == "km":
        return km
    return km / problem.commute_speed_kmh * 60.0


def _check_magnitudes(problem: Problem) -> None:
    """Refuse a problem some plan of which would have an objective CP-SAT cannot hold exactly:
    the worst case of ``sum(level weight x level)`` must stay below :data:`MAX_OBJECTIVE`."""
    levels = worst_case_levels(problem)
    config = problem.objective
    total = 0
    for level, (value, _, _) in levels.items():
        total += config.weight(level) * value
    if total <= MAX_OBJECTIVE:
        return
    level = max(levels, key=lambda name: config.weight(name) * levels[name][0])
    value, path, shown = levels[level]
    detail = (
        f"with this value ({shown}) a plan's objective could reach {float(total):.3g} (the "
        f"{level} level alone {float(config.weight(level) * value):.3g}), above "
        f"{float(MAX_OBJECTIVE):.3g}, the most CP-SAT's 64-bit arithmetic holds exactly: use "
        "smaller weights, fewer days or fewer people"
    )
    raise ProblemError(f"{path}: {detail}", [(path, detail)])


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between every row of ``a`` and every row of ``b`` (lat, lon degrees)."""
    lat1 = np.radians(a[:, 0])[:, None]
    lon1 = np.radians(a[:, 1])[:, None]
    lat2 = np.radians(b[:, 0])[None, :]
    lon2 = np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between ``a[i]`` and ``b[i]`` (rows of lat, lon degrees), row by row."""
    lat1, lon1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lat2, lon2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
