"""Rule families, one function each, as the README and ``docs/rules.md`` list them.

Each function reads the effective rules of every person from the index, adds hard
constraints, and registers the cost of soft ones on the ``rules`` level.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.problem import Limit

LEVEL = "rules"


def add_all(dm: DutyModel) -> None:
    add_hard_conflicts(dm)
    add_history_seam(dm)
    add_max_shifts_per_day(dm)
    add_min_rest(dm)
    add_forbidden_successions(dm)
    add_runs(dm)
    add_rolling_week(dm)
    add_horizon_totals(dm)
    add_max_weekends(dm)
    add_commute_caps(dm)
    add_keep_one_site(dm)
    add_unit_sites(dm)
    add_roles(dm)


# --------------------------------------------------------------------------- shift pairs


def _instance_pairs(dm: DutyModel, gap: int) -> list[tuple[int, int, int, int]]:
    """Pairs of shift instances (d1, s1, d2, s2), second starting no earlier than the first,
    with ``start2 - end1 < gap`` (they overlap, or the rest between them is too short)."""
    ix = dm.index
    starts = ix.start.ravel()
    ends = ix.end.ravel()
    order = np.argsort(starts, kind="stable")
    pairs = []
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1 :]:
            if starts[b] - ends[a] >= gap:
                break  # later instances start later still
            pairs.append((a // ix.n_shifts, a % ix.n_shifts, b // ix.n_shifts, b % ix.n_shifts))
    return pairs


def _hard_conflicts(dm: DutyModel, p: int) -> set[tuple[int, int]]:
    """Pairs of flat instance ids (d * S + s) one person can never both work, by hard rules:
    overlap in time, too little rest, more than one shift a day, a forbidden succession."""
    ix = dm.index
    rules = ix.rules[p]
    flat = lambda d, s: d * ix.n_shifts + s
    pairs = {(flat(a, b), flat(c, d)) for a, b, c, d in _instance_pairs(dm, 0)}
    if rules.min_rest_hours is not None and rules.min_rest_hours.hard and rules.min_rest_hours.value:
        pairs |= {(flat(a, b), flat(c, d)) for a, b, c, d in _instance_pairs(dm, rules.min_rest_hours.value * 60)}
    if _one_shift_a_day(rules):
        for d in range(ix.n_days):
            for s1 in range(ix.n_shifts):
                for s2 in range(s1 + 1, ix.n_shifts):
                    pairs.add((flat(d, s1), flat(d, s2)))
    for succ in rules.forbidden_successions:
        if succ.weight is None:
            s1, s2 = ix.shift_position(succ.first), ix.shift_position(succ.then)
            pairs |= {(flat(d, s1), flat(d + 1, s2)) for d in range(ix.n_days - 1)}
    return {(min(a, b), max(a, b)) for a, b in pairs if a != b}


@dataclass
class PastCalendar:
    """A person's known days before the horizon, oldest first (from ``Person.history``)."""

    worked: list[bool]
    night: list[bool]
    minutes: list[int]
    instances: list[tuple[int, int, int, str]]  # (day index < 0, start, end minute, shift id)


def past_calendar(ix: Any, p: int) -> PastCalendar:
    problem = ix.problem
    person = problem.people[p]
    start = problem.horizon.start
    before = (start - person.history_start(start)).days
    calendar = PastCalendar([False] * before, [False] * before, [0] * before, [])
    shifts = {s.id: s for s in problem.shift_types}
    for duty in person.history:
        d = (duty.date - start).days  # negative
        shift = shifts[duty.shift]
        i = before + d
        calendar.worked[i] = True
        calendar.night[i] = calendar.night[i] or shift.is_night
        calendar.minutes[i] += shift.minutes
        begin = d * 24 * 60 + shift.start_minute
        calendar.instances.append((d, begin, begin + shift.minutes, shift.id))
    return calendar


