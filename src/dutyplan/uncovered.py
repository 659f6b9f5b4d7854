"""Why is a gate-shift uncovered? Who could have stood there, and what stopped everyone else.

For each uncovered gate-shift of a plan and each person, :func:`explain_uncovered` adds that
duty to the person's own duties and asks the independent checker (:mod:`dutyplan.checker`)
what changes: the hard rules that would break (rest, consecutive days, commute cap,
availability, site continuity, a duty at the same time, ...) and, when nothing hard stops the
person, what the duty would add to the objective (soft rules, preferences, commute, fairness).
The rules are not re-implemented here: the reasons are the difference between two checks of
one person's duties, with and without the added duty (:func:`dutyplan.checker.check_people`,
which leaves out cover; the team costs, fairness and unit sites, are those of the whole plan
with the person's duties replaced). Adding a person who is ``free`` to the plan gives a plan
the checker accepts, if it accepted the plan before::

    explanations = explain_uncovered(problem, plan)
    print(explanation_text(explanations))
    for item in explanations:
        for candidate in item.candidates:
            if candidate.free:
                print(item.site, item.date, item.shift, candidate.name, candidate.extra_cost)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from dutyplan.budget import Budget, check_solve_arguments
from dutyplan.checker import CheckContext, Penalty, PlanChecker, Violation, check, check_people_of
from dutyplan.errors import PlanFileError, ProblemError
from dutyplan.plan import Assignment, Caseload, Plan, UncoveredShift
from dutyplan.problem import LEVELS, Problem
from dutyplan.rulebook import short_words

__all__ = [
    "CandidateReason",
    "UnwatchedExplanation",
    "explain_unwatched",
    "unwatched_text",
    "Reason",
    "UncoveredExplanation",
    "explain_uncovered",
    "explanation_text",
]

#: Plain words for the rules that stop a person (used in the grouped summary).
#: the order reasons are listed in (the rules that stop people most often first)
REASON_ORDER = (
    "unavailable",
    "gate_role",
    "max_commute_km",
    "max_day_minutes",
    "keep_one_site",
    "duplicate",
    "overlap",
    "max_shifts_per_day",
    "min_rest_hours",
    "forbidden_successions",
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "min_minutes",
    "max_minutes",
    "max_shifts",
    "max_consecutive_nights",
    "max_weekends",
    "closed_gate",
    "times",
    "unknown",
)
_ORDER = {rule: k for k, rule in enumerate(REASON_ORDER)}
_COST_SUFFIX = re.compile(r" \(cost [^()]*\)$|; cost [^()]*(?=\)$)")


logger = logging.getLogger("dutyplan")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reason(_Out):
    """A hard rule that would break if the person took the duty.

    ``rule`` is the rule name of docs/rules.md and the checker; ``text`` one sentence for a
    planner naming the person and the other duty involved, if any; ``detail`` the checker's
    own sentence about the violation.
    """

    rule: str
    text: str
    detail: str = ""


class CandidateReason(_Out):
    """One person, for one uncovered gate-shift: could they have taken it, and at what cost.

    ``free`` when no hard rule stops them. ``extra_cost``: what the duty would add to the
    objective (weighted as in the plan's objective, cover left out; negative when it saves),
    ``costs`` the same by rule, ``soft_rules`` a sentence per rule. They are filled in for
    blocked people too (what the duty would cost besides breaking the rules).
    """

    person: str
    name: str
    free: bool
    blocked_by: list[Reason] = Field(default_factory=list)
    extra_cost: int = 0
    costs: dict[str, int] = Field(default_factory=dict)
    soft_rules: list[str] = Field(default_factory=list)


class UncoveredExplanation(_Out):
    """An uncovered gate-shift and every candidate, those who could have stood there first.

    ``site``, ``gate``, ``date``, ``shift``, ``start``, ``end`` and ``missing`` are those of
    the plan's :class:`~dutyplan.plan.UncoveredShift`; ``where`` the site and gate names.
    """

    site: str
    gate: str
    where: str
    date: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    missing: int
    candidates: list[CandidateReason] = Field(default_factory=list)

    @property
    def free(self) -> list[CandidateReason]:
        """The candidates no hard rule stops, cheapest first."""
        return [c for c in self.candidates if c.free]

    def blocked_by_rule(self) -> dict[str, list[CandidateReason]]:
        """Blocked candidates grouped by the rules that stop them (``"rest + site
        continuity"``), largest group first."""
        groups: dict[str, list[CandidateReason]] = {}
        for candidate in self.candidates:
            if candidate.free:
                continue
            rules = sorted({r.rule for r in candidate.blocked_by}, key=_rule_order)
            key = " + ".join(short_words(rule) for rule in rules)
            groups.setdefault(key, []).append(candidate)
        return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))

    def summary(self, max_people: int = 5) -> str:
        """A few lines: the gate-shift, who could have stood there, the blocked grouped by rule."""
        when = f"{self.start:%H:%M}-{self.end:%H:%M}"
        lines = [
            f"{self.where}, {self.shift} on {self.date} ({when}): "
            f"{self.missing} missing, {len(self.candidates)} people considered"
        ]
        free = self.free
        if free:
            shown = [f"{c.name} ({_signed(c.extra_cost)}{_cost_note(c)})" for c in free]
            lines.append(f"  {len(free)} could have: {_names(shown, max_people)}")
        else:
            lines.append("  nobody could have stood there")
        for key, group in self.blocked_by_rule().items():
            names = _names([c.name for c in group], max_people)
            lines.append(f"  {len(group)} stopped by {key}: {names}")
        return "\n".join(lines)


