"""Conflicts between shift instances of one person: overlap, rest between shifts, shifts
per day and forbidden successions (docs/rules.md), stated once as maximal cliques; and
the same rules across the seam with the history."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.model.history import past_calendar
from dutyplan.rulebook import RULES_LEVEL as LEVEL


# clique covers by shift timing and rules: people with the same rules share one, and so do
# the one-person models of dutyplan.solver.start (recomputing it per person cost 1 s on a year)
_COVERS: dict[tuple[Any, ...], list[list[int]]] = {}


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