def add_history_seam(dm: DutyModel) -> None:
    """Shifts worked before the horizon against the first ones in it: overlap (always hard),
    minimum rest and forbidden successions (hard: the horizon shift is ruled out; soft: its
    cost). Runs and 7-day windows count the history where they are stated."""
    ix = dm.index
    for p in range(ix.n_people):
        if not ix.problem.people[p].history:
            continue
        rules = ix.rules[p]
        past = past_calendar(ix, p)
        rest = rules.min_rest_hours
        rest_minutes = rest.value * 60 if rest is not None else 0
        for d, s, w in dm.person_work(p):
            begin = int(ix.start[d, s])
            for day, _, end, first_id in past.instances:
                if begin < end:  # overlaps a shift worked before the horizon
                    dm.hard(dm.model.add(w == 0), ("history", p))
                    continue
                if rest_minutes and begin - end < rest_minutes:
                    if rest.hard:
                        dm.hard(dm.model.add(w == 0), ("min_rest_hours", p))
                    else:
                        dm.cost(LEVEL, "min_rest_hours", rest.weight, w, p, 0)
                for succ in rules.forbidden_successions:
                    if day == -1 and d == 0 and succ.first == first_id and succ.then == ix.shift_ids[s]:
                        if succ.weight is None:
                            dm.hard(dm.model.add(w == 0), ("forbidden_successions", p))
                        else:
                            dm.cost(LEVEL, "forbidden_successions", succ.weight, w, p, 0)


def _one_shift_a_day(rules: Any) -> bool:
    limit = rules.max_shifts_per_day
    return limit is not None and limit.hard and limit.value == 1


# clique covers by shift timing and rules: people with the same rules share one, and so do
# the one-person models of dutyplan.solver.start (recomputing it per person cost 1 s on a year)
_COVERS: dict[tuple[Any, ...], list[list[int]]] = {}
_COVERS_LOCK = threading.Lock()


def add_hard_conflicts(dm: DutyModel) -> None:
    """Hard pairwise conflicts, stated once as at-most-one constraints over maximal cliques.

    The hard parts of four rule families are pairs of shift instances one person cannot both
    work: overlap in time (always), minimum rest, one shift a day, forbidden successions (see
    :func:`_hard_conflicts`). Each pair is covered by a greedy maximal clique of the conflict
    graph (such as {evening d, night d+1, day d+1} under a 12-hour rest, or all shift types of
    one day), and pairs no clique covers are stated on their own. This gives the same integer
    solutions as one constraint per pair, a much stronger linear relaxation, and a far smaller
    model (one-year instances have millions of pairs). The soft parts of these rules are in
    their own functions below.
    """
    ix = dm.index
    if dm.explain:
        _add_guarded_conflicts(dm)
        return
    # shift ids too: successions name shift types by id
    timing = (tuple(ix.shift_ids), ix.start.tobytes(), ix.end.tobytes())
    n_instances = ix.n_days * ix.n_shifts
    for p in range(ix.n_people):
        whole_days = _one_shift_a_day(ix.rules[p])
        key = timing + (
            ix.rules[p].model_dump_json(
                include={"min_rest_hours", "max_shifts_per_day", "forbidden_successions"}
            ),
        )
        cover = _COVERS.get(key)  # one lookup: other threads may evict meanwhile
        if cover is None:
            cliques = _clique_cover(_hard_conflicts(dm, p), n_instances)
            cover = [_by_whole_days(c, ix.n_shifts, whole_days) for c in cliques]
            with _COVERS_LOCK:
                while len(_COVERS) >= 32:
                    _COVERS.pop(next(iter(_COVERS)))
                _COVERS[key] = cover
        lit_of: list[Any] = [None] * n_instances  # flat instance -> work literal
        for d, s, w in dm.person_work(p):
            lit_of[d * ix.n_shifts + s] = w
        day = dm.day
        for days, instances in cover:
            lits = [day[(p, d)] for d in days if (p, d) in day]
            lits += [lit_of[i] for i in instances if lit_of[i] is not None]
            if len(lits) > 1:
                dm.model.add_at_most_one(lits)