def explanation_text(
    explanations: Sequence[UncoveredExplanation], max_people: int = 5, max_items: int | None = None
) -> str:
    """The summaries of many explanations, with a head line counting them."""
    items = list(explanations)
    could = sum(1 for item in items if item.free)
    head = (
        f"{len(items)} uncovered gate-shift(s); someone could have stood at {could} of them"
        if items
        else "nothing uncovered"
    )
    shown = items if max_items is None else items[:max_items]
    parts = [head] + [item.summary(max_people) for item in shown]
    if len(shown) < len(items):
        parts.append(f"... and {len(items) - len(shown)} more uncovered gate-shift(s)")
    return "\n".join(parts)


# =========================================================================== the work


def explain_uncovered(
    problem: Problem,
    plan: Plan,
    people: Sequence[str] | None = None,
    limit: int | None = None,
    context: CheckContext | None = None,
    time_limit: float | None = None,
) -> list[UncoveredExplanation]:
    """For each uncovered gate-shift of ``plan`` (the first ``limit`` of ``plan.uncovered``)
    and each person (of ``people``, ids, default everyone): the hard rules that would break if
    that person were added to it, on top of the plan as it is, and what it would cost.

    Candidates are sorted: the free first (cheapest first), then by number of reasons.
    ``context`` (a :class:`~dutyplan.checker.CheckContext` of ``problem``) saves the
    checker's set-up when called repeatedly. ``time_limit``: wall seconds
    after which no further gate-shift is explained (the list is then shorter than the
    uncovered ones; each gate-shift takes a check per person). Raises :class:`ProblemError` for an unknown
    person id and :class:`PlanFileError` for an uncovered gate-shift the problem does not have
    (a plan of another problem).
    """
    if time_limit is not None:
        check_solve_arguments(time_limit)  # a finite number of seconds, more than 0
    ctx = context if context is not None else CheckContext(problem)
    if people is None:
        chosen = list(range(len(problem.people)))
    else:
        unknown = [pid for pid in people if pid not in ctx.person_index]
        if unknown:
            raise ProblemError(f"explain_uncovered: unknown person id(s) {unknown[:5]}")
        chosen = list(dict.fromkeys(ctx.person_index[pid] for pid in people))
    uncovered = plan.uncovered if limit is None else plan.uncovered[: max(0, limit)]
    if not uncovered:
        return []
    for item in uncovered:
        s = ctx.site_index.get(item.site)
        if (
            s is None
            or item.gate not in ctx.gate_index[s]
            or item.shift not in ctx.shifts
            or not problem.horizon.start <= item.date <= problem.last_date
        ):
            raise PlanFileError(
                f"the plan does not fit problem {problem.name!r}: uncovered gate-shift "
                f"{item.site}/{item.gate} {item.shift} on {item.date} is not one of its own"
            )
    explainer = _Explainer(problem, plan, ctx)
    result: list[UncoveredExplanation] = []
    budget = None if time_limit is None else Budget(time_limit)  # the wall clock: no CP-SAT here
    for item in uncovered:
        if budget is not None and budget.expired():
            logger.info("explained %d of %d uncovered gate-shifts within %gs", len(result),
                        len(uncovered), budget.seconds)
            break
        candidates = [explainer.candidate(p, item) for p in chosen]
        order = {id(c): k for k, c in enumerate(candidates)}
        candidates.sort(
            key=lambda c: (
                not c.free,
                len(c.blocked_by),
                c.extra_cost if c.free else 0,
                order[id(c)],
            )
        )
        result.append(
            UncoveredExplanation(
                site=item.site,
                gate=item.gate,
                where=explainer.gate_label(item.site, item.gate),
                date=item.date,
                shift=item.shift,
                start=item.start,
                end=item.end,
                missing=item.missing,
                candidates=candidates,
            )
        )
    return result


