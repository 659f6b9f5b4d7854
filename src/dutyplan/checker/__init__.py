"""The independent checker: recompute every violation and every unit of cost of a plan.

This package re-implements ``docs/rules.md`` from scratch, without the solver: besides itself
it imports only ``dutyplan.problem``, ``dutyplan.plan``, ``dutyplan.rulebook`` (rule names and
weights), the standard library, numpy and pydantic.
Use it to audit a plan (from the solver, from a file, or written by hand)::

    report = check(problem, plan)
    if not report.ok:
        print(report.summary())

Conventions where the rules leave room (they only matter for plans that already break an
always-hard check):

* An assignment naming an unknown person, site, gate or shift type, or a date outside the
  horizon, is reported once as ``unknown`` and ignored for everything else.
* A person *works* a shift instance ``(date, shift)`` when at least one assignment says so;
  rules about time (rest, runs, windows, minutes, nights, weekends, shifts per day, fairness)
  count each worked instance once, even if it is assigned twice (``duplicate``).
* Rules about a *duty* (commute, ``max_commute_km``, ``max_day_minutes``, site preferences,
  ``gate_role``, ``unavailable``, ``closed_gate``) look at every assignment.
* Cover and roles count *distinct people* at a gate-shift / at a site. For roles, a duty
  counts for a piece only if it covers the whole piece (a duty at a closed gate-shift may not
  line up with the pieces).
* A ``roles`` shortfall is reported (hard) or itemised (soft) once per site, requirement and
  calendar date on which the short pieces start.
* Every time is measured in whole minutes from the horizon start, from the shift types (the
  ``start``/``end`` written in an assignment are only compared, under ``times``).

Many small checks of one problem (e.g. :mod:`dutyplan.uncovered`, which asks for every uncovered
gate-shift and every person what adding that duty would break) share the per-problem set-up
through a :class:`CheckContext`, and :func:`check_people` checks only what depends on some
people's own duties (every per-person rule, the per-duty always-hard checks, commute, and with
a base plan the team costs their duties change), not the cover of the whole plan.

Layout, one way (each module imports only those above it):

* ``claims``: the plan's own figures, recomputed and compared (``Mismatch``);
* ``report``: ``Violation``, ``Penalty``, ``CheckReport``;
* ``calendar``: duties and worked shift instances in minutes, a person's dates;
* ``context``: ``CheckContext``, the per-problem set-up;
* ``state``: ``CheckState``, the lookups and findings of one check;
* one module per rule family, as in :mod:`dutyplan.model` (``cover``, ``conflicts``, ``runs``,
  ``totals``, ``commute``, ``sites``, ``roles``, ``preferences``, ``fairness``, ``changes``);
* ``core``: ``PlanChecker`` (the steps), :func:`check`, :func:`check_people`.
"""

from __future__ import annotations

from dutyplan.checker.claims import Mismatch
from dutyplan.checker.context import CheckContext
from dutyplan.checker.core import ALWAYS_HARD, PlanChecker, check, check_people, check_people_of
from dutyplan.checker.report import CheckReport, Penalty, Violation

__all__ = [
    "ALWAYS_HARD", "CheckContext", "CheckReport", "Mismatch", "Penalty", "PlanChecker", "Violation", "check",
    "check_people", "check_people_of",
]