def _add_guarded_conflicts(dm: DutyModel) -> None:
    """Explain mode: the pairs of each rule family on their own, under that rule's guard
    (overlap is a fact, never guarded)."""
    ix = dm.index
    flat = lambda d, s: d * ix.n_shifts + s  # noqa: E731
    overlap = {(flat(a, b), flat(c, d)) for a, b, c, d in _instance_pairs(dm, 0)}
    for p in range(ix.n_people):
        rules = ix.rules[p]
        families: list[tuple[tuple, set[tuple[int, int]]]] = [(("overlap", p), overlap)]
        rest = rules.min_rest_hours
        if rest is not None and rest.hard and rest.value:
            pairs = {(flat(a, b), flat(c, d)) for a, b, c, d in _instance_pairs(dm, rest.value * 60)}
            families.append((("min_rest_hours", p), pairs - overlap))
        if _one_shift_a_day(rules):
            pairs = {(flat(d, a), flat(d, b)) for d in range(ix.n_days)
                     for a in range(ix.n_shifts) for b in range(a + 1, ix.n_shifts)}
            families.append((("max_shifts_per_day", p), pairs))
        for succ in rules.forbidden_successions:
            if succ.weight is None:
                s1, s2 = ix.shift_position(succ.first), ix.shift_position(succ.then)
                pairs = {(flat(d, s1), flat(d + 1, s2)) for d in range(ix.n_days - 1)}
                families.append((("forbidden_successions", p), pairs))
        lit_of = {flat(d, s): w for d, s, w in dm.person_work(p)}
        for key, pairs in families:
            for a, b in sorted(pairs):
                if a != b and a in lit_of and b in lit_of:
                    constraint = dm.model.add_bool_or([lit_of[a].Not(), lit_of[b].Not()])
                    if key[0] != "overlap":
                        dm.hard(constraint, key)