class _Explainer:
    """One plan's people: their own duties, and the check of each without an added duty."""

    def __init__(self, problem: Problem, plan: Plan, ctx: CheckContext) -> None:
        self.problem = problem
        self.plan = plan
        self.ctx = ctx
        self.own: list[list[Assignment]] = [[] for _ in problem.people]
        for a in plan.assignments:
            p = ctx.person_index.get(a.person)
            if p is not None:
                self.own[p].append(a)
        self.weights = {level: problem.objective.weight(level) for level in LEVELS}
        self._without: dict[int, PlanChecker] = {}
        # "name (id)" as the checker writes people, to be shortened to the name
        self.named = {f"{q.name} ({q.id})": q.name for q in problem.people if q.name is not None}
        self.named_pattern = (
            re.compile("|".join(re.escape(k) for k in sorted(self.named, key=len, reverse=True)))
            if self.named
            else None
        )

    def check(self, p: int, assignments: list[Assignment]) -> PlanChecker:
        return check_people_of(self.problem, assignments, [p], self.ctx, self.plan)

    def without(self, p: int) -> PlanChecker:
        if p not in self._without:
            self._without[p] = self.check(p, self.own[p])
        return self._without[p]

    def candidate(self, p: int, item: UncoveredShift) -> CandidateReason:
        person = self.problem.people[p]
        added = Assignment.model_construct(
            person=person.id,
            date=item.date,
            shift=item.shift,
            start=item.start,
            end=item.end,
            site=item.site,
            gate=item.gate,
        )
        before = self.without(p)
        after = self.check(p, [*self.own[p], added])
        # hard: the violations the duty adds (a multiset difference)
        seen = Counter(_key(v) for v in before.violations)
        reasons: list[Reason] = []
        for violation, refs in zip(after.violations, after.violation_refs, strict=True):
            key = _key(violation)
            if seen[key]:
                seen[key] -= 1
                continue
            text = self.reason_text(p, item, violation, refs)
            reasons.append(Reason(rule=violation.rule, text=text, detail=violation.detail))
        reasons.sort(key=lambda r: _rule_order(r.rule))
        # soft: the cost the duty adds, by rule, weighted like the objective
        costs: dict[str, int] = {}
        levels: dict[str, str] = {}
        for sign, checker in ((1, after), (-1, before)):
            for penalty in checker.penalties:
                if penalty.level == "cover":
                    continue
                weighted = sign * self.weights[penalty.level] * penalty.cost
                costs[penalty.rule] = costs.get(penalty.rule, 0) + weighted
                levels[penalty.rule] = penalty.level
        costs = {rule: cost for rule, cost in costs.items() if cost}
        new = Counter(_pkey(x) for x in before.penalties)
        fresh: dict[str, list[Penalty]] = {}
        for penalty in after.penalties:
            key = _pkey(penalty)
            if new[key]:
                new[key] -= 1
            elif penalty.rule in costs:
                fresh.setdefault(penalty.rule, []).append(penalty)
        soft = [
            self.cost_text(p, item, rule, levels[rule], cost, fresh.get(rule, []))
            for rule, cost in sorted(costs.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return CandidateReason(
            person=person.id,
            name=person.label,
            free=not reasons,
            blocked_by=reasons,
            extra_cost=sum(costs.values()),
            costs=costs,
            soft_rules=soft,
        )

    # ------------------------------------------------------------------ sentences
    def label(self, text: str) -> str:
        """The checker's sentence with every ``name (id)`` shortened to the name."""
        if self.named_pattern is None:
            return text
        return self.named_pattern.sub(lambda m: self.named[m.group(0)], text)

    def others(self, p: int, refs: tuple[tuple[int, str], ...]) -> list[Assignment]:
        """The person's duties in the plan at the instances a finding names."""
        wanted = {(self.problem.horizon.start + dt.timedelta(days=d), s) for d, s in refs}
        return [a for a in self.own[p] if (a.date, a.shift) in wanted]

    def site_label(self, site_id: str) -> str:
        s = self.ctx.site_index.get(site_id)
        return site_id if s is None else self.problem.sites[s].label

    def gate_label(self, site_id: str, gate_id: str) -> str:
        s = self.ctx.site_index.get(site_id)
        if s is None:
            return f"{site_id} / {gate_id}"
        site = self.problem.sites[s]
        g = self.ctx.gate_index[s].get(gate_id)
        return f"{site.label} / {gate_id if g is None else site.gates[g].label}"

    def reason_text(
        self,
        p: int,
        item: UncoveredShift,
        violation: Violation,
        refs: tuple[tuple[int, str], ...],
    ) -> str:
        """One sentence about a hard rule the added duty breaks."""
        person = self.problem.people[p]
        name = person.label
        rules = self.ctx.rules[p]
        rule = violation.rule
        this = f"{item.shift} on {item.date}"
        others = [
            a
            for a in (self.others(p, refs) if refs else [])
            if rule == "duplicate" or (a.date, a.shift) != (item.date, item.shift)
        ]
        other = others[0] if others else None
        if rule == "unavailable":
            whole = any(u.date == item.date and u.shift is None for u in person.unavailable)
            if whole:
                return f"{name} is unavailable on {item.date}"
            return f"{name} is unavailable for {this}"
        if rule == "gate_role":
            s = self.ctx.site_index[item.site]
            role = self.problem.sites[s].gates[self.ctx.gate_index[s][item.gate]].role
            return (
                f"{name} does not have the role {role!r} that "
                f"{self.gate_label(item.site, item.gate)} needs"
            )
        if rule == "max_commute_km" and rules.max_commute_km is not None:
            km = int(self.ctx.round_km[p, self.ctx.site_index[item.site]])
            return (
                f"{name}'s round trip to {self.site_label(item.site)} is {km} km, more than "
                f"the cap of {rules.max_commute_km.value} km"
            )
        if rule == "keep_one_site":
            sites = sorted({a.site for a in self.own[p] if a.site != item.site})
            where = ", ".join(self.site_label(s) for s in sites)
            return (
                f"{name} already works at {where}, not at {self.site_label(item.site)} "
                "(site continuity: one site per person)"
            )
        if rule == "duplicate" and other is not None:
            return (
                f"{name} is already on duty {other.shift} on {other.date} at "
                f"{self.gate_label(other.site, other.gate)}"
            )
        if rule == "overlap" and other is not None:
            return (
                f"{name} works {other.shift} at {self.site_label(other.site)} on {other.date} "
                f"({_span(other.start, other.end)}), which overlaps {this} "
                f"({_span(item.start, item.end)})"
            )
        if rule == "max_shifts_per_day" and other is not None and rules.max_shifts_per_day:
            duties = ", ".join(f"{a.shift} at {self.site_label(a.site)}" for a in others)
            value = rules.max_shifts_per_day.value
            return (
                f"{name} already works {duties} on {item.date}; at most {value} "
                f"shift{'s' if value != 1 else ''} may start on one date"
            )
        if rule == "min_rest_hours" and other is not None and rules.min_rest_hours:
            need = rules.min_rest_hours.value
            if other.end <= item.start:  # the other duty comes first
                rest = item.start - other.end
                return (
                    f"{name} works {other.shift} at {self.site_label(other.site)} on "
                    f"{other.date}, ending {_clock(other.end, other.date)}; {this} starts "
                    f"{_clock(item.start, item.date)}: {_hours(rest)} rest, at least {need} h "
                    "needed"
                )
            rest = other.start - item.end
            return (
                f"{name} works {other.shift} at {self.site_label(other.site)} on {other.date}, "
                f"starting {_clock(other.start, other.date)}; {this} ends "
                f"{_clock(item.end, item.date)}: {_hours(rest)} rest, at least {need} h needed"
            )
        if rule == "forbidden_successions" and other is not None and len(refs) == 2:
            (_, first), (_, then) = refs
            return (
                f"{name} works {other.shift} at {self.site_label(other.site)} on {other.date}; "
                f"{first} followed by {then} on the next date is not allowed"
            )
        return self.label(violation.detail)

    def cost_text(
        self, p: int, item: UncoveredShift, rule: str, level: str, cost: int, fresh: list[Penalty]
    ) -> str:
        """One sentence about what the added duty costs (or saves) under one rule."""
        if rule == "commute":
            km = int(self.ctx.round_km[p, self.ctx.site_index[item.site]])
            what = f"{km} km round trip to {self.site_label(item.site)}"
        elif fresh:
            what = "; ".join(_COST_SUFFIX.sub("", self.label(x.detail)) for x in fresh)
        else:
            what = "less than before" if cost < 0 else "more than before"
        kind = {"rules": " (soft rule)", "preferences": " (preference)"}.get(level, "")
        return f"{rule} {_signed(cost)}: {what}{kind}"


# =========================================================================== helpers


def _key(v: Violation) -> tuple[object, ...]:
    return (v.rule, v.person, v.date, v.site, v.detail)


def _pkey(x: Penalty) -> tuple[object, ...]:
    return (x.level, x.rule, x.cost, x.person, x.site, x.date, x.detail)


def _rule_order(rule: str) -> int:
    return _ORDER.get(rule, len(_ORDER))


def _signed(cost: int) -> str:
    return f"+{cost}" if cost >= 0 else str(cost)


def _cost_note(c: CandidateReason) -> str:
    if not c.costs:
        return ""
    top = sorted(c.costs.items(), key=lambda kv: -abs(kv[1]))[:2]
    return ": " + ", ".join(f"{rule} {_signed(cost)}" for rule, cost in top)


def _names(names: list[str], most: int) -> str:
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def _clock(moment: dt.datetime, day: dt.date) -> str:
    return f"{moment:%H:%M}" if moment.date() == day else f"{moment:%Y-%m-%d %H:%M}"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    if start.date() == end.date():
        return f"{start:%H:%M}-{end:%H:%M}"
    return f"{start:%H:%M}-{end:%Y-%m-%d %H:%M}"


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d} min"


# --------------------------------------------------------------------------- households


class UnwatchedExplanation(_Out):
    """A household nobody answers for (``Plan.unwatched``), and each person who takes
    households: free to answer for it (with what it would add to the objective), or what stops
    them (docs/rules.md, "Caseloads", in the checker's words)."""

    household: str
    name: str
    site: str
    first: dt.date
    last: dt.date
    candidates: list[CandidateReason] = Field(default_factory=list)


def explain_unwatched(problem: Problem, plan: Plan, most_people: int = 200) -> list[UnwatchedExplanation]:
    """For each household nobody answers for, every person with a caseload capacity (at most
    ``most_people``, those of its community first): the plan with them answering for it, as
    the independent checker sees it. The hard rules it would break are the reasons; with
    none, the person is ``free`` and ``extra_cost`` is what the objective would gain (cover
    included: the household's unwatched dates are saved)."""
    base = check(problem, plan, rules_only=True)
    before = {_key(v) for v in base.violations}
    weights = base.weights
    households = {h.id: h for h in problem.households}
    takers = [p for p in problem.people if p.takes_households]
    out = []
    for hid in plan.unwatched:
        household = households[hid]
        near = sorted(takers, key=lambda p: p.communities is None or household.site not in p.communities)
        first, last = problem.watch_span(household)
        item = UnwatchedExplanation(household=hid, name=household.label, site=household.site, first=first, last=last)
        for person in near[:most_people]:
            added = Caseload(household=hid, person=person.id, site=household.site, first=first, last=last)
            trial = plan.model_copy(update={"caseloads": [*plan.caseloads, added],
                                            "unwatched": [h for h in plan.unwatched if h != hid]})
            report = check(problem, trial, rules_only=True)
            new = [v for v in report.violations if _key(v) not in before]
            costs = {level: report.levels[level] - base.levels[level] for level in LEVELS
                     if report.levels[level] != base.levels[level]}
            item.candidates.append(CandidateReason(
                person=person.id, name=person.label, free=not new,
                blocked_by=[Reason(rule=v.rule, text=f"{short_words(v.rule)}: {v.detail}", detail=v.detail) for v in new],
                extra_cost=sum(weights[level] * value for level, value in costs.items()), costs=costs,
            ))
        item.candidates.sort(key=lambda c: (not c.free, c.extra_cost, c.person))
        out.append(item)
    return out


def unwatched_text(explanations: Sequence[UnwatchedExplanation], max_people: int = 5) -> str:
    """Each household nobody answers for: who could, and why the others cannot (grouped by
    the first rule that stops them)."""
    lines = []
    for item in explanations:
        lines.append(f"household {item.name} ({item.site}, watched {item.first}..{item.last}): nobody answers for it")
        free = [c for c in item.candidates if c.free]
        if free:
            shown = ", ".join(f"{c.name} ({_signed(c.extra_cost)})" for c in free[:max_people])
            lines.append(f"  could answer for it: {shown}" + (f" and {len(free) - max_people} more" if len(free) > max_people else ""))
        by_rule: dict[str, list[str]] = {}
        for c in item.candidates:
            if not c.free:
                by_rule.setdefault(short_words(c.blocked_by[0].rule), []).append(c.name)
        for rule, names in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  {rule}: {_names(names, max_people)}")
        if not item.candidates:
            lines.append("  nobody has a caseload capacity (max_households or max_household_people)")
    return "\n".join(lines)
