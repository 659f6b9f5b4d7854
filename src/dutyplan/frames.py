"""Frames in, frames out: problems from pandas DataFrames, plans as DataFrames.

Needs pandas (``pip install 'dutyplan[tables]'``); ``import dutyplan`` does not.

In: :func:`problem_from_frames` builds a :class:`~dutyplan.problem.Problem` from tables an
analyst already has (people, sites, gates, a commute matrix or coordinates, availability) and
validates it exactly as a problem file is validated: a bad value raises
:class:`~dutyplan.errors.ProblemError` naming the field path (``people.3.roles`` is row 3,
counted from 0, of the people frame) and the value. A missing column, an unknown column or an
id that names nothing is reported with the frame and the row.

Out: :func:`assignments_frame` (one row per assignment), :func:`coverage_frame` (gate x shift
instance: demand, assigned, uncovered), :func:`people_frame` (shifts, hours, nights, weekend
shifts, commute km per person) and :func:`roster_frame` (person x date with shift codes, the
way rosters are printed). :class:`~dutyplan.plan.Plan` has the same as methods.

Their dtypes follow pandas habits (docs/frames.md lists every column): ids (``person``,
``site``, ``gate``, ``shift``, ``unit``, ``household``) are categoricals whose categories are
in the problem's order; calendar dates (``date``, ``arrival``, ``first``, ``last``) are
``datetime64[ns]`` at midnight; clock times (``start``, ``end``) are ``datetime64[ns, zone]``
in the horizon's time zone, or naive when it has none (floating local time); counts are
integers and hours and km floats. One row per fact: the sites a person worked at are rows of
:func:`person_sites_frame`, not a joined string.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from dutyplan.errors import DutyplanError, ProblemError
from dutyplan.io.files import problem_from_dict
from dutyplan.problem import default_shift_types

if TYPE_CHECKING:
    import pandas as pd

    from dutyplan.plan import Plan
    from dutyplan.problem import Problem

INSTALL_HINT = "pip install 'dutyplan[tables]'"


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise DutyplanError(f"data frames need pandas: {INSTALL_HINT}") from None
    return pandas


# --------------------------------------------------------------------------- frames in

PEOPLE_COLUMNS = {"id", "name", "unit", "roles", "lat", "lon"}
SITE_COLUMNS = {"id", "name", "lat", "lon"}
GATE_COLUMNS = {"site", "id", "name", "priority", "role", "over_cover_weight"}
DEMAND_COLUMNS = {"site", "gate", "shift", "need", "date", "weekday", "under_weight", "over_weight"}
AVAILABILITY_COLUMNS = {"person", "date", "shift", "available"}


def _missing(value: Any) -> bool:
    """An empty cell: None, NaN, NaT or pandas' NA (lists and other containers are values)."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, set, dict, str)):
        return False
    try:
        return bool(_pandas().isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """A cell as a plain Python value: numpy scalars unwrapped, and whole floats as ints (a
    column of counts with an empty cell is float in pandas)."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(frame: Any, what: str, allowed: set[str], required: set[str]) -> list[dict[str, Any]]:
    """The rows of a frame as dicts without empty cells, after checking its columns."""
    pd = _pandas()
    if not isinstance(frame, pd.DataFrame):
        raise ProblemError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    missing = sorted(required - set(columns))
    if missing:
        raise ProblemError(
            f"{what} frame: missing column(s) {', '.join(map(repr, missing))} "
            f"(has {', '.join(map(repr, columns)) or 'none'})"
        )
    unknown = sorted(set(columns) - allowed)
    if unknown:
        raise ProblemError(
            f"{what} frame: unknown column(s) {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(allowed))})"
        )
    rows = []
    for record in frame.to_dict("records"):
        rows.append({str(k): _plain(v) for k, v in record.items() if not _missing(v)})
    return rows


def _roles(value: Any) -> list[str]:
    if isinstance(value, str):
        return [r.strip() for r in value.replace(";", ",").split(",") if r.strip()]
    return list(value)


def coordinates(row: dict[str, Any], what: str, position: int) -> dict[str, float] | None:
    has = [key in row for key in ("lat", "lon")]
    if not any(has):
        return None
    if not all(has):
        raise ProblemError(f"{what} frame, row {position}: give both 'lat' and 'lon' or neither")
    return {"lat": row["lat"], "lon": row["lon"]}


def _date_text(value: Any) -> Any:
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def problem_from_frames(
    people: pd.DataFrame,
    sites: pd.DataFrame,
    gates: pd.DataFrame,
    *,
    horizon: dict[str, Any],
    shift_types: list[dict[str, Any]] | None = None,
    demand: pd.DataFrame | None = None,
    commute_km: pd.DataFrame | None = None,
    availability: pd.DataFrame | None = None,
    rules: dict[str, Any] | None = None,
    objective: dict[str, Any] | None = None,
    name: str = "problem",
) -> Problem:
    """A problem from data frames, validated like a problem file.

    ``people``: columns ``id`` (required), ``name``, ``unit``, ``roles`` (a list, or text
    separated by commas), ``lat``/``lon`` of the home. ``sites``: ``id``, ``name``,
    ``lat``/``lon``. ``gates``: ``site`` and ``id`` (required), ``name``, ``priority``,
    ``role``, ``over_cover_weight``, and one column per shift type id holding the people
    needed on every date (a gate with no such column needs nobody unless ``demand`` says).
    ``demand`` (optional, long form): ``site``, ``gate``, ``shift``, ``need`` and optionally
    ``date`` or ``weekday`` (``mon``..``sun``, or ``holiday``: the gate's table on public
    holidays), ``under_weight``, ``over_weight``; a row with neither date nor weekday is the
    gate's every-day demand for that shift.
    ``commute_km``: a matrix (index person ids, columns site ids, round-trip km per duty) or a
    long frame with columns ``person``, ``site``, ``km``. ``availability``: ``person``,
    ``date``, optionally ``shift`` and ``available`` (rows with ``available`` true are
    ignored; the others are times the person cannot work). ``horizon``, ``shift_types``,
    ``rules`` and ``objective`` are as in a problem file.
    """
    shift_ids = (
        [s["id"] if isinstance(s, dict) else s.id for s in shift_types]
        if shift_types is not None
        else [s.id for s in _default_shift_types()]
    )

    people_rows = _rows(people, "people", PEOPLE_COLUMNS, {"id"})
    site_rows = _rows(sites, "sites", SITE_COLUMNS, {"id"})
    gate_rows = _rows(gates, "gates", GATE_COLUMNS | set(shift_ids), {"site", "id"})

    site_docs: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(site_rows):
        doc: dict[str, Any] = {"id": row["id"], "gates": []}
        if "name" in row:
            doc["name"] = row["name"]
        location = coordinates(row, "sites", i)
        if location is not None:
            doc["location"] = location
        site_docs.setdefault(str(row["id"]), doc)

    gate_docs: dict[tuple[str, str], dict[str, Any]] = {}
    for i, row in enumerate(gate_rows):
        site_id = str(row["site"])
        if site_id not in site_docs:
            raise ProblemError(
                f"gates frame, row {i}: site {row['site']!r} is not in the sites frame "
                f"(sites: {', '.join(sorted(site_docs)) or 'none'})"
            )
        gate: dict[str, Any] = {k: row[k] for k in ("id", "name", "priority", "role", "over_cover_weight") if k in row}
        table = {s: row[s] for s in shift_ids if s in row}
        if table:
            gate["demand"] = table
        site_docs[site_id]["gates"].append(gate)
        gate_docs[(site_id, str(row["id"]))] = gate

    if demand is not None:
        for i, row in enumerate(_rows(demand, "demand", DEMAND_COLUMNS, {"site", "gate", "shift", "need"})):
            gate = gate_docs.get((str(row["site"]), str(row["gate"])))
            if gate is None:
                raise ProblemError(
                    f"demand frame, row {i}: no gate {row['gate']!r} at site {row['site']!r} "
                    "in the gates frame"
                )
            if "date" in row and "weekday" in row:
                raise ProblemError(f"demand frame, row {i}: give 'date' or 'weekday', not both")
            entry: Any = row["need"]
            weights = {k: row[k] for k in ("under_weight", "over_weight") if k in row}
            if weights:
                entry = {"need": row["need"], **weights}
            if "date" in row:
                table = gate.setdefault("dates", {}).setdefault(_date_text(row["date"]), {})
            elif "weekday" in row and str(row["weekday"]).lower() == "holiday":
                table = gate.setdefault("holidays", {})
            elif "weekday" in row:
                table = gate.setdefault("weekdays", {}).setdefault(str(row["weekday"]).lower(), {})
            else:
                table = gate.setdefault("demand", {})
            table[str(row["shift"])] = entry

    person_docs = []
    for i, row in enumerate(people_rows):
        doc = {k: row[k] for k in ("id", "name", "unit") if k in row}
        if "roles" in row:
            doc["roles"] = _roles(row["roles"])
        home = coordinates(row, "people", i)
        if home is not None:
            doc["home"] = home
        person_docs.append(doc)

    if availability is not None:
        by_id = {str(doc["id"]): doc for doc in person_docs}
        for i, row in enumerate(_rows(availability, "availability", AVAILABILITY_COLUMNS, {"person", "date"})):
            doc = by_id.get(str(row["person"]))
            if doc is None:
                raise ProblemError(f"availability frame, row {i}: person {row['person']!r} is not in the people frame")
            if bool(row.get("available", False)):
                continue
            item: dict[str, Any] = {"date": _date_text(row["date"])}
            if "shift" in row:
                item["shift"] = row["shift"]
            doc.setdefault("unavailable", []).append(item)

    document: dict[str, Any] = {
        "name": name,
        "horizon": horizon,
        "sites": list(site_docs.values()),
        "people": person_docs,
    }
    if shift_types is not None:
        document["shift_types"] = shift_types
    if rules is not None:
        document["rules"] = rules
    if objective is not None:
        document["objective"] = objective
    if commute_km is not None:
        document["commute_km"] = _commute_matrix(commute_km, person_docs, list(site_docs))


    return problem_from_dict(document, source="frames")


def _default_shift_types() -> list[Any]:

    return default_shift_types()


def _commute_matrix(frame: Any, person_docs: list[dict[str, Any]], site_ids: list[str]) -> list[list[float]]:
    """People x sites km from a matrix frame (index people, columns sites) or a long frame."""
    pd = _pandas()
    if not isinstance(frame, pd.DataFrame):
        raise ProblemError(f"commute_km: expected a pandas DataFrame, got {type(frame).__name__}")
    person_ids = [str(doc["id"]) for doc in person_docs]
    columns = {str(c) for c in frame.columns}
    if {"person", "site", "km"} <= columns:
        km: dict[tuple[str, str], float] = {}
        for i, row in enumerate(_rows(frame, "commute_km", {"person", "site", "km"}, {"person", "site", "km"})):
            km[(str(row["person"]), str(row["site"]))] = row["km"]
        absent = [(p, s) for p in person_ids for s in site_ids if (p, s) not in km]
        if absent:
            p, s = absent[0]
            raise ProblemError(
                f"commute_km frame: no km for person {p!r} and site {s!r} "
                f"({len(absent)} person-site pair(s) missing)"
            )
        return [[float(km[(p, s)]) for s in site_ids] for p in person_ids]
    index = [str(i) for i in frame.index]
    missing_people = [p for p in person_ids if p not in set(index)]
    missing_sites = [s for s in site_ids if s not in columns]
    if missing_people or missing_sites:
        what = (
            f"people {', '.join(map(repr, missing_people[:5]))} not in its index"
            if missing_people
            else f"sites {', '.join(map(repr, missing_sites[:5]))} not in its columns"
        )
        raise ProblemError(
            "commute_km frame: a matrix with person ids as index and site ids as columns "
            f"(or columns person, site, km); {what}"
        )
    matrix = frame.copy()
    matrix.index = index
    matrix.columns = [str(c) for c in matrix.columns]
    values = matrix.loc[person_ids, site_ids]
    result = []
    for p in person_ids:
        row = []
        for s in site_ids:
            value = _plain(values.at[p, s])
            if _missing(value):
                raise ProblemError(f"commute_km frame: empty cell for person {p!r} and site {s!r}")
            row.append(value)
        result.append(row)
    return result


# --------------------------------------------------------------------------- frames out


def assignments_frame(plan: Plan, problem: Problem | None = None) -> pd.DataFrame:
    """One row per assignment: person, date, shift, start, end, hours, site, gate (and the
    person's, site's and gate's names and the person's unit when the problem is given)."""
    pd = _pandas()
    rows = []
    names = _names(problem)
    for a in plan.assignments:
        row: dict[str, Any] = {
            "person": a.person,
            "date": a.date,
            "shift": a.shift,
            "start": a.start,
            "end": a.end,
            "hours": (a.end - a.start).total_seconds() / 3600,
            "site": a.site,
            "gate": a.gate,
        }
        if problem is not None:
            row["person_name"] = names["person"].get(a.person, a.person)
            row["unit"] = names["unit"].get(a.person)
            row["site_name"] = names["site"].get(a.site, a.site)
            row["gate_name"] = names["gate"].get((a.site, a.gate), a.gate)
        rows.append(row)
    columns = ["person", "date", "shift", "start", "end", "hours", "site", "gate"]
    if problem is not None:
        columns += ["person_name", "unit", "site_name", "gate_name"]
    frame = pd.DataFrame(rows, columns=columns)
    return _typed(frame, problem)


def coverage_frame(problem: Problem, plan: Plan) -> pd.DataFrame:
    """Gate x shift instance: site, gate, date, shift, start, end, demand, assigned (all
    people posted, extras included) and uncovered (demand not met)."""
    pd = _pandas()
    posted: dict[tuple[str, str, dt.date, str], int] = defaultdict(int)
    for a in plan.assignments:
        posted[(a.site, a.gate, a.date, a.shift)] += 1
    rows = []
    for si, site in enumerate(problem.sites):
        for gi, gate in enumerate(site.gates):
            for day in problem.dates:
                for shift in problem.shift_types:
                    entry = problem.demand(si, gi, day, shift.id)
                    got = posted.get((site.id, gate.id, day, shift.id), 0)
                    if entry is None and got == 0:
                        continue
                    need = 0 if entry is None else entry.need
                    rows.append({
                        "site": site.id,
                        "site_name": site.label,
                        "gate": gate.id,
                        "gate_name": gate.label,
                        "date": day,
                        "shift": shift.id,
                        "start": problem.shift_start(day, shift.id),
                        "end": problem.shift_end(day, shift.id),
                        "demand": need,
                        "assigned": got,
                        "uncovered": max(0, need - got),
                    })
    columns = ["site", "site_name", "gate", "gate_name", "date", "shift", "start", "end",
               "demand", "assigned", "uncovered"]
    frame = pd.DataFrame(rows, columns=columns).sort_values(["start", "site", "gate"], kind="stable")
    frame = frame.reset_index(drop=True).astype({"demand": "int64", "assigned": "int64", "uncovered": "int64"})
    return _typed(frame, problem)


def people_frame(plan: Plan, problem: Problem | None = None) -> pd.DataFrame:
    """One row per person with duties: shifts, hours, nights, weekend shifts, commute km and
    how many sites (which ones: :func:`person_sites_frame`)."""
    pd = _pandas()
    rows = [
        {
            "person": s.person,
            "name": s.name,
            "unit": s.unit,
            "n_sites": len(s.sites),
            "shifts": s.shifts,
            "hours": s.minutes / 60,
            "nights": s.nights,
            "weekend_shifts": s.weekend_shifts,
            "commute_km": s.commute_km,
        }
        for s in plan.people
    ]
    columns = ["person", "name", "unit", "n_sites", "shifts", "hours", "nights", "weekend_shifts", "commute_km"]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"n_sites": "int64", "shifts": "int64", "hours": "float64", "nights": "int64",
         "weekend_shifts": "int64", "commute_km": "float64"}
    )
    return _typed(frame, problem)


def person_sites_frame(plan: Plan, problem: Problem | None = None) -> pd.DataFrame:
    """One row per person and site they work at: shifts and hours there, in the order of the
    people and, per person, of their first duty at each site."""
    pd = _pandas()
    totals: dict[tuple[str, str], list[float]] = {}
    for a in sorted(plan.assignments, key=lambda a: (a.start, a.site)):
        row = totals.setdefault((a.person, a.site), [0, 0.0])
        row[0] += 1
        row[1] += (a.end - a.start).total_seconds() / 3600
    order = {s.person: i for i, s in enumerate(plan.people)}
    rows = [
        {"person": person, "site": site, "shifts": int(count), "hours": hours}
        for (person, site), (count, hours) in sorted(
            totals.items(), key=lambda item: order.get(item[0][0], len(order))
        )
    ]
    frame = pd.DataFrame(rows, columns=["person", "site", "shifts", "hours"])
    return _typed(frame.astype({"shifts": "int64", "hours": "float64"}), problem)


def roster_frame(problem: Problem, plan: Plan, site: str | None = None) -> pd.DataFrame:
    """Person x date with shift codes, the way rosters are printed.

    Rows: the people who work at the site (``site`` id; None: every site), labelled by name;
    columns: every date of the horizon (a ``DatetimeIndex`` named ``date``); cells: the shift
    type ids worked that date, with the gate after a slash when the site has more than one gate
    (``AM/east``), several joined by ``+``, and empty when off.
    """
    pd = _pandas()
    site_of = {s.id: s for s in problem.sites}
    if site is not None and site not in site_of:
        raise ProblemError(f"roster_frame: unknown site {site!r} (sites: {', '.join(site_of)})")
    codes: dict[str, dict[dt.date, list[str]]] = defaultdict(lambda: defaultdict(list))
    for a in plan.assignments:
        if site is not None and a.site != site:
            continue
        many_gates = len(site_of[a.site].gates) > 1
        prefix = "" if site is not None or len(problem.sites) == 1 else f"{site_of[a.site].label}:"
        codes[a.person][a.date].append(prefix + (f"{a.shift}/{a.gate}" if many_gates else a.shift))
    people = [p for p in problem.people if p.id in codes]
    label = _unique_labels(people)
    dates = problem.dates
    data = [["+".join(codes[p.id].get(day, [])) for day in dates] for p in people]
    frame = pd.DataFrame(data, index=pd.Index([label[p.id] for p in people], name="person"),
                         columns=pd.DatetimeIndex(dates, name="date"))
    return frame


def caseloads_frame(problem: Problem, plan: Plan) -> pd.DataFrame:
    """One row per household under watch: household, name, address, site, site_name, people,
    arrival, first and last watched dates in the horizon, person and person_name (empty when
    nobody answers for it), and the daily visit window (visit_from, visit_until)."""
    pd = _pandas()
    names = _names(problem)
    answers = plan.answers
    tasks = problem.caseload
    rows = []
    for household in problem.households:
        person = answers.get(household.id)
        first, last = problem.watch_span(household)
        rows.append({
            "household": household.id,
            "name": household.label,
            "address": household.address,
            "site": household.site,
            "site_name": names["site"].get(household.site, household.site),
            "people": household.people,
            "arrival": household.arrival,
            "first": first,
            "last": last,
            "person": person,
            "person_name": None if person is None else names["person"].get(person, person),
            "visit_from": f"{tasks.visit_from:%H:%M}",
            "visit_until": f"{tasks.visit_until:%H:%M}",
        })
    columns = ["household", "name", "address", "site", "site_name", "people", "arrival", "first",
               "last", "person", "person_name", "visit_from", "visit_until"]
    frame = pd.DataFrame(rows, columns=columns).astype({"people": "int64"})
    return _typed(frame, problem)


def _unique_labels(people: list[Any]) -> dict[str, str]:
    """Person labels (names), with the id added where two people share a name."""
    count: dict[str, int] = defaultdict(int)
    for p in people:
        count[p.label] += 1
    return {p.id: p.label if count[p.label] == 1 else f"{p.label} ({p.id})" for p in people}


def _names(problem: Problem | None) -> dict[str, dict[Any, Any]]:
    if problem is None:
        return {"person": {}, "unit": {}, "site": {}, "gate": {}}
    return {
        "person": {p.id: p.label for p in problem.people},
        "unit": {p.id: p.unit for p in problem.people},
        "site": {s.id: s.label for s in problem.sites},
        "gate": {(s.id, g.id): g.label for s in problem.sites for g in s.gates},
    }


ID_COLUMNS = ("person", "site", "gate", "shift", "unit", "household")
DATE_COLUMNS = ("date", "arrival", "first", "last")
CLOCK_COLUMNS = ("start", "end")


def _categories(problem: Problem | None, column: str, values: list[Any]) -> list[Any]:
    """The categories of an id column: the problem's order where it has one, then any other
    value in order of appearance (a plan of another problem is refused before export)."""
    known: list[Any] = []
    if problem is not None:
        known = {
            "person": [p.id for p in problem.people],
            "site": [s.id for s in problem.sites],
            "gate": [g.id for s in problem.sites for g in s.gates],
            "shift": [s.id for s in problem.shift_types],
            "unit": [p.unit for p in problem.people],
            "household": [h.id for h in problem.households],
        }[column]
    present = [v for v in values if v is not None and v == v]  # v == v: not NaN
    if problem is None:
        return sorted(set(present), key=str)
    return [v for v in dict.fromkeys([*known, *present]) if v is not None]


def _typed(frame: Any, problem: Problem | None = None) -> Any:
    """Ids as categoricals, dates as datetime64, clock times in the horizon's zone."""
    pd = _pandas()
    for column in ID_COLUMNS:
        if column in frame:
            values = list(frame[column])
            frame[column] = pd.Categorical(values, categories=_categories(problem, column, values))
    for column in DATE_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    zone = problem.horizon.timezone if problem is not None else None
    for column in CLOCK_COLUMNS:
        if column not in frame:
            continue
        if zone is None:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
            continue
        import zoneinfo

        tz = zoneinfo.ZoneInfo(zone)
        # wall-clock times in the zone, as Python reads them (fold 0), as every export does
        aware = [value.replace(tzinfo=tz) for value in frame[column]]
        frame[column] = pd.to_datetime(aware, utc=True).tz_convert(zone).astype(f"datetime64[ns, {zone}]")
    return frame


__all__ = [
    "assignments_frame",
    "caseloads_frame",
    "coverage_frame",
    "people_frame",
    "person_sites_frame",
    "problem_from_frames",
    "roster_frame",
]
