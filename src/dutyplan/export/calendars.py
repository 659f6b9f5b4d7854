"""iCalendar files, one per person on duty."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dutyplan.export.cells import clean
from dutyplan.export.paths import OutPath, file_stems, output_dir, require

if TYPE_CHECKING:
    from dutyplan.plan import Assignment, Plan
    from dutyplan.problem import Household, Person, Problem


CALENDAR_HINT = "pip install 'dutyplan[calendar]'"
PRODID = "-//dutyplan//duty calendar//EN"
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "dutyplan")


def to_ics(problem: Problem, plan: Plan, out_dir: OutPath) -> list[Path]:
    """One ``<person id>.ics`` per person with duties or households, one event per assignment
    and one per watched date of each household they answer for (its visit window).

    Times are in ``problem.horizon.timezone`` (``DTSTART;TZID=...`` with its ``VTIMEZONE``),
    or floating local time when the horizon has no time zone. Each event's UID is derived
    from the problem name, person, date, shift, site and gate, so exporting the same plan
    again gives the same UIDs (calendar apps update instead of duplicating).
    """
    require(f"calendar export needs icalendar: {CALENDAR_HINT}", "icalendar")
    directory = output_dir(out_dir, "calendar")
    duties: dict[str, list[Assignment]] = defaultdict(list)
    for assignment in plan.assignments:
        duties[assignment.person].append(assignment)
    # visits by who makes them: the person answering, or their deputy on their dates away
    visits: dict[str, list[tuple[Household, dt.date]]] = defaultdict(list)
    households = {h.id: h for h in problem.households}
    for caseload in plan.caseloads:
        household = households.get(caseload.household)
        who = problem.answering(caseload.person, household) if household is not None else None
        for day, visitor in (who or {}).items():
            visits[visitor].append((household, day))
    on_duty = [person for person in problem.people if person.id in duties or person.id in visits]
    stems = file_stems(person.id for person in on_duty)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = []
    for person in on_duty:
        calendar = _person_calendar(problem, person, duties[person.id], stamp, visits[person.id])
        path = directory / f"{stems[person.id]}.ics"
        path.write_bytes(calendar.to_ical())
        written.append(path)
    return written


def _person_calendar(
    problem: Problem, person: Person, duties: list[Assignment], stamp: dt.datetime,
    visits: list[tuple[Household, dt.date]] | None = None,
) -> Any:
    """A VCALENDAR with one VEVENT per duty of ``person``, and one per visit (household, date)
    they make (the visit window, with the address and the daily calls)."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    zone_name = problem.horizon.timezone
    zone = ZoneInfo(zone_name) if zone_name else None
    sites = {site.id: site for site in problem.sites}
    gates = {(site.id, gate.id): gate for site in problem.sites for gate in site.gates}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", clean(f"{person.label} · {problem.name}"))
    if zone_name:
        calendar.add("x-wr-timezone", zone_name)
    for duty in duties:
        site = sites[duty.site]
        event = Event()
        event.add("uid", _event_uid(problem, duty))
        event.add("dtstamp", stamp)
        event.add("dtstart", duty.start.replace(tzinfo=zone))
        event.add("dtend", duty.end.replace(tzinfo=zone))
        label = problem.shift_type(duty.shift).label
        summary = f"{label} · {gates[(duty.site, duty.gate)].label} · {site.label}"
        event.add("summary", clean(summary))
        event.add("location", clean(site.label))
        if site.location is not None:
            event.add("geo", (site.location.lat, site.location.lon))
        calendar.add_component(event)
    tasks = problem.caseload
    for household, day in visits or []:  # one visit event per date
        site = sites[household.site]
        start = dt.datetime.combine(day, tasks.visit_from)
        event = Event()
        key = "\x1f".join((problem.name, person.id, household.id, day.isoformat()))
        event.add("uid", f"{uuid.uuid5(UID_NAMESPACE, key)}@dutyplan")
        event.add("dtstamp", stamp)
        event.add("dtstart", start.replace(tzinfo=zone))
        event.add("dtend", (start + dt.timedelta(minutes=tasks.window_minutes)).replace(tzinfo=zone))
        event.add("summary", clean(f"visit {household.label} · {site.label}"))
        event.add("location", clean(" ".join(x for x in (site.label, household.address or "") if x)))
        event.add("description", clean(
            f"{household.people} people under watch until {household.last_date}; a visit of "
            f"{tasks.visit_minutes} min in this window, {tasks.calls} phone check-in(s) today"))
        calendar.add_component(event)
    if zone is not None:
        # VTIMEZONE rules for the horizon, a day either side (shifts may cross midnight)
        calendar.add_missing_timezones(
            first_date=problem.horizon.start - dt.timedelta(days=1),
            last_date=problem.last_date + dt.timedelta(days=2),
        )
    return calendar


def _event_uid(problem: Problem, duty: Assignment) -> str:
    """A stable UID: the same problem, person, date, shift, site and gate give the same UID."""
    key = "\x1f".join(
        (problem.name, duty.person, duty.date.isoformat(), duty.shift, duty.site, duty.gate)
    )
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@dutyplan"
