"""The checker's steps: read the plan's duties, run every rule family over them, and report.

:func:`check` checks a whole plan (every rule, every cost, every figure the plan states);
:func:`check_people` only what depends on some people's own duties."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from dutyplan.checker import (
    caseloads,
    commute,
    conflicts,
    cover,
    fairness,
    preferences,
    roles,
    runs,
    sites,
    totals,
)
from dutyplan.checker.calendar import DAY_MINUTES, Days, Instance, Past
from dutyplan.checker.changes import check_changes
from dutyplan.checker.claims import verify_claims
from dutyplan.checker.context import CheckContext, Team
from dutyplan.checker.report import CheckReport
from dutyplan.checker.state import CheckState
from dutyplan.plan import Assignment, Plan
from dutyplan.problem import LEVELS, Problem

__all__ = ["ALWAYS_HARD", "PlanChecker", "base_team", "check", "check_people", "check_people_of"]

logger = logging.getLogger(__name__)

#: Always-hard checks, in the order of docs/rules.md.
ALWAYS_HARD = (
    "unknown",
    "closed_gate",
    "times",
    "duplicate",
    "overlap",
    "gate_role",
    "unavailable",
    "over_cover",
    "household_twice",
    "household_person",
    "visit_window",
)


class PlanChecker(CheckState):
    """Holds the problem's lookups and the findings while one plan is checked.

    Next to every violation and penalty it keeps the shift instances the finding is about
    (``violation_refs``, ``penalty_refs``: overlap, rest, shifts per day, successions,
    duplicates), so that a caller can name the other duty involved.
    """

    # ------------------------------------------------------------------ steps
    def run(self) -> None:
        self.read_assignments()
        caseloads.read_caseloads(self, self.caseload_list)
        cover.check_gate_shifts(self)
        for p in range(len(self.problem.people)):
            self.check_person(p)
        sites.check_units(self)
        roles.check_roles(self)
        commute.check_commute(self)
        caseloads.check_caseloads(self)
        fairness.check_fairness(self)

    def run_people(self, people: Sequence[int], team: Team | None) -> None:
        """Only what depends on the duties of ``people`` (``self.assignments`` holds all of
        their duties): the per-duty always-hard checks (not cover or ``over_cover``), every
        per-person rule and preference, commute, ``fairness_shift_squares``; with ``team`` (the
        base plan's figures), ``unit_sites_weight`` and the fairness ranges over the base plan
        with these people's duties in place of theirs. Not ``roles``: more people on duty
        never make a role shortfall worse."""
        self.read_assignments()
        cover.check_duties_at_gates(self)
        for p in people:
            self.check_person(p)
        if team is not None:
            sites.check_units(self, team, people)
        commute.check_commute(self)
        fairness.check_fairness(self, team, people)

    def team_figures(self) -> Team:
        """Per person: the sites worked and the fairness figures (after read_assignments)."""
        worked: list[set[int]] = [set() for _ in self.problem.people]
        for duty in self.duties:
            worked[duty.person].add(duty.site)
        figures = [fairness.person_figures(self, p) for p in range(len(self.problem.people))]
        return Team(worked, figures)

    # ------------------------------------------------------------------ per person
    def check_person(self, p: int) -> None:
        """Every per-person rule (effective rules), overlap, and the preferences."""
        days = Days.of(self.instances[p], self.n_days)
        rules = self.rules[p]
        past = self._past(p)
        conflicts.check_overlap_and_rest(self, p, rules, days)
        conflicts.check_successions(self, p, rules, days)
        conflicts.check_seam(self, p, rules, days, past)
        runs.check_runs(self, p, rules, days, past)
        totals.check_windows(self, p, rules, days, past)
        totals.check_totals(self, p, rules, days)
        commute.check_duty_caps(self, p, rules)
        caseloads.check_day_minutes(self, p)
        sites.check_one_site(self, p, rules)
        preferences.check_preferences(self, p, days)

    def _past(self, p: int) -> Past:
        """The person's known dates before the horizon, oldest first (``Person.history``)."""
        person = self.problem.people[p]
        first = self.problem.horizon.start
        n = (first - person.history_start(first)).days
        past = Past([False] * n, [False] * n, [0] * n, [])
        for item in person.history:
            shift = self.shifts.get(item.shift)
            if shift is None:
                continue
            d = (item.date - first).days
            past.worked[n + d] = True
            past.night[n + d] = past.night[n + d] or shift.is_night
            past.minutes[n + d] += shift.minutes
            begin = d * DAY_MINUTES + shift.start.hour * 60 + shift.start.minute
            past.instances.append(Instance(d, shift, begin, begin + shift.minutes))
        return past


def base_team(context: CheckContext, assignments: list[Assignment]) -> Team:
    """The team figures of a base plan (the context keeps them for the last list of
    assignments seen)."""
    if context.base_team is None or context.base_team[0] is not assignments:
        checker = PlanChecker(context.problem, assignments, context)
        checker.read_assignments()
        context.base_team = (assignments, checker.team_figures())
    return context.base_team[1]


def check(
    problem: Problem,
    plan: Plan,
    context: CheckContext | None = None,
    published: Plan | None = None,
    freeze_until: dt.datetime | None = None,
    rules_only: bool = False,
) -> CheckReport:
    """Check ``plan`` against ``problem`` following docs/rules.md, without the solver.

    Every hard rule, every cost, and every figure the plan states about itself (its
    uncovered list, coverage, per-person figures, level values, objective, bound, gap and
    status; see :mod:`dutyplan.checker.claims`): ``report.ok`` is true only when no hard rule is
    broken and every figure is true. ``rules_only``: check the rules and costs only (no
    ``mismatches``; ``ok`` then means no hard rule broken).

    Never raises on a bad plan: unknown ids and dates are reported as ``unknown`` violations.
    ``context`` (a :class:`CheckContext` of this problem) saves the set-up when many plans of
    one problem are checked; the report is the same with or without it. ``published`` (with
    ``freeze_until``, default the horizon start) checks a re-plan: duties starting before the
    freeze must be exactly the published ones (``frozen``, hard) and the ``changes`` level is
    recomputed (docs/rules.md, "Re-planning").
    """
    checker = PlanChecker(problem, plan.assignments, context, plan.caseloads)
    checker.run()
    if published is not None:
        check_changes(checker, published, freeze_until)
    weights = {level: problem.objective.weight(level) for level in LEVELS}
    objective = sum(weights[level] * checker.levels[level] for level in LEVELS)
    reported = plan.result.objective
    logger.debug(
        "checked %d assignments: %d violations, objective %d",
        len(plan.assignments),
        len(checker.violations),
        objective,
    )
    mismatches = [] if rules_only else verify_claims(
        problem, plan, checker.demand, checker.levels, weights, published=published is not None
    )
    return CheckReport(
        problem=problem.name,
        violations=checker.violations,
        penalties=checker.penalties,
        levels=checker.levels,
        weights=weights,
        objective=objective,
        plan_objective=reported,
        objective_matches=None if reported is None else reported == objective,
        mismatches=mismatches,
    )


def check_people_of(
    problem: Problem,
    assignments: Sequence[Assignment],
    people: Sequence[int],
    context: CheckContext | None = None,
    base: Plan | None = None,
) -> PlanChecker:
    """Run the checker on the duties of ``people`` only (see :func:`check_people`)."""
    ctx = context if context is not None else CheckContext(problem)
    team = None if base is None else base_team(ctx, base.assignments)
    checker = PlanChecker(problem, assignments, ctx)
    checker.run_people(people, team)
    return checker


def check_people(
    problem: Problem,
    assignments: Sequence[Assignment],
    people: Sequence[str] | None = None,
    context: CheckContext | None = None,
    base: Plan | None = None,
) -> CheckReport:
    """Check only what depends on the own duties of some people: ``assignments`` are all the
    duties of ``people`` (default: the people they name).

    Reported: the always-hard checks of each assignment (``unknown``, ``times``,
    ``duplicate``, ``overlap``, ``closed_gate``, ``gate_role``, ``unavailable``), every
    per-person rule and preference, their commute and ``fairness_shift_squares``. Not
    reported: cover, ``over_cover`` and ``roles`` (they depend on everybody at a gate-shift or
    site). With ``base``, a plan of the problem, also ``unit_sites_weight`` and the fairness
    ranges of ``base`` with these people's duties in place of theirs there (other people as
    in ``base``). Comparing two such checks of one person, with and without a duty, tells what
    that duty would break or cost; :func:`check` of a whole plan is unchanged by all this.
    """
    ctx = context if context is not None else CheckContext(problem)
    if people is None:
        people = list(dict.fromkeys(a.person for a in assignments))
    indices = [ctx.person_index[p] for p in people if p in ctx.person_index]
    checker = check_people_of(problem, assignments, indices, ctx, base)
    weights = {level: problem.objective.weight(level) for level in LEVELS}
    return CheckReport(
        problem=problem.name,
        violations=checker.violations,
        penalties=checker.penalties,
        levels=checker.levels,
        weights=weights,
        objective=sum(weights[level] * checker.levels[level] for level in LEVELS),
    )
