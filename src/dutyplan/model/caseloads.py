"""Caseloads ("1+N", docs/rules.md 'Caseloads'): who answers for each household under watch,
the daily capacity N, the evening visit beside gate duties, the caseload's minutes in the
working day and the 7-day hours, unwatched households (cover) and visit trips (commute).

Variables (all boolean):

* ``answer[h, p]`` person p answers for household h (only people who may: caseload capacity,
  community, role, language, available on every watched date);
* ``unwatched[h]`` = 1 - sum over p of answer[h, p] (at most one person per household);
* ``trip[p, d, k]`` p visits some household of site k on date d (exactly the or of theirs).

``dm.caseload_minutes[(p, d)]``: the caseload's minutes of p on date d as (coef, literal)
terms, for the working-day and 7-day rules.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.problem import Household, Limit, Person, Problem, fits_household
from dutyplan.rulebook import RULES_LEVEL as LEVEL

DAY = 24 * 60


def watched_days(problem: Problem, household: Household) -> list[int]:
    """Day indices of the horizon on which the household is watched."""
    first, last = problem.watch_span(household)
    return list(range(problem.day_index(first), problem.day_index(last) + 1))


def may_answer(problem: Problem, person: Person, household: Household) -> bool:
    """The person may answer for the household (docs/rules.md): a caseload capacity, the
    community, the role and language asked, and on every watched date they or their deputy
    available (:meth:`dutyplan.problem.Problem.answering`)."""
    return problem.answering(person.id, household) is not None


def covering(problem: Problem, p: int, household: Household, away: dict[int, set[int]],
             person_of: dict[str, int] | None = None) -> dict[int, int] | None:
    """Day index -> who does the household's work that date (p, or p's deputy on p's dates
    away) if p answers for it; None when p may not. ``away``: whole days away of the people
    who take households (a person missing from it takes none)."""
    person = problem.people[p]
    if p not in away or not fits_household(person, household):
        return None
    deputy = None
    if person.deputy is not None:
        q = (person_of.get(person.deputy) if person_of is not None
             else next((i for i, other in enumerate(problem.people) if other.id == person.deputy), None))
        if q is not None and q in away and fits_household(problem.people[q], household):
            deputy = q
    who: dict[int, int] = {}
    for d in watched_days(problem, household):
        if d not in away[p]:
            who[d] = p
        elif deputy is not None and d not in away[deputy]:
            who[d] = deputy
        else:
            return None
    return who


def days_away(problem: Problem, person: Person) -> set[int]:
    """Day indices of the person's whole days unavailable."""
    start = problem.horizon.start
    return {(item.date - start).days for item in person.unavailable if item.shift is None}


def postings_by_day(dm: DutyModel, people: set[int]) -> dict[tuple[int, int], list[tuple[int, int, Any]]]:
    """(person, date) -> [(gate class, shift, posting variable)] for these people."""
    out: dict[tuple[int, int], list[tuple[int, int, Any]]] = defaultdict(list)
    if dm.x_keys is None:
        return out
    for p in sorted(people):
        lo, hi = dm.x_range(p)
        for (_, c, d, s), var in zip(dm.x_keys[lo:hi].tolist(), dm.x_vars[lo:hi]):
            out[(p, d)].append((c, s, var))
    return out


def window_overlap(problem: Problem, d: int, visit_date: int, shift: int) -> int:
    """Minutes of the visit window of ``visit_date`` that the instance of ``shift`` starting on
    date ``d`` takes (wall-clock minutes from the horizon's first midnight)."""
    tasks = problem.caseload
    shift_type = problem.shift_types[shift]
    begin = d * DAY + shift_type.start_minute
    end = begin + shift_type.minutes
    lo = visit_date * DAY + tasks.window_start
    hi = lo + tasks.window_minutes
    return max(0, min(end, hi) - max(begin, lo))


