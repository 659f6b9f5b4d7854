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
    from dutyplan.problem import Person, Problem


CALENDAR_HINT = "pip install 'dutyplan[calendar]'"
PRODID = "-//dutyplan//duty calendar//EN"
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "dutyplan")


def to_ics(problem: Problem, plan: Plan, out_dir: OutPath) -> list[Path]:
    """One ``<person id>.ics`` per person with duties, one event per assignment.

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
    on_duty = [person for person in problem.people if person.id in duties]
    stems = file_stems(person.id for person in on_duty)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = []
    for person in on_duty:
        calendar = _person_calendar(problem, person, duties[person.id], stamp)
        path = directory / f"{stems[person.id]}.ics"
        path.write_bytes(calendar.to_ical())
        written.append(path)
    return written


def _person_calendar(
    problem: Problem, person: Person, duties: list[Assignment], stamp: dt.datetime
) -> Any:
    """A VCALENDAR with one VEVENT per duty of ``person``."""
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
