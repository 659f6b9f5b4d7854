"""Sums over time: days off and hours in every 7 days, minutes over the horizon, shifts
per type, weekends (docs/rules.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.model.history import past_calendar
from dutyplan.problem import Limit
from dutyplan.rulebook import RULES_LEVEL as LEVEL


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
                for d in week:  # the caseload's minutes (dutyplan.model.caseloads)
                    for minutes, lit in dm.caseload_minutes.get((p, d), ()):
                        lits.append(lit)
                        coefs.append(minutes)
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
