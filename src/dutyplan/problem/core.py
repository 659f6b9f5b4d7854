"""The whole problem: the horizon, and the problem with its cross-checks and derived tables."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from dutyplan.errors import ProblemError
from dutyplan.problem.fields import (
    MAX_COMMUTE_KM,
    MAX_COMMUTE_MINUTES,
    MAX_DAYS,
    MAX_SPEED_KMH,
    WEEKDAYS,
    Name,
    ProblemPart,
    Weekday,
    check_unique,
)
from dutyplan.problem.geography import haversine_km, haversine_pairs
from dutyplan.problem.households import CaseloadTasks, Household
from dutyplan.problem.magnitudes import check_magnitudes
from dutyplan.problem.people import Person
from dutyplan.problem.public_days import CountryError, country_days
from dutyplan.problem.rules import ObjectiveConfig, Rules
from dutyplan.problem.sites import (
    DemandEntry,
    DemandTable,
    Gate,
    ShiftType,
    Site,
    default_shift_types,
)


def unknown_id(kind: str, given: str, known: list[tuple[str, str | None]], most: int = 10) -> str:
    """The message for an unknown id: the id whose name was given, or the valid ids, closest first."""
    import difflib

    for item_id, name in known:
        if name is not None and name == given:
            return f"unknown {kind} {given!r}: that is the name of {kind} {item_id!r}; give its id"
    ids = [item_id for item_id, _ in known]
    close = difflib.get_close_matches(given, ids, n=most, cutoff=0.0)
    shown = close + [i for i in ids if i not in close]
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return f"unknown {kind} {given!r} (known, closest first: {', '.join(shown[:most])}{more})"


def fits_household(person: Person, household: Household) -> bool:
    """The person could answer for the household, availability apart: a caseload capacity,
    its community, role and language (docs/rules.md, "Caseloads")."""
    return (
        (person.max_households is not None or person.max_household_people is not None)
        and (person.communities is None or household.site in person.communities)
        and (household.role is None or household.role in person.roles)
        and (household.language is None or household.language in person.languages)
    )


NO_DAYS_OFF: dict[dt.date, str] = {}
NO_WORKDAYS: frozenset[dt.date] = frozenset()


class Horizon(ProblemPart):
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

    holidays: list[dt.date] = Field(
        default_factory=list,
        max_length=MAX_DAYS,
        description="public holidays: rest days for the weekend rules and shading, and a gate's "
        "'holidays' demand table applies on them (dates outside the horizon are ignored)",
    )
    workdays: list[dt.date] = Field(
        default_factory=list,
        max_length=MAX_DAYS,
        description="make-up working days (调休): weekend dates worked as ordinary days, so not "
        "weekend for the weekend rules, and a gate's weekday tables do not apply on them",
    )
    country: str | None = Field(
        default=None,
        min_length=2,
        max_length=8,
        description="ISO 3166 code such as 'CN': that country's public holidays and make-up "
        "working days in the horizon are added to the two lists (the holidays package: "
        "pip install 'dutyplan[holidays]')",
    )
    _calendar: tuple[tuple, dict[dt.date, str], frozenset[dt.date]] | None = PrivateAttr(default=None)

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        return None if value is None else value.upper()

    @model_validator(mode="after")
    def _holidays_and_workdays(self) -> Horizon:
        check_unique((str(day) for day in self.holidays), "holidays", "holiday")
        check_unique((str(day) for day in self.workdays), "workdays", "make-up working day")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"holidays and workdays: {both[0]} is in both (a date is one or the other)")
        try:
            self.day_kinds()
        except CountryError as error:
            raise ValueError(f"country: {error}") from None
        return self

    def day_kinds(self) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
        """The public holidays (date -> name: the country's, or "holiday") and the make-up
        working days in the horizon: the lists given, and the country's where it is set (a date
        listed by hand wins over the country's kind for it)."""
        if not self.holidays and not self.workdays and self.country is None:
            return NO_DAYS_OFF, NO_WORKDAYS  # the usual case, asked once per date and duty
        key = (self.start, self.days, tuple(self.holidays), tuple(self.workdays), self.country)
        if self._calendar is not None and self._calendar[0] == key:
            return self._calendar[1], self._calendar[2]
        last = self.start + dt.timedelta(days=self.days - 1)
        days_off: dict[dt.date, str] = {}
        worked: set[dt.date] = set()
        if self.country is not None:
            country_off, country_worked = country_days(self.country, self.start.year, last.year)
            days_off = {day: name for day, name in country_off.items() if self.start <= day <= last}
            worked = {day for day in country_worked if self.start <= day <= last}
        for day in self.holidays:
            if self.start <= day <= last:
                worked.discard(day)
                days_off.setdefault(day, "holiday")
        for day in self.workdays:
            if self.start <= day <= last:
                days_off.pop(day, None)
                worked.add(day)
        self._calendar = (key, days_off, frozenset(worked))
        return days_off, frozenset(worked)

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


class Problem(ProblemPart):
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
    households: list[Household] = Field(
        default_factory=list, description="caseloads: households under home watch (docs/rules.md, 'Caseloads')"
    )
    caseload: CaseloadTasks = Field(default_factory=CaseloadTasks)
    _dates: tuple[tuple[dt.date, int], list[dt.date]] | None = PrivateAttr(default=None)
    _people: tuple[tuple[int, int], dict[str, Person]] | None = PrivateAttr(default=None)

    # ------------------------------------------------------------------ validation
    @model_validator(mode="after")
    def _references(self) -> Problem:
        check_unique((s.id for s in self.shift_types), "shift_types", "shift type")
        check_unique((s.id for s in self.sites), "sites", "site")
        check_unique((p.id for p in self.people), "people", "person")
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
                if gate.holidays is not None:
                    tables.append(("holidays", gate.holidays))
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
        self._check_households(sites)
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
        check_magnitudes(self)
        return self

    def _check_households(self, sites: set[str]) -> None:
        check_unique((h.id for h in self.households), "households", "household")
        first, last = self.horizon.start, self.last_date
        for hi, household in enumerate(self.households):
            where = f"households[{hi}]"
            if household.site not in sites:
                raise ValueError(f"{where}.site: unknown site {household.site!r} (known: {sorted(sites)[:10]})")
            if household.arrival > last or household.last_date < first:
                raise ValueError(
                    f"{where}: watched {household.arrival}..{household.last_date}, outside the "
                    f"horizon {first}..{last}"
                )
        ids = {p.id for p in self.people}
        for pi, person in enumerate(self.people):
            for ci, community in enumerate(person.communities or []):
                if community not in sites:
                    raise ValueError(f"people[{pi}].communities[{ci}]: unknown site {community!r}")
            if person.deputy is not None and (person.deputy not in ids or person.deputy == person.id):
                raise ValueError(f"people[{pi}].deputy: {person.deputy!r} is not another person of the problem")

    def _people_by_id(self) -> dict[str, Person]:
        """People by id, kept while the list of people is the same one."""
        key = (id(self.people), len(self.people))
        if self._people is None or self._people[0] != key:
            self._people = (key, {p.id: p for p in self.people})
        return self._people[1]

    def watch_span(self, household: Household) -> tuple[dt.date, dt.date]:
        """The household's first and last watched dates in the horizon (docs/rules.md,
        "Caseloads"; validation keeps its watch overlapping the horizon)."""
        return max(household.arrival, self.horizon.start), min(household.last_date, self.last_date)

    def answering(self, person_id: str, household: Household) -> dict[dt.date, str] | None:
        """Who does the household's work on each of its watched dates in the horizon if
        ``person_id`` answers for it: the person, or their ``deputy`` on the dates they are
        away (a whole date unavailable); None when someone must and cannot (docs/rules.md,
        "Caseloads": may answer)."""
        people = self._people_by_id()
        person = people.get(person_id)
        if person is None or not fits_household(person, household):
            return None
        deputy = people.get(person.deputy) if person.deputy is not None else None
        if deputy is not None and not fits_household(deputy, household):
            deputy = None
        away = {item.date for item in person.unavailable if item.shift is None}
        deputy_away = set() if deputy is None else {i.date for i in deputy.unavailable if i.shift is None}
        first, last = self.watch_span(household)
        who: dict[dt.date, str] = {}
        for i in range((last - first).days + 1):
            day = first + dt.timedelta(days=i)
            if day not in away:
                who[day] = person.id
            elif deputy is not None and day not in deputy_away:
                who[day] = deputy.id
            else:
                return None
        return who

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
        raise ProblemError(unknown_id("shift type", shift_id, [(s.id, s.name) for s in self.shift_types]))

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise ProblemError(unknown_id("site", site_id, [(s.id, s.name) for s in self.sites]))

    def shift_start(self, day: dt.date, shift_id: str) -> dt.datetime:
        shift = self.shift_type(shift_id)
        return dt.datetime.combine(day, shift.start)

    def shift_end(self, day: dt.date, shift_id: str) -> dt.datetime:
        shift = self.shift_type(shift_id)
        return dt.datetime.combine(day, shift.start) + dt.timedelta(minutes=shift.minutes)

    def is_weekend(self, day: dt.date) -> bool:
        """A rest day for the weekend rules: a ``weekend`` weekday that is not a make-up working
        day, or a public holiday (``horizon.holidays``, ``horizon.country``)."""
        days_off, worked = self.horizon.day_kinds()
        if day in days_off:
            return True
        return WEEKDAYS[day.weekday()] in self.weekend and day not in worked

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the public holiday on ``day`` (None: not a holiday)."""
        return self.horizon.day_kinds()[0].get(day)

    def is_make_up_workday(self, day: dt.date) -> bool:
        """A weekend date worked as an ordinary day (调休)."""
        return day in self.horizon.day_kinds()[1]

    def table_for(self, gate: Gate, day: dt.date) -> DemandTable:
        """The demand table of ``gate`` on ``day``, with the horizon's holidays and make-up
        working days (:meth:`Gate.table_for`)."""
        days_off, worked = self.horizon.day_kinds()
        return gate.table_for(day, holiday=day in days_off, make_up_workday=day in worked)

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
        entry = self.table_for(gate, day).get(shift_id)
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
