"""Caseloads (docs/rules.md, 'Caseloads'): who answers for each household, the daily capacity,
the evening visit beside duties at other sites, unwatched households (cover) and visit trips
(commute). The caseload minutes of each person-date are read here first, for the working-day
and 7-day rules. The model side is :mod:`dutyplan.model.caseloads`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from dutyplan.checker.calendar import DAY_MINUTES
from dutyplan.checker.state import CheckState
from dutyplan.plan import Caseload

__all__ = ["check_caseloads", "check_day_minutes", "read_caseloads"]


def read_caseloads(checker: CheckState, caseloads: Sequence[Caseload]) -> None:
    """The always-hard caseload checks (``unknown``, ``household_twice``, ``household_person``)
    and, per person, the households answered for on each date and the caseload minutes
    (tasks, and a round trip to each site visited that date)."""
    problem = checker.problem
    index = {h.id: i for i, h in enumerate(problem.households)}
    checker.answered = {}
    for item in caseloads:
        h = index.get(item.household)
        p = checker.person_index.get(item.person)
        if h is None or p is None:
            what = f"unknown household {item.household!r}" if h is None else f"unknown person {item.person!r}"
            checker.violate("unknown", f"caseload of {item.household!r} by {item.person!r}: {what}")
            continue
        household = problem.households[h]
        if h in checker.answered:
            other = checker.who(checker.answered[h])
            checker.violate("household_twice", f"household {household.label} is answered for by both "
                            f"{other} and {checker.who(p)}", p)
            continue
        checker.answered[h] = p
        reason = checker.why_not(problem.people[p], household)
        if reason is not None:
            checker.violate("household_person", f"{checker.who(p)} answers for household {household.label} but {reason}", p)
    tasks = problem.caseload
    checker.households_on = defaultdict(list)
    for h, p in checker.answered.items():
        for d in checker.watched(problem.households[h]):  # p's work, or their deputy's when p is away
            checker.households_on[(checker.worker(p, d), d)].append(h)
    checker.caseload_min = [[0] * checker.n_days for _ in problem.people]
    pairs = {(p, checker.site_index[problem.households[h].site])
             for (p, _), hs in checker.households_on.items() for h in hs}
    checker.visit_commute = checker.context.pair_commute(sorted(pairs))
    for (p, d), hs in checker.households_on.items():
        sites = {checker.site_index[problem.households[h].site] for h in hs}
        trips = sum(checker.visit_commute[(p, k)][1] for k in sites)
        checker.caseload_min[p][d] = len(hs) * tasks.day_minutes + trips


def check_caseloads(checker: CheckState) -> None:
    """Capacity per date, the visit window, unwatched households, visit trips."""
    problem = checker.problem
    tasks = problem.caseload
    for (p, d), hs in sorted(checker.households_on.items()):
        person = problem.people[p]
        who, day = checker.who(p), checker.day(d)
        count = len(hs)
        people = sum(problem.households[h].people for h in hs)
        if person.max_households is not None:
            checker.limit("max_households", person.max_households, count - person.max_households.value,
                          f"{who} answers for {count} households on {day}, more than "
                          f"{person.max_households.value}", p, d)
        if person.max_household_people is not None:
            checker.limit("max_household_people", person.max_household_people,
                          people - person.max_household_people.value,
                          f"{who} answers for {people} people on {day}, more than "
                          f"{person.max_household_people.value}", p, d)
        # the visit window of this date, and the duties at other sites that take part of it
        lo = d * DAY_MINUTES + tasks.window_start
        hi = lo + tasks.window_minutes
        sites = sorted({checker.site_index[problem.households[h].site] for h in hs})
        visits = count * tasks.visit_minutes
        for k in sites:
            taken = sum(max(0, min(duty.end, hi) - max(duty.start, lo))
                        for duty in checker.by_person[p] if duty.site != k)
            if visits + taken > tasks.window_minutes:
                checker.violate(
                    "visit_window",
                    f"{who}: {count} visit(s) of {tasks.visit_minutes} min on {day} and {taken} min "
                    f"of duties elsewhere do not fit in {tasks.visit_from:%H:%M}-{tasks.visit_until:%H:%M} "
                    f"({tasks.window_minutes} min) for {checker.where(k)}", p, d, k)
            km = checker.visit_commute[(p, k)][0]
            checker.penalise("commute", "visit_trips", km, f"{who}: visit trip to {checker.where(k)} "
                             f"on {day}, {km} km round trip", p, d, k)
    weight = problem.objective.fairness_households
    takers = [p for p, person in enumerate(problem.people)
              if person.max_households is not None or person.max_household_people is not None]
    if weight and len(takers) >= 2 and problem.households:  # balanced caseloads
        load = dict.fromkeys(takers, 0)
        for h, p in checker.answered.items():
            if p in load:
                load[p] += len(checker.watched(problem.households[h]))
        hi = max(takers, key=load.__getitem__)
        lo = min(takers, key=load.__getitem__)
        spread = load[hi] - load[lo]
        checker.penalise("fairness", "fairness_households", weight * spread,
                         f"household-dates answered for, range over {len(takers)} people who take households: "
                         f"{load[hi]} ({checker.who(hi)}) - {load[lo]} ({checker.who(lo)}) = {spread} "
                         f"(cost {weight} x {spread})")
    if tasks.dispatch_weight:  # fewest people dispatched: each person-date with households
        for (p, d), hs in sorted(checker.households_on.items()):
            checker.penalise("fairness", "dispatched", tasks.dispatch_weight,
                             f"{checker.who(p)} answers for {len(hs)} household(s) on {checker.day(d)}", p, d)
    for h, household in enumerate(problem.households):
        if h in checker.answered:
            continue
        days = checker.watched(household)
        cost = household.missed_weight * len(days)
        checker.penalise("cover", "households", cost, f"household {household.label} at "
                         f"{checker.where(checker.site_index[household.site])}: nobody answers for it on "
                         f"{len(days)} watched date(s) x {household.missed_weight}", site=checker.site_index[household.site])


def check_day_minutes(checker: CheckState, p: int) -> None:
    """``max_day_minutes`` on dates with caseload minutes and no duty (dates with duties are
    checked with each duty, see :mod:`.commute`)."""
    limit = checker.rules[p].max_day_minutes
    if limit is None:
        return
    worked = {duty.day for duty in checker.by_person[p]}
    for d, minutes in enumerate(checker.caseload_min[p]):
        if minutes and d not in worked:
            checker.limit("max_day_minutes", limit, minutes - limit.value,
                          f"{checker.who(p)}: {minutes} min of caseload on {checker.day(d)} with no duty, "
                          f"more than {limit.value}", p, d)