def _by_whole_days(
    clique: list[int], n_shifts: int, whole_days: bool
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A clique as (dates it holds every shift type of, its other instances).

    With one shift a day, ``day[p, d]`` is the sum of a person's work literals on date d, so
    a clique holding every instance of that date may state ``day[p, d]`` instead: a year of
    32 shift types has cliques of 35 instances that become 4 literals.
    """
    if not whole_days:
        return (), tuple(int(i) for i in clique)
    per_day: dict[int, list[int]] = defaultdict(list)
    for i in clique:
        per_day[int(i) // n_shifts].append(int(i))
    days = tuple(d for d, members in per_day.items() if len(members) == n_shifts and n_shifts > 1)
    rest = tuple(i for d, members in per_day.items() if d not in days for i in members)
    return days, rest


def _clique_cover(pairs: set[tuple[int, int]], n: int) -> list[list[int]]:
    """Maximal cliques covering every pair: greedy cliques, then the pairs none of them covers."""
    cliques = _cliques(pairs, n)
    covered = {(a, b) for clique in cliques for i, a in enumerate(clique) for b in clique[i + 1 :]}
    return cliques + [[a, b] for a, b in sorted(pairs - covered)]


def _cliques(pairs: set[tuple[int, int]], n: int) -> list[list[int]]:
    """Greedy maximal cliques of the conflict graph, one grown from each vertex in time order."""
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    found: set[tuple[int, ...]] = set()
    for start in range(n):
        clique = [start]
        for other in sorted(neighbours[start]):
            if all(other in neighbours[member] for member in clique):
                clique.append(other)
        if len(clique) > 1:
            found.add(tuple(sorted(clique)))
    # drop cliques contained in another
    ordered = sorted(found, key=len, reverse=True)
    kept: list[set[int]] = []
    for clique in ordered:
        members = set(clique)
        if not any(members <= other for other in kept):
            kept.append(members)
    return [sorted(c) for c in kept]


def add_max_shifts_per_day(dm: DutyModel) -> None:
    """At most v shifts starting on one date (hard v = 1 is a pairwise conflict, stated above)."""
    ix = dm.index
    for p in range(ix.n_people):
        limit = ix.rules[p].max_shifts_per_day
        if limit is None or limit.value >= ix.n_shifts or _one_shift_a_day(ix.rules[p]):
            continue
        for d in range(ix.n_days):
            shifts = [dm.work[(p, d, s)] for s in range(ix.n_shifts) if (p, d, s) in dm.work]
            if len(shifts) <= limit.value:
                continue
            total = cp_model.LinearExpr.sum(shifts)
            if limit.hard:
                dm.hard(dm.model.add(total <= limit.value), ("max_shifts_per_day", p))
            else:
                over = dm.excess(total, limit.value, len(shifts))
                dm.cost(LEVEL, "max_shifts_per_day", limit.weight, over, person=p, day=d)


def add_min_rest(dm: DutyModel) -> None:
    """Soft minimum rest between two shifts (the hard rule is a pairwise conflict, stated above)."""
    ix = dm.index
    cache: dict[int, list[tuple[int, int, int, int]]] = {}
    for p in range(ix.n_people):
        limit = ix.rules[p].min_rest_hours
        if limit is None or limit.value == 0 or limit.hard:
            continue
        gap = limit.value * 60
        if gap not in cache:
            cache[gap] = [pair for pair in _instance_pairs(dm, gap) if _rest_only(ix, pair)]
        for d1, s1, d2, s2 in cache[gap]:
            a, b = dm.work.get((p, d1, s1)), dm.work.get((p, d2, s2))
            if a is not None and b is not None:
                dm.cost(LEVEL, "min_rest_hours", limit.weight, dm.both(a, b), person=p, day=d2)


def _rest_only(ix: Any, pair: tuple[int, int, int, int]) -> bool:
    """The pair does not overlap (overlaps are always forbidden elsewhere)."""
    d1, s1, d2, s2 = pair
    return bool(ix.start[d2, s2] >= ix.end[d1, s1])


def add_forbidden_successions(dm: DutyModel) -> None:
    """Soft forbidden successions (hard ones are pairwise conflicts, stated above)."""
    ix = dm.index
    for p in range(ix.n_people):
        for succ in ix.rules[p].forbidden_successions:
            if succ.weight is None:
                continue
            s1, s2 = ix.shift_position(succ.first), ix.shift_position(succ.then)
            for d in range(ix.n_days - 1):
                a, b = dm.work.get((p, d, s1)), dm.work.get((p, d + 1, s2))
                if a is not None and b is not None:
                    dm.cost(LEVEL, "forbidden_successions", succ.weight, dm.both(a, b), p, d + 1)


# --------------------------------------------------------------------------- runs


def add_runs(dm: DutyModel) -> None:
    """Consecutive worked days, days off and nights (Curtois-Qu boundary convention)."""
    ix = dm.index
    for p in range(ix.n_people):
        rules = ix.rules[p]
        past = past_calendar(ix, p)
        before = len(past.worked)  # known days before the horizon: constants in front
        days = [dm.true if w else None for w in past.worked] + [dm.day.get((p, d)) for d in range(ix.n_days)]
        if rules.max_consecutive_days is not None:
            _max_run(dm, p, days, rules.max_consecutive_days, "max_consecutive_days", before)
        if rules.max_consecutive_nights is not None:
            nights = [dm.true if n else None for n in past.night]
            for d in range(ix.n_days):
                lits = [
                    dm.work[(p, d, s)]
                    for s in range(ix.n_shifts)
                    if ix.shift_night[s] and (p, d, s) in dm.work
                ]
                nights.append(_any(dm, lits, rules.max_shifts_per_day))
            _max_run(dm, p, nights, rules.max_consecutive_nights, "max_consecutive_nights", before)
        if rules.min_consecutive_days is not None:
            _min_run(dm, p, days, rules.min_consecutive_days, "min_consecutive_days", True, before)
        if rules.min_consecutive_days_off is not None:
            _min_run(dm, p, days, rules.min_consecutive_days_off, "min_consecutive_days_off", False, before)


def _any(dm: DutyModel, lits: list[Any], per_day: Limit | None) -> Any | None:
    if not lits:
        return None
    if len(lits) == 1:
        return lits[0]
    v = dm.model.new_bool_var("")
    if per_day is not None and per_day.hard and per_day.value <= 1:
        dm.model.add(cp_model.LinearExpr.sum(lits) == v)
    else:
        dm.model.add_max_equality(v, lits)
    return v


def _max_run(
    dm: DutyModel, p: int, lits: list[Any | None], limit: Limit, rule: str, before: int = 0
) -> None:
    """At most ``limit.value`` consecutive true literals; soft: cost per day over.

    The first ``before`` literals are the known days before the horizon (``dm.true`` or
    None): only windows ending in the horizon count.
    """
    span = limit.value + 1
    for start in range(max(0, before - span + 1), len(lits) - span + 1):
        window = lits[start : start + span]
        if any(lit is None for lit in window):
            continue
        if limit.hard:
            dm.hard(dm.model.add_bool_or([lit.Not() for lit in window if lit is not dm.true]), (rule, p))
        else:
            day = start + span - 1 - before
            dm.cost(LEVEL, rule, limit.weight, dm.all_of([lit for lit in window if lit is not dm.true]), person=p, day=day)


def _min_run(
    dm: DutyModel,
    p: int,
    lits: list[Any | None],
    limit: Limit,
    rule: str,
    positive: bool,
    before: int = 0,
) -> None:
    """No maximal run shorter than ``limit.value`` unless it touches either end of the known
    calendar (the first of the ``before`` known days before the horizon, or the horizon's
    last day); runs that history alone ends (the day after them is before the horizon too)
    are not its business.

    ``positive``: runs of true literals (worked days); otherwise runs of false (days off).
    A missing literal is a constant false (the person cannot work that day); ``dm.true`` a
    constant true (a day worked before the horizon).
    """
    n = len(lits)

    def state(d: int, want_in_run: bool) -> Any | bool:
        """Literal that is true when day d is in (or out of) a run; or a constant."""
        lit = lits[d]
        in_run_when_true = positive
        if lit is None or lit is dm.true:  # constant: not worked / worked
            value = (lit is not None) == in_run_when_true
            return value if want_in_run else not value
        if want_in_run == in_run_when_true:
            return lit
        return lit.Not()

    for length in range(1, limit.value):
        for first in range(1, n - length):
            last = first + length - 1  # last + 1 <= n - 1: the run ends inside the horizon
            if last + 1 < before:
                continue  # the run and the day that ends it are all before the horizon
            pattern = [state(first - 1, False)]
            pattern += [state(d, True) for d in range(first, last + 1)]
            pattern.append(state(last + 1, False))
            if any(item is False for item in pattern):
                continue
            literals = [item for item in pattern if item is not True]
            shortfall = limit.value - length
            day = max(0, first - before)  # reported on the run's first horizon date
            if not literals:  # the pattern is certain: a constant violation
                if limit.hard:
                    dm.hard(dm.model.add_bool_or([]), (rule, p))  # infeasible, as the data forces it
                else:
                    dm.cost(LEVEL, rule, limit.weight * shortfall, None, person=p, day=day)
                continue
            if limit.hard:
                dm.hard(dm.model.add_bool_or([lit.Not() for lit in literals]), (rule, p))
            else:
                dm.cost(LEVEL, rule, limit.weight * shortfall, dm.all_of(literals), p, day)


# --------------------------------------------------------------------------- sums


def _sum_limit(
    dm: DutyModel,
    p: int,
    lits: list[Any],
    coefs: list[int],
    limit: Limit,
    rule: str,
    day: int | None,
    upper: bool = True,
    bound: int | None = None,
    key: tuple | None = None,
) -> None:
    """``sum(coefs * lits) <= bound`` (``>=`` when not ``upper``), hard or soft per ``limit``.

    ``bound`` defaults to ``limit.value``; soft costs ``limit.weight`` per unit over (under).
    ``key``: the guard of a hard one in explain mode (default ``(rule, p)``).
    """
    key = (rule, p) if key is None else key
    bound = limit.value if bound is None else bound
    total = cp_model.LinearExpr.weighted_sum(lits, coefs)
    top = int(sum(coefs))
    if upper:
        if top <= bound:
            return
        if limit.hard:
            dm.hard(dm.model.add(total <= bound), key)
        else:
            dm.cost(LEVEL, rule, limit.weight, dm.excess(total, bound, top), p, day)
    else:
        if bound <= 0:
            return
        if limit.hard:
            dm.hard(dm.model.add(total >= bound), key)
        else:
            dm.cost(LEVEL, rule, limit.weight, dm.shortfall(total, bound), p, day)


def add_rolling_week(dm: DutyModel) -> None:
    """Every 7 consecutive dates: days off at least v, minutes at most 60 v."""
    ix = dm.index
    for p in range(ix.n_people):
        rules = ix.rules[p]
        off = rules.min_days_off_per_7
        hours = rules.max_hours_per_7
        if off is None and hours is None:
            continue
        past = past_calendar(ix, p)
        before = len(past.worked)
        # windows of 7 known dates with at least one in the horizon (dates before the horizon
        # count with what the history says)
        for first in range(-min(6, before), ix.n_days - 6):
            week = range(max(0, first), first + 7)
            past_days = range(before + first, before) if first < 0 else range(0)
            if off is not None:
                # days off >= v  <=>  worked dates <= 7 - v
                lits = [dm.day[(p, d)] for d in week if (p, d) in dm.day]
                coefs = [1] * len(lits)
                worked_before = sum(past.worked[i] for i in past_days)
                lits, coefs = lits + [dm.true], coefs + [worked_before]
                _sum_limit(dm, p, lits, coefs, off, "min_days_off_per_7", max(0, first), bound=7 - off.value)
            if hours is not None:
                keys = [(d, s) for d in week for s in range(ix.n_shifts) if (p, d, s) in dm.work]
                lits = [dm.work[(p, d, s)] for d, s in keys] + [dm.true]
                coefs = [int(ix.shift_minutes[s]) for _, s in keys] + [sum(past.minutes[i] for i in past_days)]
                _sum_limit(dm, p, lits, coefs, hours, "max_hours_per_7", max(0, first), bound=hours.value * 60)


def add_horizon_totals(dm: DutyModel) -> None:
    ix = dm.index
    for p in range(ix.n_people):
        rules = ix.rules[p]
        items = dm.person_work(p)
        lits = [w for _, _, w in items]
        minutes = [int(ix.shift_minutes[s]) for _, s, _ in items]
        if rules.max_minutes is not None:
            _sum_limit(dm, p, lits, minutes, rules.max_minutes, "max_minutes", None)
        if rules.min_minutes is not None:
            _sum_limit(dm, p, lits, minutes, rules.min_minutes, "min_minutes", None, False)
        by_type: dict[int, list[Any]] = defaultdict(list)
        if rules.max_shifts:
            for _, t, w in items:
                by_type[t].append(w)
        for shift_id, limit in rules.max_shifts.items():
            of_type = by_type.get(ix.shift_position(shift_id), [])
            _sum_limit(dm, p, of_type, [1] * len(of_type), limit, "max_shifts", None, key=("max_shifts", p, shift_id))


def add_max_weekends(dm: DutyModel) -> None:
    ix = dm.index
    weekends = defaultdict(list)
    for d in range(ix.n_days):
        if ix.weekend_index[d] >= 0:
            weekends[int(ix.weekend_index[d])].append(d)
    if not weekends:
        return
    for p in range(ix.n_people):
        limit = ix.rules[p].max_weekends
        if limit is None:
            continue
        worked = []
        for days in weekends.values():
            lits = [dm.day[(p, d)] for d in days if (p, d) in dm.day]
            if not lits:
                continue
            if len(lits) == 1:
                worked.append(lits[0])
            else:
                v = dm.model.new_bool_var("")
                dm.model.add_max_equality(v, lits)
                worked.append(v)
        _sum_limit(dm, p, worked, [1] * len(worked), limit, "max_weekends", None)


# --------------------------------------------------------------------------- commute


def add_commute_caps(dm: DutyModel) -> None:
    """Soft caps on km and working-day length per duty (hard ones prune eligibility)."""
    ix = dm.index
    soft = [
        (r.max_commute_km is not None and not r.max_commute_km.hard)
        or (r.max_day_minutes is not None and not r.max_day_minutes.hard)
        for r in ix.rules
    ]
    if not any(soft):
        return
    for (p, c, d, s), var in zip(dm.x_keys.tolist(), dm.x_vars):
        if not soft[p]:
            continue
        rules = ix.rules[p]
        k = int(ix.class_site[c])
        cap = rules.max_commute_km
        if cap is not None and not cap.hard and ix.km[p, k] > cap.value:
            dm.cost(LEVEL, "max_commute_km", cap.weight * int(ix.km[p, k] - cap.value), var, p, d, k)
        day_cap = rules.max_day_minutes
        if day_cap is not None and not day_cap.hard:
            length = int(ix.commute_minutes[p, k] + ix.shift_minutes[s])
            if length > day_cap.value:
                dm.cost(LEVEL, "max_day_minutes", day_cap.weight * (length - day_cap.value), var, p, d, k)


# --------------------------------------------------------------------------- sites and teams


def add_keep_one_site(dm: DutyModel) -> None:
    ix = dm.index
    by_person = defaultdict(list)
    for (p, k), y in dm.at_site.items():
        by_person[p].append(y)
    for p, ys in by_person.items():
        if ix.rules[p].keep_one_site and len(ys) > 1:
            dm.at_most_one(ys, ("keep_one_site", p))


def add_unit_sites(dm: DutyModel) -> None:
    ix = dm.index
    weight = ix.problem.rules.unit_sites_weight
    if not weight:
        return
    units = defaultdict(list)
    for p, person in enumerate(ix.problem.people):
        if person.unit is not None:
            units[person.unit].append(p)
    for unit, members in units.items():
        used = []
        for k in range(ix.n_sites):
            ys = [dm.at_site[(p, k)] for p in members if (p, k) in dm.at_site]
            if not ys:
                continue
            if len(ys) == 1:
                used.append(ys[0])
            else:
                z = dm.model.new_bool_var("")
                dm.model.add_max_equality(z, ys)
                used.append(z)
        if len(used) > 1:
            extra = dm.excess(cp_model.LinearExpr.sum(used), 1, len(used))
            dm.cost(LEVEL, "unit_sites_weight", weight, extra)


def add_roles(dm: DutyModel) -> None:
    """At least ``count`` people with a role on duty at a site whenever it needs people."""
    ix = dm.index
    problem = ix.problem
    for requirement in problem.rules.roles:
        listed = requirement.sites if requirement.sites is not None else [s.id for s in problem.sites]
        sites = list(dict.fromkeys(listed))  # each site once; an empty list means nowhere
        has_role = np.array([requirement.role in p.roles for p in problem.people], dtype=bool)
        for site_id in sites:
            k = next(i for i, s in enumerate(problem.sites) if s.id == site_id)
            _role_at_site(dm, k, requirement, has_role)


def _role_at_site(dm: DutyModel, k: int, requirement: Any, has_role: np.ndarray) -> None:
    ix = dm.index
    class_ids = [c for c, cls in enumerate(ix.classes) if cls.site == k]
    if not class_ids:
        return
    is_open = np.zeros((ix.n_days, ix.n_shifts), dtype=bool)
    needs = np.zeros((ix.n_days, ix.n_shifts), dtype=bool)
    for c in class_ids:
        is_open |= ix.classes[c].open
        needs |= ix.classes[c].open & (ix.classes[c].need > 0)
    if not needs.any():
        return
    instances = np.argwhere(is_open)  # (d, s) open at the site
    starts = ix.start[is_open]
    ends = ix.end[is_open]
    bounds = np.unique(np.concatenate([starts, ends]))
    need_starts, need_ends = ix.start[needs], ix.end[needs]
    # Pieces between consecutive boundaries, kept when some gate-shift needs people then.
    # Pieces covered by the same shift instances share one constraint (minutes add up).
    minutes: dict[tuple, int] = defaultdict(int)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if not np.any((need_starts <= lo) & (need_ends >= hi)):
            continue
        covering = tuple(map(tuple, instances[(starts <= lo) & (ends >= hi)].tolist()))
        minutes[covering] += hi - lo
    role_people = np.flatnonzero(has_role)
    for covering, piece_minutes in minutes.items():
        lits = []
        for d, s in covering:
            for c in class_ids:
                for p in role_people:
                    xi = dm.x_id[p, c, d, s]
                    if xi >= 0:
                        lits.append(dm.x_vars[xi])
        present = cp_model.LinearExpr.sum(lits)
        first_day = int(covering[0][0]) if covering else None
        if requirement.weight is None:
            dm.hard(dm.model.add(present >= requirement.count), ("roles", k, requirement.role))
        else:
            short = dm.shortfall(present, requirement.count)
            dm.cost(LEVEL, "roles", requirement.weight * piece_minutes, short, None, first_day, k)
