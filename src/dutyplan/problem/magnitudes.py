"""The worst case of every objective level, kept below 2^53 so every figure is exact."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from dutyplan.errors import ProblemError
from dutyplan.problem.fields import LEVELS, MAX_OBJECTIVE, WEEKDAYS
from dutyplan.problem.sites import DemandTable

if TYPE_CHECKING:
    from dutyplan.problem.core import Problem


def worst_case_levels(problem: Problem) -> dict[str, tuple[int, str, str]]:
    """An upper bound on each objective level over every plan a solver could return, with
    what contributes most to it: ``{level: (worst case, field path, value there)}``.

    Generous on purpose (every person on every shift instance, every soft rule broken as
    often as its unit allows): it only has to keep CP-SAT's arithmetic exact, see
    :func:`check_magnitudes`.
    """
    days, n_shifts, n_people = problem.horizon.days, len(problem.shift_types), len(problem.people)
    duties = days * n_shifts  # shift instances one person can work at most
    longest = max(s.minutes for s in problem.shift_types)
    worst: dict[str, list[tuple[int, str, str]]] = {level: [] for level in LEVELS}

    # cover: every gate-shift missing everyone it needs, or holding everyone as extras
    per_weekday = [days // 7 + (1 if ((d - problem.horizon.start.weekday()) % 7) < days % 7 else 0)
                   for d in range(7)]
    minutes = {s.id: s.minutes for s in problem.shift_types}
    special_days = any(problem.horizon.day_kinds())
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
                cost = table_cost(table)
                if special_days:  # a holiday's or a make-up working day's table may be dearer
                    cost = max(cost, table_cost(gate.demand), table_cost(gate.holidays or {}))
                total += (per_weekday[w] - on_dates[w]) * cost
            worst["cover"].append((total, f"sites.{k}.gates.{g}", f"priority {gate.priority}"))

    # caseloads: every household unwatched on every date
    for h, household in enumerate(problem.households):
        worst["cover"].append((household.missed_weight * min(days, household.watch_days),
                               f"households.{h}", f"priority {household.priority}"))
    n_households = len(problem.households)
    household_people = sum(h.people for h in problem.households)
    communities = len({h.site for h in problem.households})
    caseload_minutes = n_households * problem.caseload.day_minutes

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
        if person.takes_households and n_households:
            # the caseload's minutes and visit trips count in these two as well
            trip = int(minute_rows[i] + 1) * communities
            units_of["max_hours_per_7"] += days * 7 * (caseload_minutes + trip)
            units_of["max_day_minutes"] += (duties + days) * (caseload_minutes + trip)
            for name, count in (("max_households", n_households), ("max_household_people", household_people)):
                limit = getattr(person, name)
                if limit is not None and limit.weight is not None:
                    worst["rules"].append((limit.weight * count * days, f"people.{i}.{name}.weight", str(limit.weight)))
            worst["commute"].append((days * communities * int(km_rows[i] + 1), f"people.{i}", f"{km_rows[i]:.0f} km"))
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
    if n_households and problem.caseload.dispatch_weight:  # everyone dispatched every date
        weight = problem.caseload.dispatch_weight
        worst["fairness"].append((weight * n_people * days, "caseload.dispatch_weight", str(weight)))
    if n_households:  # every household moved, on every date
        weight = problem.caseload.change_weight
        worst["changes"].append((weight * n_households * days, "caseload.change_weight", str(weight)))
    config = problem.objective
    for name, count in (
        ("fairness_nights", duties), ("fairness_weekends", duties),
        ("fairness_minutes", duties * longest), ("fairness_shift_squares", n_people * duties * duties),
        ("fairness_households", n_households * days),
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


def check_magnitudes(problem: Problem) -> None:
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