def add_caseload_variables(dm: DutyModel, fixed: dict[str, str | None] | None = None) -> None:
    """``answer``, ``unwatched``, ``trip`` and the caseload minutes of each person-date.

    ``fixed``: households whose person is already decided (household id -> person id, or None
    for nobody), as a re-plan's frozen and running caseloads: they get that one person's
    variable only (if they may answer for it), set to 1."""
    ix = dm.index
    problem = ix.problem
    if not problem.households:
        return
    model = dm.model
    site_of = {site.id: k for k, site in enumerate(problem.sites)}
    per_day = problem.caseload.day_minutes
    by_trip: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    # who takes households, by community (None: any), so that each household looks at those only
    takers: dict[str | None, list[int]] = defaultdict(list)
    person_of = {person.id: p for p, person in enumerate(problem.people)}
    away: dict[int, set[int]] = {}
    for p, person in enumerate(problem.people):
        if person.takes_households:
            away[p] = days_away(problem, person)
            for community in (person.communities if person.communities is not None else [None]):
                takers[community].append(p)
    for h, household in enumerate(problem.households):
        days = watched_days(problem, household)
        answers = []
        if fixed is not None and household.id in fixed:
            chosen = fixed[household.id]
            candidates = [p for p in (person_of.get(chosen),) if p is not None and p in away]
        else:
            candidates = sorted(set(takers.get(household.site, [])) | set(takers.get(None, [])))
        for p in candidates:
            who = covering(problem, p, household, away, person_of)
            if who is None:
                continue
            a = model.new_bool_var(f"answer_{h}_{p}")
            if fixed is not None and household.id in fixed:
                model.add(a == 1)
            dm.answer[(h, p)] = a
            answers.append(a)
            for d in days:  # the work of each date falls to p, or to p's deputy
                dm.answers_on[(who[d], d)].append((h, a))
                by_trip[(who[d], d, site_of[household.site])].append(a)
        u = model.new_bool_var(f"unwatched_{h}")
        model.add(cp_model.LinearExpr.sum(answers) + u == 1)
        dm.unwatched[h] = u
    for (p, d, k), lits in sorted(by_trip.items()):
        t = _any_household(dm, problem.people[p], lits)
        dm.trip[(p, d, k)] = t
        terms = dm.caseload_minutes[(p, d)]
        minutes = int(ix.commute_minutes[p, k])
        if minutes:
            terms.append((minutes, t))
    for (p, d), pairs in dm.answers_on.items():
        if per_day:
            dm.caseload_minutes[(p, d)].extend((per_day, a) for _, a in pairs)


def _any_household(dm: DutyModel, person: Person, lits: list[Any]) -> Any:
    """A boolean equal to the or of ``lits`` (households of ``person`` on one date). With a
    hard ``max_households`` N, also ``sum(lits) <= N * it``: redundant, for the relaxation
    (it then counts at least household-dates / N of these, where the max alone gives 1/len);
    not in explain mode, where the capacity is a rule that may be switched off."""
    if len(lits) == 1:
        return lits[0]
    any_of = dm.model.new_bool_var("")
    dm.model.add_max_equality(any_of, lits)
    limit = person.max_households
    if limit is not None and limit.hard and limit.value < len(lits) and not dm.explain:
        dm.model.add(cp_model.LinearExpr.sum(lits) <= limit.value * any_of)
    return any_of


def add_caseload_rules(dm: DutyModel) -> None:
    """The daily capacity (households and their people), the visit window beside duties at
    other sites, and the working-day cap with the caseload's minutes."""
    ix = dm.index
    problem = ix.problem
    if not problem.households:
        return
    for (p, d), pairs in sorted(dm.answers_on.items()):
        person = problem.people[p]
        lits = [a for _, a in pairs]
        for name, coefs in (
            ("max_households", [1] * len(pairs)),
            ("max_household_people", [problem.households[h].people for h, _ in pairs]),
        ):
            limit: Limit | None = getattr(person, name)
            if limit is None:
                continue
            total = cp_model.LinearExpr.weighted_sum(lits, coefs)
            if sum(coefs) <= limit.value:
                continue
            if limit.hard:
                dm.hard(dm.model.add(total <= limit.value), (name, p))
            else:
                dm.cost(LEVEL, name, limit.weight, dm.excess(total, limit.value, sum(coefs)), p, d)
    # each caseload person's postings by date, read once for both rules below
    postings = postings_by_day(dm, {p for p, _ in dm.answers_on})
    _add_visit_window(dm, postings)
    _add_day_minutes(dm, postings)


def _add_visit_window(dm: DutyModel, postings: dict[tuple[int, int], list[tuple[int, int, Any]]]) -> None:
    """On a date p visits site k: the day's visits and the window minutes taken by p's duties
    at sites other than k fit in the window."""
    ix = dm.index
    problem = ix.problem
    tasks = problem.caseload
    window = tasks.window_minutes
    for (p, d, k), t in sorted(dm.trip.items(), key=lambda item: item[0]):
        visits = [(tasks.visit_minutes, a) for _, a in dm.answers_on[(p, d)]]
        blocked = []
        for d_shift in (d - 1, d):
            for c, s, var in postings.get((p, d_shift), ()):
                overlap = window_overlap(problem, d_shift, d, s)
                if overlap and ix.class_site[c] != k:
                    blocked.append((overlap, var))
        terms = [(m, a) for m, a in visits if m] + blocked
        if sum(m for m, _ in terms) <= window:
            continue
        expr = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [m for m, _ in terms])
        enforce = [t, dm.guard(("visit_window", p, d))] if dm.explain else [t]
        dm.model.add(expr <= window).only_enforce_if(enforce)


