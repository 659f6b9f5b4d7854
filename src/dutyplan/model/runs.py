"""Runs of days: maximum and minimum consecutive days worked and days off, maximum
consecutive nights (docs/rules.md, with the history before the horizon)."""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.model.history import past_calendar
from dutyplan.problem import Limit
from dutyplan.rulebook import RULES_LEVEL as LEVEL


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