def _add_day_minutes(dm: DutyModel, postings: dict[tuple[int, int], list[tuple[int, int, Any]]]) -> None:
    """``max_day_minutes``: each duty's shift and commute minutes plus its date's caseload
    minutes, and a date with caseload minutes and no duty, at most v (soft: per minute over).
    Duties on dates without caseload minutes keep the rule of :mod:`.commute`."""
    ix = dm.index
    model = dm.model
    for (p, d), terms in sorted(dm.caseload_minutes.items()):
        cap = ix.rules[p].max_day_minutes
        if cap is None or not terms:
            continue
        most = sum(m for m, _ in terms)
        duties = [(int(ix.commute_minutes[p, ix.class_site[c]] + ix.shift_minutes[s]), var)
                  for c, s, var in postings.get((p, d), ())]
        if all(length + most <= cap.value for length, _ in [*duties, (0, None)]):
            continue
        caseload = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [m for m, _ in terms])
        idle = dm.day[(p, d)].Not() if (p, d) in dm.day else dm.true
        for length, on in [*duties, (0, idle)]:
            if length + most <= cap.value:
                continue
            if cap.hard:
                dm.hard(model.add(caseload + length <= cap.value).only_enforce_if(on), ("max_day_minutes", p))
                continue
            over = dm.excess(caseload + length, cap.value, most + length)
            cost = model.new_int_var(0, most + length, "")
            model.add_multiplication_equality(cost, [over, on])
            dm.cost(LEVEL, "max_day_minutes", cap.weight, cost, p, d)


def add_caseload_cover(dm: DutyModel) -> None:
    """Cover: each watched date of a household nobody answers for."""
    problem = dm.index.problem
    for h, u in dm.unwatched.items():
        household = problem.households[h]
        days = len(watched_days(problem, household))
        dm.cost("cover", "households", household.missed_weight * days, u)


def add_caseload_fairness(dm: DutyModel) -> None:
    """Fairness: ``fairness_households`` x the range of household-dates answered for, over the
    people who take households (balanced caseloads)."""
    problem = dm.index.problem
    weight = problem.objective.fairness_households
    takers = [p for p, person in enumerate(problem.people) if person.takes_households]
    if not weight or problem.objective.weight("fairness") == 0 or len(takers) < 2 or not problem.households:
        return
    days = [len(watched_days(problem, h)) for h in problem.households]
    loads: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for (h, p), a in dm.answer.items():
        loads[p].append((days[h], a))
    top = sum(days)
    totals = [cp_model.LinearExpr.weighted_sum([a for _, a in loads[p]], [n for n, _ in loads[p]]) for p in takers]
    high = dm.model.new_int_var(0, top, "")
    low = dm.model.new_int_var(0, top, "")
    dm.model.add_max_equality(high, totals)
    dm.model.add_min_equality(low, totals)
    dm.cost("fairness", "fairness_households", weight, high)
    dm.cost("fairness", "fairness_households", -weight, low)


def add_caseload_dispatch(dm: DutyModel) -> None:
    """Fairness: ``caseload.dispatch_weight`` per person and date with households to answer
    for (fewest people dispatched each day)."""
    problem = dm.index.problem
    weight = problem.caseload.dispatch_weight
    if not weight or problem.objective.weight("fairness") == 0:
        return
    for (p, d), pairs in sorted(dm.answers_on.items()):
        busy = _any_household(dm, problem.people[p], [a for _, a in pairs])
        dm.cost("fairness", "dispatched", weight, busy, p, d)


def add_caseload_travel(dm: DutyModel) -> None:
    """Commute: whole km of each visit trip (a round trip to the household's site)."""
    ix = dm.index
    for (p, d, k), t in sorted(dm.trip.items(), key=lambda item: item[0]):
        km = int(ix.km[p, k])
        if km:
            dm.cost("commute", "visit_trips", km, t, p, d, k)


def caseload_days(dm: DutyModel) -> set[tuple[int, int]]:
    """(person, date) pairs with caseload minutes (the working-day rule is here for them)."""
    return {key for key, terms in dm.caseload_minutes.items() if terms}


__all__ = [
    "add_caseload_cover",
    "add_caseload_dispatch",
    "add_caseload_fairness",
    "add_caseload_rules",
    "add_caseload_travel",
    "add_caseload_variables",
    "caseload_days",
    "covering",
    "days_away",
    "may_answer",
    "postings_by_day",
    "watched_days",
    "window_overlap",
]
